// Closing a document hands the file back to the workspace index. When the disk holds the text the
// document last had, the index takes the summary the document's analysis computed (no parse, and
// the other documents need no new analysis); otherwise the file is read and summarised again.
// The analysis thread keeps the closed document's parse, so a reopen, with the same or another
// text, must still be analysed exactly as a fresh open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { Analyzer } from '../../server/src/analyzer';
import { defaultWorkerPath } from '../../server/src/analysisRunner';
import { silentLogger } from '../../server/src/log';
import { canonicalUri } from '../../server/src/uris';
import { unknownCalleesOf } from './analyzerHelpers';

const LIB = 'int helper(int x) { return x + 1; }\n';
const LIB_EDITED = 'int helper(int x) { return x + 2; }\nint extra(void) { return 0; }\n';
const MAIN = '// bpf-offload: entry\nint handle(int x) {\n  return helper(x) + extra();\n}\n';

function workspace(): { dir: string; libUri: string; mainUri: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-offload-close-'));
  writeFileSync(join(dir, 'lib.c'), LIB);
  writeFileSync(join(dir, 'main.c'), MAIN);
  return { dir, libUri: pathToFileURL(join(dir, 'lib.c')).href, mainUri: pathToFileURL(join(dir, 'main.c')).href };
}

test('closing an unmodified, analysed document keeps its summary in the index and changes nothing', { timeout: 60_000 }, async () => {
  await initC();
  const { dir, libUri } = workspace();
  const analyzer = new Analyzer(silentLogger(), { workerPath: defaultWorkerPath(), startAnalysisThread: true });
  try {
    await analyzer.indexWorkspace([pathToFileURL(dir).href]);
    const indexed = analyzer.index.get(canonicalUri(libUri));
    assert.ok(indexed);
    analyzer.openDocument(libUri, 'c', 1, LIB);
    const analysed = await analyzer.analyze(libUri, DEFAULT_ANALYZE_OPTIONS);
    assert.ok(analysed);
    const closed = analyzer.closeDocument(libUri);
    assert.deepEqual(closed, { text: LIB, summary: analysed.analysis.summary });
    assert.equal(await analyzer.reindexFile(libUri, closed), false, 'nothing the other documents saw changed');
    assert.equal(analyzer.index.get(canonicalUri(libUri)), analysed.analysis.summary, 'the analysis summary is adopted, not recomputed');
    assert.deepEqual(analysed.analysis.summary, indexed, 'and it equals what a parse of the disk gives');
  } finally {
    analyzer.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('closing a document with unsaved changes, or one never analysed, reads the disk again', { timeout: 60_000 }, async () => {
  await initC();
  const { dir, libUri, mainUri } = workspace();
  const analyzer = new Analyzer(silentLogger(), { workerPath: defaultWorkerPath(), startAnalysisThread: true });
  const unknownCallees = () => unknownCalleesOf(analyzer, mainUri);
  try {
    await analyzer.indexWorkspace([pathToFileURL(dir).href]);
    analyzer.openDocument(mainUri, 'c', 1, MAIN);
    assert.deepEqual(await unknownCallees(), ['extra'], 'extra() is not in lib.c on disk');

    analyzer.openDocument(libUri, 'c', 1, LIB_EDITED);
    const edited = await analyzer.analyze(libUri, DEFAULT_ANALYZE_OPTIONS);
    assert.ok(edited);
    assert.deepEqual(await unknownCallees(), [], 'the unsaved lib.c defines extra()');
    const closed = analyzer.closeDocument(libUri);
    assert.equal(await analyzer.reindexFile(libUri, closed), true);
    assert.notEqual(analyzer.index.get(canonicalUri(libUri)), edited.analysis.summary);
    assert.deepEqual(await unknownCallees(), ['extra'], 'closed without saving: the disk again');

    // Opened and closed before any analysis finished: nothing to adopt.
    analyzer.openDocument(libUri, 'c', 2, LIB);
    const unanalysed = analyzer.closeDocument(libUri);
    assert.deepEqual(unanalysed, { text: LIB });
    assert.equal(await analyzer.reindexFile(libUri, unanalysed), true);

    // The thread kept lib.c's parse: reopening it with either text is analysed as a fresh open would be.
    for (const [version, text] of [[3, LIB_EDITED], [4, LIB], [5, LIB]] as const) {
      analyzer.openDocument(libUri, 'c', version, text);
      const reopened = await analyzer.analyze(libUri, DEFAULT_ANALYZE_OPTIONS);
      assert.ok(reopened);
      const others = analyzer.otherSummaries(canonicalUri(libUri));
      const fresh = analyzeFile(canonicalUri(libUri), parsePlainC(text), text, others, DEFAULT_ANALYZE_OPTIONS);
      assert.deepEqual(reopened.analysis, fresh, `reopen ${version}`);
      analyzer.closeDocument(libUri);
    }
  } finally {
    analyzer.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
