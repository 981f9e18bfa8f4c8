// The rules' memo is shared by every document the analysis thread sees: it keeps the results of
// the most recently analysed files only, and a file it forgot is analysed afresh, not wrongly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { repoRoot } from '../repoRoot';
import { RulesMemo } from '../../server/src/analysis/rules/functionResults';
import type { KeptSummaryFacts } from '../../server/src/analysis/rules/summaryFacts';
import type { KeptWalks } from '../../server/src/analysis/rules/programWalks';

test('the rules memo forgets the least recently analysed files beyond its bound', async () => {
  await initC();
  const text = readFileSync(join(repoRoot(), 'examples', 'kv-cache', 'kv-cache.c'), 'utf8');
  const memo = new AnalysisMemo();
  const files = Array.from({ length: 40 }, (_, i) => `file:///memo/doc-${i}.c`);
  for (const file of files) analyzeFile(file, parsePlainC(text), text, new Map(), DEFAULT_ANALYZE_OPTIONS, memo);
  const kept = memo.rules.keptFiles();
  assert.ok(kept > 0 && kept < files.length, `${kept} files kept after analysing ${files.length}`);
  assert.equal(memo.rules.lastUse(files[0]).checked, 0, 'the first file was forgotten');
  assert.ok(memo.rules.lastUse(files[files.length - 1]).checked > 0, 'the last one is kept');
  // Forgotten or kept, the next analysis equals a fresh one.
  for (const file of [files[0], files[files.length - 1]]) {
    const again = analyzeFile(file, parsePlainC(text), text, new Map(), DEFAULT_ANALYZE_OPTIONS, memo);
    assert.deepEqual(again, analyzeFile(file, parsePlainC(text), text, new Map(), DEFAULT_ANALYZE_OPTIONS));
  }
});

/** Summary facts standing in for real ones: only their macro expander's dispose is observed. */
function fakeFacts(name: string, disposed: string[]): KeptSummaryFacts {
  return { facts: { macros: { dispose: () => disposed.push(name) } } } as unknown as KeptSummaryFacts;
}

test('the rules memo disposes the summary facts of each file it forgets, once, unless a kept file shares them', () => {
  const memo = new RulesMemo();
  const disposed: string[] = [];
  const shared = fakeFacts('shared', disposed);
  memo.keepSummaryFacts('keeper.c', shared);
  const files = Array.from({ length: 40 }, (_, i) => `doc-${i}.c`);
  for (const [i, file] of files.entries()) {
    memo.keepSummaryFacts(file, i === 0 ? shared : fakeFacts(file, disposed));
    memo.keepWalks('keeper.c', {} as KeptWalks);
  }
  const kept = memo.keptFiles();
  assert.ok(kept > 1 && kept < files.length, `${kept} files kept`);
  const forgotten = files.length - (kept - 1);
  assert.equal(memo.summaryFacts(files[0]), undefined);
  assert.ok(memo.summaryFacts(files[forgotten]));
  // The first file's facts are still keeper.c's: only the others forgotten are disposed.
  assert.deepEqual(disposed, files.slice(1, forgotten));
  // Replacing a file's facts frees the old ones; keeping the same ones again does not.
  memo.keepSummaryFacts(files[39], fakeFacts('replacement', disposed));
  assert.equal(disposed.at(-1), files[39]);
  const before = disposed.length;
  memo.keepSummaryFacts('keeper.c', shared);
  assert.equal(disposed.length, before);
  memo.keepSummaryFacts('keeper.c', fakeFacts('newer', disposed));
  assert.deepEqual(disposed.slice(before), ['shared']);
});

test('the rules memo keeps walks, facts and results of a file as one: using any of them keeps the file', () => {
  const memo = new RulesMemo();
  const disposed: string[] = [];
  memo.keepSummaryFacts('a.c', fakeFacts('a.c', disposed));
  memo.keep('a.c', new Map(), 3);
  let i = 0;
  // Other files fill the memo while a.c's results keep being replaced: a.c is never the oldest.
  while (memo.keptFiles() === i + 1 && i < 100) {
    memo.keepSummaryFacts(`other-${i}.c`, fakeFacts(`other-${i}.c`, disposed));
    memo.keepWalks('a.c', {} as KeptWalks);
    i++;
  }
  assert.ok(i < 100, 'the memo is bounded');
  assert.deepEqual(disposed, ['other-0.c']);
  assert.equal(memo.lastUse('a.c').reused, 3);
  assert.ok(memo.summaryFacts('a.c'));
  assert.ok(memo.walks('a.c'));
});
