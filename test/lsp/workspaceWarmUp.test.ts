// Which of the workspace's files the analysis thread analyses once as a warm-up (analysisWarmUp.ts):
// a C source file, the one with the most lines of functions within the bound, whatever the order
// the summaries came in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileSummary } from '../../server/src/analysis/model';
import { workspaceWarmUpFile } from '../../server/src/analysisWarmUp';
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
