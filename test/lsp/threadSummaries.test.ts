// The analysis thread keeps its own copy of every file's summary: the index's are sent ahead of
// need, a job sends only what changed, and the thread keeps the summary each analysis computed
// (analysisRunner.ts). Whatever was sent when, an analysis must see the summaries the server
// sees: the index as on disk, overridden by the unsaved text of open documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { initC } from '../../server/src/analysis/syntax';
import { Analyzer } from '../../server/src/analyzer';
import { defaultWorkerPath } from '../../server/src/analysisRunner';
import { silentLogger } from '../../server/src/log';
import { unknownCalleesOf } from './analyzerHelpers';

const MAIN = '// bpf-offload: entry\nint handle(int x) {\n  return helper(x);\n}\n';
const WITH_HELPER = 'int helper(int x) { return x + 1; }\n';
const WITHOUT_HELPER = 'int other(int x) { return x; }\n';

test('analyses on the thread follow the index and the open documents of other files', { timeout: 120_000 }, async () => {
  await initC();
  const workerPath = defaultWorkerPath();
  assert.ok(workerPath, 'the analysis thread script is built beside the analyzer');
  const dir = mkdtempSync(join(tmpdir(), 'bpf-offload-thread-summaries-'));
  const lib = join(dir, 'lib.c');
  const mainUri = pathToFileURL(join(dir, 'main.c')).href;
  const libUri = pathToFileURL(lib).href;
  writeFileSync(lib, WITH_HELPER);
  writeFileSync(join(dir, 'main.c'), MAIN);
  const analyzer = new Analyzer(silentLogger(), { workerPath, startAnalysisThread: true });
  const unknownCallees = () => unknownCalleesOf(analyzer, mainUri);
  // Lets the summaries sent ahead go before the next job, so that path is the one tested.
  const sentAhead = () => new Promise((resolve) => setImmediate(resolve));
  try {
    await analyzer.indexWorkspace([pathToFileURL(dir).href]);
    await sentAhead();
    analyzer.openDocument(mainUri, 'c', 1, MAIN);
    assert.deepEqual(await unknownCallees(), [], 'helper() is defined in the indexed lib.c');

    writeFileSync(lib, WITHOUT_HELPER);
    await analyzer.reindexFile(libUri);
    await sentAhead();
    assert.deepEqual(await unknownCallees(), ['helper'], 'lib.c changed on disk');

    // The unsaved text of an open lib.c wins over the disk; its analysis computed that summary.
    analyzer.openDocument(libUri, 'c', 1, WITH_HELPER);
    assert.ok(await analyzer.analyze(libUri, DEFAULT_ANALYZE_OPTIONS));
    assert.deepEqual(await unknownCallees(), [], 'lib.c is open with helper()');

    analyzer.closeDocument(libUri);
    assert.deepEqual(await unknownCallees(), ['helper'], 'lib.c closed: the disk again');

    // Reopened and analysed again: its own old summary is not what its analysis sees.
    analyzer.openDocument(libUri, 'c', 2, WITH_HELPER);
    assert.ok(await analyzer.analyze(libUri, DEFAULT_ANALYZE_OPTIONS));
    assert.deepEqual(await unknownCallees(), [], 'lib.c reopened with helper()');

    analyzer.forgetFile(libUri);
    await sentAhead();
    analyzer.closeDocument(libUri);
    assert.deepEqual(await unknownCallees(), ['helper'], 'lib.c deleted and closed');
  } finally {
    analyzer.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
