// The index's summary of a document's text is offered to the analysis thread whenever the text
// is the one on disk, and the thread takes it only when its memo keeps nothing of the file
// (summaryToTake). The runner copies it to the thread only in place of a summary the thread did
// not make itself: one it made comes from analysing the file, which its memo keeps, so an edit
// undone back to the text on disk must not cost a copy of the file's summary it would not take.
// The index's summaries are sent ahead before any document opens (syncSummaries): a first open
// then finds the thread already holding the summary offered, and takes it as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC } from '../../server/src/analysis/syntax';
import { AnalysisRunner, defaultWorkerPath } from '../../server/src/analysisRunner';
import { Logger } from '../../server/src/log';
import { summarizeText } from '../../server/src/workspaceIndex';
import { repoRoot } from '../repoRoot';

const FILE = 'file:///copy/kv-cache.c';
const { isCancelled: _i, discoveredEntries: _d, summaryOfText: _s, ...PLAIN_OPTIONS } = DEFAULT_ANALYZE_OPTIONS;

/** Whether every function of `summary` is the very object of `indexed`'s at the same place. */
function functionsAreIndexed(summary: FileSummary, indexed: FileSummary): boolean {
  return summary.functions.length === indexed.functions.length && summary.functions.every((fn, at) => fn === indexed.functions[at]);
}

interface Sent {
  analysis: FileAnalysis;
  summariesSent: number;
  offered: boolean;
}

test("the index's summary of the text is copied to the thread only in place of one the thread did not make", { timeout: 60_000 }, async () => {
  await initC();
  const workerPath = defaultWorkerPath();
  assert.ok(workerPath, 'the analysis thread script is built beside the runner');
  const onDisk = readFileSync(join(repoRoot(), 'examples', 'kv-cache/kv-cache.c'), 'utf8');
  const indexed = summarizeText(FILE, onDisk);
  // What the analyzer hands over: the index, overridden by the document's latest analysis.
  const summaries = new Map<string, FileSummary>([[FILE, indexed]]);
  const log: string[] = [];
  const keep = (message: string) => log.push(message);
  const runner = new AnalysisRunner(workerPath, new Logger({ error: keep, warn: keep, info: keep, log: keep }, 'debug'));
  const analyze = async (text: string): Promise<Sent> => {
    const summaryOfText = text === onDisk ? indexed : undefined;
    const analysis = await runner.analyze({ key: FILE, file: FILE, text, summaries: () => summaries, summaryOfText, options: PLAIN_OPTIONS });
    summaries.set(FILE, analysis.summary);
    const line = log.filter((m) => m.includes('summaries sent')).pop() ?? '';
    const match = /: (\d+) summaries sent, (.*)$/.exec(line);
    assert.ok(match, line);
    return { analysis, summariesSent: Number(match[1]), offered: match[2] === "the file's summary of its text offered" };
  };
  try {
    // The thread holds nothing of the file: the index's summary goes with the job, and is taken.
    const opened = await analyze(onDisk);
    assert.deepEqual([opened.summariesSent, opened.offered], [1, true]);
    assert.deepStrictEqual(opened.analysis.summary, indexed);
    assert.ok(functionsAreIndexed(opened.analysis.summary, indexed), 'taken, not summarised again');

    const edited = onDisk.replace('{', '{ ');
    assert.notEqual(edited, onDisk);
    const edit = await analyze(edited);
    assert.deepEqual([edit.summariesSent, edit.offered], [0, false]);

    // Undone back to the text on disk: the thread holds the summary of the edit, which it made.
    const undone = await analyze(onDisk);
    assert.deepEqual([undone.summariesSent, undone.offered], [0, false], 'no copy of a summary the thread would not take');
    assert.deepStrictEqual(undone.analysis.summary, indexed, 'summarised by the thread, equal to the index');
  } finally {
    runner.dispose();
  }
});

test("a first open after the index's summaries were sent ahead takes the summary the thread holds, with no copy", { timeout: 60_000 }, async () => {
  await initC();
  const workerPath = defaultWorkerPath();
  assert.ok(workerPath, 'the analysis thread script is built beside the runner');
  const onDisk = readFileSync(join(repoRoot(), 'examples', 'kv-cache/kv-cache.c'), 'utf8');
  const indexed = summarizeText(FILE, onDisk);
  const summaries = new Map<string, FileSummary>([[FILE, indexed]]);
  const log: string[] = [];
  const keep = (message: string) => log.push(message);
  const runner = new AnalysisRunner(workerPath, new Logger({ error: keep, warn: keep, info: keep, log: keep }, 'debug'));
  try {
    // As the analyzer does once the index is in: the summaries go ahead, a batch per turn of the event loop.
    runner.syncSummaries(() => summaries);
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    const analysis = await runner.analyze({ key: FILE, file: FILE, text: onDisk, summaries: () => summaries, summaryOfText: indexed, options: PLAIN_OPTIONS });
    const line = log.filter((m) => m.includes('summaries sent')).pop() ?? '';
    assert.match(line, /: 0 summaries sent, the file's summary of its text offered$/, 'held since sent ahead: offered without a copy');
    // Summarised again, the thread's functions would be new objects, sent back whole.
    assert.ok(functionsAreIndexed(analysis.summary, indexed), 'the thread took the summary it held');
  } finally {
    runner.dispose();
  }
});
