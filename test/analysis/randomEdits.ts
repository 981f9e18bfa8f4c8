// Random edits for the tests that compare an incremental result with a fresh one: at a random
// place, either a deletion or one of `insertions` typed. Seeded (test/fuzz/prng.ts), so a failing
// edit sequence replays from the seed the test names.
import { Rng } from '../fuzz/prng';

export { Rng };

export interface RandomEditOptions {
  /** Chance that the edit deletes rather than types. */
  deleteChance?: number;
  /** A deletion removes 1 to this many characters. */
  deleteUpTo?: number;
}

/** `text` after one random edit, and where it was made. */
export function randomEdit(rng: Rng, text: string, insertions: readonly string[], options: RandomEditOptions = {}): { text: string; at: number } {
  const at = rng.int(text.length + 1);
  if (text.length > 0 && rng.chance(options.deleteChance ?? 0.4)) {
    const from = Math.min(at, text.length - 1);
    return { text: text.slice(0, from) + text.slice(Math.min(text.length, from + 1 + rng.int(options.deleteUpTo ?? 1))), at: from };
  }
  return { text: text.slice(0, at) + rng.pick(insertions) + text.slice(at), at };
}
