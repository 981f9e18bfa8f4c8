// The rules' memo is shared by every document the analysis thread sees: it keeps the results of
// the most recently analysed files only, and a file it forgot is analysed afresh, not wrongly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { repoRoot } from '../repoRoot';

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
