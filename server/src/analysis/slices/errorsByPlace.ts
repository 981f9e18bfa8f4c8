// The Errors where paths fall back, looked up by place. The slices ask, for every range of every
// block on the paths (the callees' included), which Errors lie inside it; a real file holds
// hundreds of them (memcached.c: over 800), so going through all of them per range costs more
// than the rest of the question. Sorted by start once, the Errors inside a range are those from
// the first one starting at or after it to the last one starting before its end.
import type { AnalysisDiagnostic, Range } from '../model';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);

export class ErrorsByPlace {
  /** The Errors by start (ties in their given order), each with its index in the given order. */
  private readonly byStart: { order: number; error: AnalysisDiagnostic }[];

  constructor(readonly all: readonly AnalysisDiagnostic[]) {
    this.byStart = all.map((error, order) => ({ order, error })).sort((a, b) => (before(a.error.range.start, b.error.range.start) ? -1 : before(b.error.range.start, a.error.range.start) ? 1 : a.order - b.order));
  }

  /** The Errors inside `range`, in their given order (as `all.filter(inside range)`). */
  within(range: Range): AnalysisDiagnostic[] {
    return this.indexesWithin(range).map((index) => this.all[index]);
  }

  /** The Errors inside any of `ranges`, in their given order (as `all.filter(inside one of them)`). */
  withinAny(ranges: Iterable<Range>): AnalysisDiagnostic[] {
    const indexes = new Set<number>();
    for (const range of ranges) for (const index of this.indexesWithin(range)) indexes.add(index);
    return [...indexes].sort((a, b) => a - b).map((index) => this.all[index]);
  }

  /** The indexes (in the given order) of the Errors inside `range`, ascending. */
  private indexesWithin(range: Range): number[] {
    const list = this.byStart;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (before(list[mid].error.range.start, range.start)) low = mid + 1;
      else high = mid;
    }
    const found: number[] = [];
    for (let i = low; i < list.length && !before(range.end, list[i].error.range.start); i++) if (inside(range, list[i].error.range)) found.push(list[i].order);
    if (found.length > 1) found.sort((a, b) => a - b);
    return found;
  }
}
