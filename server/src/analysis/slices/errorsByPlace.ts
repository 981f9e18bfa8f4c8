// The Errors where paths fall back, looked up by place. The slices ask, for every range of every
// block on the paths (the callees' included), which Errors lie inside it; a real file holds
// hundreds of them (memcached.c: over 800), so going through all of them per range costs more
// than the rest of the question. Sorted by start once, the Errors inside a range are those from
// the first one starting at or after it to the last one starting before its end.
import type { AnalysisDiagnostic, Range } from '../model';
import { firstNotBelow } from '../treeHelpers';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);

export class ErrorsByPlace {
  /**
   * The indexes of the Errors (in the given order) sorted by start, ties in their given order.
   * Indexes rather than {index, error} pairs: the file's Errors are sorted again on every edit.
   */
  private readonly byStart: Int32Array;
  /** withinAny's marks, one per Error, made on its first call and cleared after each. */
  private marks?: Uint8Array;

  constructor(readonly all: readonly AnalysisDiagnostic[]) {
    this.byStart = byStartOf(all);
  }

  /** The Errors inside `range`, in their given order (as `all.filter(inside range)`). */
  within(range: Range): AnalysisDiagnostic[] {
    const found: number[] = [];
    this.eachWithin(range, (index) => void found.push(index));
    if (found.length > 1) found.sort((a, b) => a - b);
    return found.map((index) => this.all[index]);
  }

  /** The Errors inside any of `ranges`, in their given order (as `all.filter(inside one of them)`). */
  withinAny(ranges: Iterable<Range>): AnalysisDiagnostic[] {
    const marks = (this.marks ??= new Uint8Array(this.all.length));
    let first = marks.length;
    let last = -1;
    const mark = (index: number) => {
      marks[index] = 1;
      if (index < first) first = index;
      if (index > last) last = index;
    };
    for (const range of ranges) this.eachWithin(range, mark);
    const found: AnalysisDiagnostic[] = [];
    for (let index = first; index <= last; index++)
      if (marks[index]) {
        marks[index] = 0;
        found.push(this.all[index]);
      }
    return found;
  }

  /** Calls `visit` with the index (in the given order) of each Error inside `range`, by start. */
  private eachWithin(range: Range, visit: (index: number) => void): void {
    const { byStart: list, all } = this;
    const first = firstNotBelow(list.length, (at) => before(all[list[at]].range.start, range.start));
    for (let i = first; i < list.length && !before(range.end, all[list[i]].range.start); i++) if (inside(range, all[list[i]].range)) visit(list[i]);
  }
}

/** Whether Error `a` comes before `b` by start, ties in their given order. */
const earlier = (all: readonly AnalysisDiagnostic[], a: number, b: number) =>
  before(all[a].range.start, all[b].range.start) || (!before(all[b].range.start, all[a].range.start) && a < b);

/** The first index from `from` whose Error starts before the one before it; `all.length` when none. */
function runEnd(all: readonly AnalysisDiagnostic[], from: number): number {
  for (let i = from + 1; i < all.length; i++) if (before(all[i].range.start, all[i - 1].range.start)) return i;
  return all.length;
}

/**
 * The indexes of `all` by start, ties in their given order. The slices give the rules' Errors (in
 * file order, function by function) followed by the split's hand-overs (in file order too): two
 * runs, merged without a sort; anything else is sorted.
 */
function byStartOf(all: readonly AnalysisDiagnostic[]): Int32Array {
  const n = all.length;
  const order = new Int32Array(n);
  const split = runEnd(all, 0);
  if (split === n) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }
  if (runEnd(all, split) === n) {
    let a = 0;
    let b = split;
    for (let k = 0; k < n; k++) order[k] = b >= n || (a < split && earlier(all, a, b)) ? a++ : b++;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => (earlier(all, a, b) ? -1 : earlier(all, b, a) ? 1 : 0));
}
