// ErrorsByPlace.within must answer exactly as a filter of every Error by `inside`, in the given
// order: the slices sort its answer with a comparator that leaves ties in the order given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Severity, type AnalysisDiagnostic, type Range } from '../../server/src/analysis/model';
import { ErrorsByPlace } from '../../server/src/analysis/slices/errorsByPlace';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);

/** A small deterministic generator (the same cases every run). */
function generator(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

function randomRange(next: (n: number) => number): Range {
  const start = { line: next(40), character: next(6) };
  const lines = next(4) === 0 ? next(20) : next(2);
  const end = lines === 0 ? { line: start.line, character: start.character + next(5) } : { line: start.line + lines, character: next(6) };
  return { start, end };
}

test('the Errors within a range are those inside it, in their given order', () => {
  const next = generator(7);
  // Many share a start, some are empty, some nest: the order among them must be the given one.
  const errors: AnalysisDiagnostic[] = Array.from({ length: 300 }, (_, i) => ({
    file: 'a.c',
    range: randomRange(next),
    severity: Severity.Error,
    code: `e${i}`,
    message: `error ${i}`,
  }));
  const index = new ErrorsByPlace(errors);
  let nonEmpty = 0;
  for (let i = 0; i < 500; i++) {
    const range = randomRange(next);
    const expected = errors.filter((e) => inside(range, e.range));
    if (expected.length > 1) nonEmpty++;
    assert.deepEqual(index.within(range).map((e) => e.code), expected.map((e) => e.code), JSON.stringify(range));
  }
  assert.ok(nonEmpty > 20, 'many ranges hold several Errors');
  // Several ranges at once (overlapping ones too): each Error once, in the given order.
  for (let i = 0; i < 200; i++) {
    const ranges = Array.from({ length: 1 + next(5) }, () => randomRange(next));
    const expected = errors.filter((e) => ranges.some((r) => inside(r, e.range)));
    assert.deepEqual(index.withinAny(ranges).map((e) => e.code), expected.map((e) => e.code), JSON.stringify(ranges));
  }
  // Given in order of start already (as the rules report them), ties included.
  const sorted = [...errors].sort((a, b) => (before(a.range.start, b.range.start) ? -1 : before(b.range.start, a.range.start) ? 1 : 0));
  const sortedIndex = new ErrorsByPlace(sorted);
  for (let i = 0; i < 200; i++) {
    const ranges = Array.from({ length: 1 + next(3) }, () => randomRange(next));
    assert.deepEqual(sortedIndex.within(ranges[0]).map((e) => e.code), sorted.filter((e) => inside(ranges[0], e.range)).map((e) => e.code));
    assert.deepEqual(sortedIndex.withinAny(ranges).map((e) => e.code), sorted.filter((e) => ranges.some((r) => inside(r, e.range))).map((e) => e.code));
  }
  // Two runs in order of start (the rules' Errors, then the split's hand-overs), sharing starts.
  const twoRuns = [...sorted.filter((_, i) => i % 2 === 0), ...sorted.filter((_, i) => i % 2 === 1)];
  for (const given of [twoRuns, [...sorted.slice(100), ...sorted.slice(0, 100)]]) {
    const index = new ErrorsByPlace(given);
    for (let i = 0; i < 200; i++) {
      const ranges = Array.from({ length: 1 + next(3) }, () => randomRange(next));
      assert.deepEqual(index.within(ranges[0]).map((e) => e.code), given.filter((e) => inside(ranges[0], e.range)).map((e) => e.code));
      assert.deepEqual(index.withinAny(ranges).map((e) => e.code), given.filter((e) => ranges.some((r) => inside(r, e.range))).map((e) => e.code));
    }
  }
  assert.deepEqual(new ErrorsByPlace([]).within({ start: { line: 0, character: 0 }, end: { line: 9, character: 0 } }), []);
});
