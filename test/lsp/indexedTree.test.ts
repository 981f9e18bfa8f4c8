// A document opened with the text the workspace index parsed has its first analysis rebuild the
// index's syntax tree (plainTreeEncoding.ts) instead of parsing again on the analysis thread. The
// index keeps those trees within a byte budget; what the analysis finds must not depend on
// whether the tree was rebuilt or parsed, for the open and for the edits after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { encodedSize, encodeTree } from '../../server/src/analysis/plainTreeEncoding';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { Analyzer } from '../../server/src/analyzer';
import { defaultWorkerPath, type AnalysisRequest, type AnalysisRunner } from '../../server/src/analysisRunner';
import { silentLogger } from '../../server/src/log';
import { WorkspaceIndex } from '../../server/src/workspaceIndex';
import { repoRoot } from '../repoRoot';

const SMALL = 'int helper(int x) { return x + 1; }\n';
const OTHER = 'int other(int x) { return x * 2; }\nint third(void) { return 3; }\n';

function workspace(files: Record<string, string>): { dir: string; uri: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-offload-indexed-tree-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, uri: (name) => pathToFileURL(join(dir, name)).href };
}

test('the index keeps the encoded tree of each text it indexed, within its byte budget', async () => {
  await initC();
  const { dir, uri } = workspace({ 'a.c': SMALL, 'b.c': OTHER });
  const bytesOf = (text: string) => encodedSize(encodeTree(parsePlainC(text), text));
  try {
    const index = new WorkspaceIndex(silentLogger());
    await index.indexFolders([dir]);
    for (const [name, text] of [['a.c', SMALL], ['b.c', OTHER]]) {
      const summary = index.summaryOfText(uri(name), text);
      assert.ok(summary, name);
      assert.deepEqual(index.encodedTreeOf(summary), encodeTree(parsePlainC(text), text), `${name}: the encoding of the indexed text`);
    }

    // Room for a.c's tree only (files are indexed in name order): b.c keeps its summary, no tree.
    const small = new WorkspaceIndex(silentLogger(), undefined, bytesOf(SMALL));
    await small.indexFolders([dir]);
    assert.ok(small.encodedTreeOf(small.summaryOfText(uri('a.c'), SMALL)!));
    const otherSummary = small.summaryOfText(uri('b.c'), OTHER);
    assert.ok(otherSummary);
    assert.equal(small.encodedTreeOf(otherSummary), undefined, 'over the budget');

    // a.c changed on disk to a text as large: its old tree's bytes go back to the budget first.
    const sameSize = SMALL.replace('helper', 'helpep');
    writeFileSync(join(dir, 'a.c'), sameSize);
    await small.indexFile(join(dir, 'a.c'));
    assert.deepEqual(small.encodedTreeOf(small.summaryOfText(uri('a.c'), sameSize)!), encodeTree(parsePlainC(sameSize), sameSize));
    // Removed: its bytes are free for b.c when it is indexed again.
    small.remove(uri('a.c'));
    await small.indexFile(join(dir, 'b.c'));
    assert.equal(small.encodedTreeOf(small.summaryOfText(uri('b.c'), OTHER)!), undefined, "b.c's tree is larger than a.c's");

    const none = new WorkspaceIndex(silentLogger(), undefined, 0);
    await none.indexFolders([dir]);
    assert.equal(none.encodedTreeOf(none.summaryOfText(uri('a.c'), SMALL)!), undefined, 'a budget of 0 keeps no tree');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a document opened as on disk is analysed from the index tree, with the results of a parse, edits included', { timeout: 120_000 }, async () => {
  await initC();
  const workerPath = defaultWorkerPath();
  assert.ok(workerPath, 'the analysis thread script is built beside the analyzer');
  const server = readFileSync(join(repoRoot(), 'examples', 'kv-cache', 'kv-cache.c'), 'utf8');
  const { dir, uri } = workspace({ 'kv-cache.c': server });
  const indexed = new Analyzer(silentLogger(), { workerPath, startAnalysisThread: true });
  const parsed = new Analyzer(silentLogger(), { workerPath, startAnalysisThread: true });
  const sent: AnalysisRequest[] = [];
  const runner = (indexed as unknown as { runner: AnalysisRunner }).runner;
  const analyze = runner.analyze.bind(runner);
  runner.analyze = (request: AnalysisRequest) => {
    sent.push(request);
    return analyze(request);
  };
  const results = async (analyzer: Analyzer) => {
    const result = await analyzer.analyze(uri('kv-cache.c'), DEFAULT_ANALYZE_OPTIONS);
    assert.ok(result);
    const { diagnostics, summary, slices } = result.analysis;
    return JSON.parse(JSON.stringify({ diagnostics, summary, slices }));
  };
  try {
    await indexed.indexWorkspace([pathToFileURL(dir).href]);
    const edits = [server.replace('return', 'return  '), server.replace(/\n}\n/, '\n}\nint added(void) { return 1; }\n')];
    for (const analyzer of [indexed, parsed]) analyzer.openDocument(uri('kv-cache.c'), 'c', 1, server);
    assert.deepEqual(await results(indexed), await results(parsed), 'the open');
    assert.ok(sent[0]?.encodedTree, "the first analysis was sent the index's tree");
    for (const [i, text] of edits.entries()) {
      for (const analyzer of [indexed, parsed]) analyzer.changeDocument(uri('kv-cache.c'), i + 2, [{ text }]);
      assert.deepEqual(await results(indexed), await results(parsed), `edit ${i}`);
    }
    assert.equal(sent.slice(1).some((request) => request.encodedTree), false, 'later analyses are not');

    // Reopened with other text than the disk's: nothing to rebuild.
    indexed.closeDocument(uri('kv-cache.c'));
    indexed.openDocument(uri('kv-cache.c'), 'c', 9, edits[0]);
    await results(indexed);
    assert.equal(sent.at(-1)?.encodedTree, undefined);
  } finally {
    indexed.dispose();
    parsed.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
