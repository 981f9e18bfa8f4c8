// Per-key debounced jobs where a newer request supersedes the older one: scheduling a key
// again cancels its pending timer and marks its running job cancelled, so fast typing never
// queues stale work and a finished job can tell whether its result is still wanted.

export type Job = (isCancelled: () => boolean) => void | Promise<void>;

interface Slot {
  ticket: number;
  timer?: NodeJS.Timeout;
  run?: () => Promise<void>;
}

export class DebouncedScheduler {
  private readonly slots = new Map<string, Slot>();
  private nextTicket = 1;
  private disposed = false;

  constructor(private readonly onError: (key: string, error: unknown) => void) {}

  schedule(key: string, delayMs: number, job: Job): void {
    if (this.disposed) return;
    this.cancel(key);
    const ticket = this.nextTicket++;
    const slot: Slot = { ticket };
    this.slots.set(key, slot);
    const isCancelled = () => this.disposed || this.slots.get(key)?.ticket !== ticket;
    const run = async () => {
      slot.timer = undefined;
      if (isCancelled()) return;
      try {
        await job(isCancelled);
      } catch (error) {
        if (!isCancelled()) this.onError(key, error);
      } finally {
        if (this.slots.get(key)?.ticket === ticket) this.slots.delete(key);
      }
    };
    slot.run = run;
    slot.timer = setTimeout(() => void run(), Math.max(0, delayMs));
  }

  /**
   * Starts the job of `key` now if it is still waiting out its delay (someone needs its result);
   * false when there is no waiting job.
   */
  runNow(key: string): boolean {
    const slot = this.slots.get(key);
    if (!slot?.timer || !slot.run) return false;
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => void slot.run?.(), 0);
    return true;
  }

  /** Cancels the pending or running job of `key`, if any. */
  cancel(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    if (slot.timer) clearTimeout(slot.timer);
    this.slots.delete(key);
  }

  isPending(key: string): boolean {
    return this.slots.has(key);
  }

  dispose(): void {
    this.disposed = true;
    for (const key of [...this.slots.keys()]) this.cancel(key);
  }
}
