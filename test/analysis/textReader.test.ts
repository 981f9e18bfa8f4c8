// textReader reads a range's text by line starts; it must give exactly what the lines of the
// text split at '\n' give: parts clamped to their line, lines past the end empty, '\r' kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Range } from '../../server/src/analysis/model';
import { textReader } from '../../server/src/analysis/slices';

function bySplit(text: string, r: Range): string {
  const lines = text.split('\n');
  return r.start.line === r.end.line
    ? (lines[r.start.line] ?? '').slice(r.start.character, r.end.character)
    : [lines[r.start.line]?.slice(r.start.character) ?? '', ...lines.slice(r.start.line + 1, r.end.line), lines[r.end.line]?.slice(0, r.end.character) ?? ''].join('\n');
}

test('the text of a range is what the split lines give, at the edges too', () => {
  const texts = ['int a;\nint bb = 2;\r\n\n  return x;\nlast', 'one line only', '', 'ends with a newline\n'];
  let state = 3;
  const next = (n: number) => (state = (state * 1103515245 + 12345) % 2147483648) % n;
  for (const text of texts) {
    const read = textReader(text);
    for (let i = 0; i < 2000; i++) {
      // Lines past the end, characters past a line's end and ranges backwards included.
      const r: Range = { start: { line: next(7), character: next(14) }, end: { line: next(7), character: next(14) } };
      assert.equal(read(r), bySplit(text, r), `${JSON.stringify(text)} ${JSON.stringify(r)}`);
    }
  }
  // Another text read after the first: the line starts are not the first text's.
  assert.equal(textReader('ab\ncd')({ start: { line: 1, character: 0 }, end: { line: 1, character: 2 } }), 'cd');
  assert.equal(textReader('xyz\nw')({ start: { line: 1, character: 0 }, end: { line: 1, character: 2 } }), 'w');
});
