// Which of the workspace's files the analysis thread analyses once as a warm-up (analysisWarmUp.ts):
// a C source file, the one with the most lines of functions within the bound, whatever the order
// the summaries came in; where the warm-up types in it; and which documents the thread warms up on
// after answering them (documentWarmUp.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileSummary } from '../../server/src/analysis/model';
import { DOCUMENT_WARM_UP_MIN_LINES, functionLines, WARM_UP_FILE, WARM_UP_SOURCE, warmsUpDocument, warmUpEditOffsets, workspaceWarmUpFile } from '../../server/src/analysisWarmUp';
import { summarizeText } from '../../server/src/workspaceIndex';
import { initC } from '../../server/src/analysis/syntax';

/** A file of `count` one-line functions after `blank` empty lines. */
function source(count: number, blank = 0): string {
  return '\n'.repeat(blank) + Array.from({ length: count }, (_, i) => `int f${i}(int x) { return x + ${i}; }\n`).join('');
}

async function summaries(files: [string, string][]): Promise<Map<string, FileSummary>> {
  await initC();
  return new Map(files.map(([file, text]) => [file, summarizeText(file, text)]));
}

test('the warm-up file is the C source whose functions reach furthest within the bound', async () => {
  const known = await summaries([
    ['file:///w/small.c', source(10)],
    ['file:///w/big.h', source(80)],
    ['file:///w/late.c', source(5, 60)],
    ['file:///w/huge.c', source(200)],
    ['file:///w/medium.c', source(40)],
  ]);
  // late.c's functions end on line 65, medium.c's on 40; huge.c is over the bound; big.h is a header.
  assert.deepEqual(workspaceWarmUpFile(known, 100), { file: 'file:///w/late.c', lines: 65 });
  assert.deepEqual(workspaceWarmUpFile(known, 64), { file: 'file:///w/medium.c', lines: 40 });
  assert.deepEqual(workspaceWarmUpFile(known, 1000), { file: 'file:///w/huge.c', lines: 200 });
  assert.equal(workspaceWarmUpFile(known, 5), undefined, 'no file fits');
  assert.equal(workspaceWarmUpFile(await summaries([['file:///w/only.h', source(3)], ['file:///w/empty.c', '/* nothing */\n']])), undefined, 'no C source with a function');
});

test('ties go to the first file by name, whatever the order the summaries came in', async () => {
  const files: [string, string][] = [
    ['file:///w/b.c', source(20)],
    ['file:///w/a.c', source(20)],
    ['file:///w/c.c', source(20)],
  ];
  assert.equal(workspaceWarmUpFile(await summaries(files))?.file, 'file:///w/a.c');
  assert.equal(workspaceWarmUpFile(await summaries([...files].reverse()))?.file, 'file:///w/a.c');
});

test('the warm-up edits go in front of a statement in the middle of the longest bodies', async () => {
  await initC();
  const text = [
    'static int tiny(void) { return 0; }', // 0: body on one line, no line inside
    'static int medium(int x)', // 1
    '{', // 2
    '    int y = x;', // 3
    '    y += 2;', // 4
    '    return y;', // 5
    '}', // 6
    'static void longest(int *p)', // 7
    '{', // 8
    '    *p = 1;', // 9: starts with '*', not a word
    '', // 10
    '    /* comment */', // 11
    '    *p += 1;', // 12: the middle line, (8 + 16) / 2; not a word
    '    p[0]++;', // 13: the first word start below the middle
    '    p[1]++;', // 14
    '    p[2]++;', // 15
    '}', // 16
    '',
  ].join('\n');
  const { functions } = summarizeText('file:///w/edits.c', text);
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length - 1;
  const placesOf = (count: number) => warmUpEditOffsets(text, functions, count).map((offset) => [lineOf(offset), text.slice(offset, offset + 4)]);
  assert.deepEqual(placesOf(1), [[13, 'p[0]']]);
  assert.deepEqual(placesOf(2), [[4, 'y +='], [13, 'p[0]']], 'ascending, the two longest bodies');
  assert.deepEqual(placesOf(3), placesOf(2), 'a one-line body has no line inside to type on');
  assert.deepEqual(warmUpEditOffsets(text, functions, 0), []);
});

test('the sample server gets one warm-up edit in each of its three functions, at a word', async () => {
  await initC();
  const { functions } = summarizeText(`file:///${WARM_UP_FILE}`, WARM_UP_SOURCE);
  const offsets = warmUpEditOffsets(WARM_UP_SOURCE, functions, 3);
  const lines = WARM_UP_SOURCE.split('\n');
  const lineOf = (offset: number) => WARM_UP_SOURCE.slice(0, offset).split('\n').length - 1;
  const owners = offsets.map((offset) => functions.find((fn) => fn.bodyRange.start.line < lineOf(offset) && lineOf(offset) < fn.bodyRange.end.line)?.name);
  assert.deepEqual(owners, ['slot_of', 'handle', 'main']);
  for (const offset of offsets) assert.match(lines[lineOf(offset)], new RegExp(`^\\s*${WARM_UP_SOURCE.slice(offset, offset + 3)}`), 'at the line\'s first word');
  assert.ok(offsets.every((offset) => /[A-Za-z_]/.test(WARM_UP_SOURCE[offset])));
});

test('a document is warmed up on when it is large, and only when at least twice as long as the last one', async () => {
  await initC();
  assert.equal(functionLines(summarizeText('file:///w/f.c', source(30, 10)).functions), 40, 'down to the end of the last function');
  assert.equal(functionLines([]), 0);
  assert.equal(warmsUpDocument(DOCUMENT_WARM_UP_MIN_LINES - 1, 0), false, 'small files are analysed fast enough cold');
  assert.equal(warmsUpDocument(DOCUMENT_WARM_UP_MIN_LINES, 0), true);
  assert.equal(warmsUpDocument(3000, 2000), false, 'not twice as long as the last one');
  assert.equal(warmsUpDocument(4000, 2000), true);
  assert.equal(warmsUpDocument(40, 0, 30), true, 'the bound can be lowered (tests)');
});
