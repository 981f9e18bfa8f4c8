// The first analysis of a document opened as it is on disk takes the workspace index's summary
// of that text instead of summarising the file again (WorkspaceIndex.summaryOfText, through the
// analysis thread). Only the very text indexed may be taken: an open with other text, or a file
// changed on disk since, is summarised from its text.
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
import { summarizeText, WorkspaceIndex } from '../../server/src/workspaceIndex';
import { unknownCalleesOf } from './analyzerHelpers';

const MAIN = '// bpf-offload: entry\nint handle(int x) {\n  return helper(x);\n}\n';
const WITH_HELPER = 'int helper(int x) { return x + 1; }\n';
const WITHOUT_HELPER = 'int other(int x) { return x; }\n';

function workspace(): { dir: string; mainUri: string; lib: string; libUri: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-offload-indexed-summary-'));
  const lib = join(dir, 'lib.c');
  writeFileSync(lib, WITH_HELPER);
  writeFileSync(join(dir, 'main.c'), MAIN);
  return { dir, mainUri: pathToFileURL(join(dir, 'main.c')).href, lib, libUri: pathToFileURL(lib).href };
}

test('the index gives its summary only for the very text it indexed', async () => {
  await initC();
  const { dir, lib, libUri } = workspace();
  const index = new WorkspaceIndex(silentLogger());
  try {
    await index.indexFolders([dir]);
    assert.equal(index.summaryOfText(libUri, WITH_HELPER), index.get(libUri));
    assert.ok(index.get(libUri));
    assert.equal(index.summaryOfText(libUri, WITHOUT_HELPER), undefined, 'other text');
    assert.equal(index.summaryOfText(libUri, WITH_HELPER + ' '), undefined, 'one character more');
    const lastChanged = WITH_HELPER.slice(0, -1) + (WITH_HELPER.endsWith('x') ? 'y' : 'x');
    assert.equal(index.summaryOfText(libUri, lastChanged), undefined, 'as long, one character other');
    assert.equal(index.summaryOfText(pathToFileURL(join(dir, 'main.c')).href, WITH_HELPER), undefined, 'the text of another file');

    writeFileSync(lib, WITHOUT_HELPER);
    await index.indexFile(lib);
    assert.equal(index.summaryOfText(libUri, WITH_HELPER), undefined, 'the file changed on disk');
    assert.equal(index.summaryOfText(libUri, WITHOUT_HELPER), index.get(libUri));

    // A closed document's summary adopted for the same text on disk counts as of that text.
    const adopted = summarizeText(libUri, WITH_HELPER);
    writeFileSync(lib, WITH_HELPER);
    await index.indexFile(lib, { text: WITH_HELPER, summary: adopted });
    assert.equal(index.get(libUri), adopted);
    assert.equal(index.summaryOfText(libUri, WITH_HELPER), adopted);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('documents opened with the indexed text or another are analysed as their text says', { timeout: 120_000 }, async () => {
  await initC();
  const workerPath = defaultWorkerPath();
  assert.ok(workerPath, 'the analysis thread script is built beside the analyzer');
  const { dir, mainUri, libUri } = workspace();
  const analyzer = new Analyzer(silentLogger(), { workerPath, startAnalysisThread: true });
  const functionsOf = async (uri: string) => {
    const result = await analyzer.analyze(uri, DEFAULT_ANALYZE_OPTIONS);
    assert.ok(result);
    return result.analysis.summary.functions.map((f) => f.name);
  };
  const unknownCallees = () => unknownCalleesOf(analyzer, mainUri);
  try {
    await analyzer.indexWorkspace([pathToFileURL(dir).href]);
    await new Promise((resolve) => setImmediate(resolve));

    // Unsaved text that differs from the disk: its own summary, not the index's.
    analyzer.openDocument(libUri, 'c', 1, WITHOUT_HELPER);
    assert.deepEqual(await functionsOf(libUri), ['other']);
    analyzer.openDocument(mainUri, 'c', 1, MAIN);
    assert.deepEqual(await unknownCallees(), ['helper'], 'lib.c is open without helper()');
    analyzer.closeDocument(libUri);

    // Opened as on disk: the result is that of the text, and so is that of the edit after it.
    analyzer.openDocument(libUri, 'c', 2, WITH_HELPER);
    const opened = await analyzer.analyze(libUri, DEFAULT_ANALYZE_OPTIONS);
    assert.ok(opened);
    assert.deepStrictEqual(opened.analysis.summary, summarizeText(opened.analysis.file, WITH_HELPER));
    assert.deepEqual(await unknownCallees(), []);
    analyzer.changeDocument(libUri, 3, [{ text: WITH_HELPER + WITHOUT_HELPER }]);
    assert.deepEqual(await functionsOf(libUri), ['helper', 'other']);
  } finally {
    analyzer.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
