// Where each function object sits in a call graph's list. A graph rebuilt after an edit moves a
// few entries of its predecessor's index; copying the whole map for that (the program's every
// function) was most of what reusing a graph cost per keystroke.
import type { FunctionInfo } from './model';

/** Changes kept on top of a shared map before they are folded into a copy of it. */
const MAX_OVERLAY = 64;

/** Immutable once built: `with` gives a new index, and graphs built earlier keep answering as before. */
export class FunctionIndex {
  private constructor(
    /** Shared by every index derived from this one; never changed. */
    private readonly base: ReadonlyMap<FunctionInfo, number>,
    /** Entries changed since `base`: undefined for one removed. */
    private readonly overlay: ReadonlyMap<FunctionInfo, number | undefined>,
  ) {}

  static of(positions: Map<FunctionInfo, number>): FunctionIndex {
    return new FunctionIndex(positions, new Map());
  }

  get(fn: FunctionInfo): number | undefined {
    return this.overlay.has(fn) ? this.overlay.get(fn) : this.base.get(fn);
  }

  /** This index with `removed` taken out, then `added` put in. */
  with(removed: readonly FunctionInfo[], added: readonly [FunctionInfo, number][]): FunctionIndex {
    const overlay = new Map(this.overlay);
    for (const fn of removed) overlay.set(fn, undefined);
    for (const [fn, position] of added) overlay.set(fn, position);
    if (overlay.size <= MAX_OVERLAY) return new FunctionIndex(this.base, overlay);
    const base = new Map(this.base);
    for (const [fn, position] of overlay) {
      if (position === undefined) base.delete(fn);
      else base.set(fn, position);
    }
    return new FunctionIndex(base, new Map());
  }
}
