// Per-key debounced jobs where a newer request supersedes the older one: scheduling a key
// again cancels its pending timer and marks its running job cancelled, so fast typing never
// queues stale work and a finished job can tell whether its result is still wanted.

export type Job = (isCancelled: () => boolean) => void | Promise<void>;

/** A job waiting for its turn: a timer, or for no delay the next turn of the event loop. */
type Wait = { timeout: NodeJS.Timeout } | { immediate: NodeJS.Immediate };

interface Slot {
  ticket: number;
  timer?: Wait;
  run?: () => Promise<void>;
}

// Node clamps setTimeout(0) to 1 ms: with the debounce set to 0 (and for runNow) that is a
// millisecond of every edit's latency spent waiting for nothing, so no delay means setImmediate.
function wait(delayMs: number, run: () => void): Wait {
  return delayMs > 0 ? { timeout: setTimeout(run, delayMs) } : { immediate: setImmediate(run) };
}

function stopWaiting(timer: Wait): void {
  if ('timeout' in timer) clearTimeout(timer.timeout);
  else clearImmediate(timer.immediate);
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
    slot.timer = wait(delayMs, () => void run());
  }

  /**
   * Starts the job of `key` now if it is still waiting out its delay (someone needs its result);
   * false when there is no waiting job.
   */
  runNow(key: string): boolean {
    const slot = this.slots.get(key);
    if (!slot?.timer || !slot.run) return false;
    stopWaiting(slot.timer);
    slot.timer = wait(0, () => void slot.run?.());
    return true;
  }

  /** Cancels the pending or running job of `key`, if any. */
  cancel(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    if (slot.timer) stopWaiting(slot.timer);
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
