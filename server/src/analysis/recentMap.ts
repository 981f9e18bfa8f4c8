// A map that keeps only its most recently set (or touched) keys: the memos carried from one
// analysis to the next are kept per file or document, and files that were closed long ago, or
// never come back, must not pile up.

/**
 * At most `limit` entries, ordered from least to most recently used. "Used" means set or touched:
 * `get` and `has` leave the order alone, so a caller that only looks at what it kept last time
 * does not count as a use (the memos look first and set what the analysis produced after).
 *
 * `onEvict(key, value)` is called once for each entry dropped because a `set` went beyond the
 * limit, oldest first, after the entry is gone from the map (so it sees only what is still kept).
 * It is not called for a value replaced by `set`, nor by `delete` or `clear`: what those drop is
 * the caller's to free, as it knows whether the value is still in use.
 */
export class RecentMap<K, V> {
  // A Map iterates in insertion order; inserting again on use keeps the oldest entry first.
  private readonly entries = new Map<K, V>();

  constructor(
    readonly limit: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    if (!(limit >= 1)) throw new RangeError(`RecentMap limit must be at least 1, got ${limit}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value kept for `key`, leaving it where it is in the order. */
  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Keeps `value` for `key` as the most recent entry, then evicts the oldest beyond the limit. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.limit) {
      const [oldestKey, oldestValue] = this.entries.entries().next().value as [K, V];
      this.entries.delete(oldestKey);
      this.onEvict?.(oldestKey, oldestValue);
    }
  }

  /** Makes `key` the most recent entry; false (and nothing changes) when it is not kept. */
  touch(key: K): boolean {
    if (!this.entries.has(key)) return false;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return true;
  }

  /** Drops `key` without calling onEvict. */
  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Drops everything without calling onEvict. */
  clear(): void {
    this.entries.clear();
  }

  /** Keys, least recently used first. */
  keys(): IterableIterator<K> {
    return this.entries.keys();
  }

  /** Values, least recently used first. */
  values(): IterableIterator<V> {
    return this.entries.values();
  }
}
