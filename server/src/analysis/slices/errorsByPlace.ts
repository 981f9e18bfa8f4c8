// The Errors where paths fall back, looked up by place. The slices ask, for every range of every
// block on the paths (the callees' included), which Errors lie inside it; a real file holds
// hundreds of them (memcached.c: over 800), so going through all of them per range costs more
// than the rest of the question. Sorted by start once, the Errors inside a range are those from
// the first one starting at or after it to the last one starting before its end.
import type { AnalysisDiagnostic, Range } from '../model';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);

export class ErrorsByPlace {
  /**
   * The indexes of the Errors (in the given order) sorted by start, ties in their given order.
   * Indexes rather than {index, error} pairs: the file's Errors are sorted again on every edit.
   */
  private readonly byStart: number[];
  /** withinAny's marks, one per Error, made on its first call and cleared after each. */
  private marks?: Uint8Array;

  constructor(readonly all: readonly AnalysisDiagnostic[]) {
    this.byStart = Array.from({ length: all.length }, (_, i) => i);
    // The rules report function by function in file order: usually sorted already, or nearly.
    if (!this.sorted()) this.byStart.sort((a, b) => (before(all[a].range.start, all[b].range.start) ? -1 : before(all[b].range.start, all[a].range.start) ? 1 : a - b));
  }

  private sorted(): boolean {
    const { all } = this;
    for (let i = 1; i < all.length; i++) if (before(all[i].range.start, all[i - 1].range.start)) return false;
    return true;
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
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (before(all[list[mid]].range.start, range.start)) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < list.length && !before(range.end, all[list[i]].range.start); i++) if (inside(range, all[list[i]].range)) visit(list[i]);
  }
}
