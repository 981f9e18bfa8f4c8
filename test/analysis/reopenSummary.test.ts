// Whether an analysis takes the summary offered as that of its very text (the workspace index's,
// for a document opened as it is on disk) is decided by the memo (summaryToTake in analyze.ts):
// a first open takes it and walks nothing of the tree to summarise; a reopen of a file the memo
// keeps gets back the FunctionInfo objects of the previous analysis, which its call graph,
// program walks and rule results were made from, instead of equal objects made elsewhere.
// Each scenario replays what the analysis thread does (analysisWorker.ts) on one memo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisMemo, analyzeFile, buildProgramFacts, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse } from '../../server/src/analysis/plainTreeEdit';
import { summaryWalks } from '../../server/src/analysis/summarize';
import { summarizeText } from '../../server/src/workspaceIndex';
import { repoRoot } from '../repoRoot';

const FILE = 'kv-cache/kv-cache.c';

interface Opened {
  analysis: FileAnalysis;
  /** Steps the analysis timed (AnalyzeOptions.onStepTimed): 'summary' only when it summarised. */
  steps: string[];
  /** Syntax nodes the summary's walks visited during the analysis. */
  nodesWalked: number;
}

async function setUp() {
  await initC();
  const text = readFileSync(join(repoRoot(), 'examples', FILE), 'utf8');
  const indexed = summarizeText(FILE, text);
  const index = new Map<string, FileSummary>([[FILE, indexed]]);
  const memo = new AnalysisMemo();
  // As the thread does once the index is in (buildFactsWhenIdle).
  memo.facts = buildProgramFacts(index);
  // The thread keeps the document's parse across a close and reopen (workerDocuments.ts).
  const version = reparse(undefined, text);
  const open = (offered: FileSummary | undefined): Opened => {
    const steps: string[] = [];
    const before = summaryWalks.nodesVisited;
    const options = { ...DEFAULT_ANALYZE_OPTIONS, summaryOfText: offered, onStepTimed: (step: string) => steps.push(step) };
    const analysis = analyzeFile(FILE, version.plain, text, index, options, memo);
    return { analysis, steps, nodesWalked: summaryWalks.nodesVisited - before };
  };
  const fresh = () => analyzeFile(FILE, parsePlainC(text), text, new Map(index), DEFAULT_ANALYZE_OPTIONS);
  return { text, indexed, memo, version, open, fresh, dispose: () => version.tree.delete() };
}

/** How many of `now`'s functions are the very objects of `before`'s, function for function. */
function sameObjects(now: FileSummary, before: FileSummary): number {
  assert.equal(now.functions.length, before.functions.length);
  return now.functions.filter((fn, i) => fn === before.functions[i]).length;
}

test("a first open offered the index's summary takes it and walks nothing to summarise", async () => {
  const { indexed, memo, open, fresh, dispose } = await setUp();
  try {
    const first = open(indexed);
    assert.equal(first.analysis.summary, indexed, "the index's summary is the one taken");
    assert.ok(!first.steps.includes('summary'), `no summary step: ${first.steps.join(', ')}`);
    assert.equal(first.nodesWalked, 0, 'no syntax node visited to summarise');
    assert.equal(memo.summaries.get(FILE), undefined, 'nothing of the file kept yet: the thread remembers it after answering');
    assert.deepStrictEqual(first.analysis, fresh());
  } finally {
    dispose();
  }
});

test('a reopen after an open that summarised keeps that analysis\'s functions, not the equal ones offered', async () => {
  const { text, memo, open, fresh, dispose } = await setUp();
  try {
    // The thread did not hold the index's summary yet at the first open: it summarised.
    const first = open(undefined);
    assert.ok(first.steps.includes('summary'));
    assert.ok(first.nodesWalked > 0);
    // Closed and reopened before the index adopted the closed document's summary: it offers its
    // own, made from the same text elsewhere (equal, other objects).
    const offered = summarizeText(FILE, text);
    assert.deepStrictEqual(offered, first.analysis.summary);
    const reopened = open(offered);
    assert.notEqual(reopened.analysis.summary, offered, 'the memo keeps the file: it is summarised with it');
    const count = first.analysis.summary.functions.length;
    assert.ok(count > 5);
    assert.equal(sameObjects(reopened.analysis.summary, first.analysis.summary), count, "every function is the previous analysis's object");
    assert.ok(reopened.nodesWalked < first.nodesWalked / 2, `the memo spared walking the functions (${reopened.nodesWalked} of ${first.nodesWalked} nodes)`);
    const rules = memo.rules.lastUse(FILE);
    assert.ok(rules.checked > 0);
    assert.equal(rules.reused, rules.checked, 'every function checked by the rules reuses its previous result');
    assert.deepStrictEqual(reopened.analysis, fresh());
  } finally {
    dispose();
  }
});

test("open, close and reopen of the text indexed: the reopen keeps the index's functions the open took", async () => {
  const { text, indexed, memo, version, open, fresh, dispose } = await setUp();
  try {
    const first = open(indexed);
    assert.equal(first.analysis.summary, indexed);
    // What the thread does once the answer is sent (analysisWorker.ts, rememberSummary).
    memo.rememberSummary(FILE, version.plain, text, first.analysis.summary);
    assert.ok(memo.summaries.get(FILE));
    // The index adopts the closed document's summary (the one taken), and offers it at the reopen.
    const reopened = open(first.analysis.summary);
    assert.ok(reopened.steps.includes('summary'), 'the memo keeps the file: summarised with it');
    assert.equal(sameObjects(reopened.analysis.summary, indexed), indexed.functions.length, "every function is the index's object the open used");
    assert.deepStrictEqual(reopened.analysis, fresh());
    const again = open(reopened.analysis.summary);
    assert.equal(sameObjects(again.analysis.summary, indexed), indexed.functions.length, 'and so at every later reopen');
  } finally {
    dispose();
  }
});
