// The analysis thread's warm-up on the document it has just answered (documentWarmUp.ts): it types
// and takes back a character at a few places once the thread is quiet and while no job waits,
// leaves what the server holds as it was, gives way to any job with the document's parse back at
// its text, and the document's next analysis is still exactly a fresh one's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { DOCUMENT_WARM_UP_MIN_LINES, DOCUMENT_WARM_UP_PLACES, WARM_UP_TYPED } from '../../server/src/analysisWarmUp';
import { AnalysisRunner, defaultWorkerPath } from '../../server/src/analysisRunner';
import { KEPT_DOCUMENTS, type WorkerJob } from '../../server/src/analysisWorkerProtocol';
import { BUDGET_MS, DocumentWarmUp, QUIET_MS } from '../../server/src/documentWarmUp';
import { Logger } from '../../server/src/log';
import { KeptDocuments } from '../../server/src/workerDocuments';
import { repoRoot } from '../repoRoot';

const FILE = 'file:///warm/kv-cache.c';
const TEXT = readFileSync(join(repoRoot(), 'examples', 'kv-cache', 'kv-cache.c'), 'utf8');
const EDITED = TEXT.replace('return 2;', 'return 3;');
const { isCancelled: _none, discoveredEntries: _neither, ...PLAIN_OPTIONS } = DEFAULT_ANALYZE_OPTIONS;
const PLACES = 4;

function freshAnalysis(text: string, file = FILE): FileAnalysis {
  return analyzeFile(file, parsePlainC(text), text, new Map(), DEFAULT_ANALYZE_OPTIONS);
}

/** The texts a KeptDocuments was asked to parse, in order. */
class RecordingDocuments extends KeptDocuments {
  readonly parsed: string[] = [];
  override parseFor(key: string, text: string): ReturnType<KeptDocuments['parseFor']> {
    this.parsed.push(text);
    return super.parseFor(key, text);
  }
}

/** The thread's state around a DocumentWarmUp, and its jobs done as analysisWorker.ts does them. */
function thread(options: { places?: number; minLines?: number; quietMs?: number; budgetMs?: number; jobWaiting?: () => boolean } = {}) {
  const documents = new RecordingDocuments(KEPT_DOCUMENTS);
  const summaries = new Map<string, FileSummary>();
  const memo = new AnalysisMemo();
  const state = { waiting: false };
  const finished: { key: string; places: number; lines: number }[] = [];
  const warmUp = new DocumentWarmUp({
    documents,
    summaries,
    memo,
    jobWaiting: options.jobWaiting ?? (() => state.waiting),
    finished: (report) => finished.push(report),
    places: options.places ?? PLACES,
    minLines: options.minLines ?? 10,
    quietMs: options.quietMs ?? 0,
    budgetMs: options.budgetMs,
  });
  let id = 1;
  const job = (text: string, key = FILE): FileAnalysis => {
    warmUp.jobArrived(key);
    const document = documents.parseFor(key, text);
    const analysis = analyzeFile(key, document.parse.plain, text, summaries, PLAIN_OPTIONS, memo);
    summaries.set(key, analysis.summary);
    const sent: WorkerJob = { id: id++, key, file: key, text, summaries: { set: [], remove: [] }, options: PLAIN_OPTIONS };
    warmUp.answered(sent, analysis.summary);
    return analysis;
  };
  /** Turns of the event loop (a millisecond each) until the warm-up has nothing left to do, or `turns` ran out. */
  const idle = async (turns = 500) => {
    for (let i = 0; i < turns && warmUp.pending; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  return { documents, summaries, state, finished, warmUp, job, idle };
}

/** Whether `text` is `base` with the warm-up's character typed at one place. */
const typedOnce = (text: string, base: string) => text.length === base.length + WARM_UP_TYPED.length && [...text].filter((c) => c === WARM_UP_TYPED).length === [...base].filter((c) => c === WARM_UP_TYPED).length + 1;

test('an idle thread types and takes back a character at each place, then holds the summary the server holds and answers as a fresh analysis does', async () => {
  await initC();
  const t = thread();
  t.job(TEXT);
  const held = t.summaries.get(FILE);
  const before = t.documents.parsed.length;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(t.documents.parsed.length, before + 2, 'one place per turn of the event loop');
  await t.idle();
  assert.equal(t.warmUp.pending, false);
  assert.deepEqual(t.finished.map(({ key, places }) => ({ key, places })), [{ key: FILE, places: PLACES }]);
  const warm = t.documents.parsed.slice(before);
  assert.equal(warm.length, 2 * PLACES, 'typed and taken back at each place');
  warm.forEach((text, i) => (i % 2 === 0 ? assert.ok(typedOnce(text, TEXT), `step ${i} types one character`) : assert.equal(text, TEXT, `step ${i} takes it back`)));
  assert.equal(new Set(warm.filter((_, i) => i % 2 === 0)).size, PLACES, 'at different places');
  assert.equal(t.summaries.get(FILE), held, 'the very summary object the server holds as the base of the next answer');
  assert.deepStrictEqual(t.job(EDITED), freshAnalysis(EDITED));
  assert.deepStrictEqual(t.job(TEXT), freshAnalysis(TEXT));
});

test('no step runs while a job waits; after its answer the warm-up goes on from the document\'s new text', async () => {
  await initC();
  const t = thread();
  t.job(TEXT);
  t.state.waiting = true;
  const before = t.documents.parsed.length;
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(t.documents.parsed.length, before, 'no analysis while a job waits');
  assert.equal(t.finished.length, 0);
  t.state.waiting = false;
  assert.deepStrictEqual(t.job(EDITED), freshAnalysis(EDITED));
  const afterEdit = t.documents.parsed.length;
  await t.idle();
  assert.equal(t.finished.length, 1);
  const warm = t.documents.parsed.slice(afterEdit);
  assert.ok(warm.length > 0 && warm.every((text, i) => (i % 2 === 0 ? typedOnce(text, EDITED) : text === EDITED)), 'typed into the edited text');
  assert.deepStrictEqual(t.job(TEXT), freshAnalysis(TEXT));
});

test('a place stopped in the middle of its analysis leaves the parse at the document\'s text and nothing wrong behind', async () => {
  await initC();
  // A place asks before it begins, and its analyses between their own steps: a job "arrives" on the
  // warm-up's fourth question, inside the analysis of the character typed.
  let questions = 0;
  let arrivesAfter = Infinity;
  const t = thread({ jobWaiting: () => ++questions > arrivesAfter });
  t.job(TEXT);
  const held = t.summaries.get(FILE);
  arrivesAfter = 3;
  const before = t.documents.parsed.length;
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  const stoppedPlace = t.documents.parsed.slice(before);
  assert.equal(stoppedPlace.length, 2, 'one place began, and stopped');
  assert.ok(typedOnce(stoppedPlace[0], TEXT));
  assert.equal(stoppedPlace[1], TEXT, 'the parse went back to the document\'s text');
  assert.equal(t.summaries.get(FILE), held, 'the summary held is still the server\'s');
  assert.equal(t.finished.length, 0);
  assert.ok(questions > 4, 'the analysis asked, and was stopped');
  arrivesAfter = Infinity;
  assert.deepStrictEqual(t.job(EDITED), freshAnalysis(EDITED), 'the job after it, from a parse one character off');
  await t.idle();
  assert.deepEqual(t.finished.map((f) => f.places), [PLACES], 'then the warm-up went through all its places');
  assert.deepStrictEqual(t.job(TEXT), freshAnalysis(TEXT));
});

test('the warm-up waits for the thread to be quiet after its latest answer', async () => {
  await initC();
  const t = thread({ quietMs: 80 });
  t.job(TEXT);
  const before = t.documents.parsed.length;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(t.documents.parsed.length, before, 'not yet');
  // An answer in the meantime starts the quiet time again.
  t.job(EDITED);
  const afterEdit = t.documents.parsed.length;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(t.documents.parsed.length, afterEdit, 'not 80 ms after the latest answer yet');
  await t.idle();
  assert.equal(t.finished.length, 1);
  assert.ok(t.documents.parsed.length > afterEdit);
});

test('a warm-up ends once its analyses have taken its time budget', async () => {
  await initC();
  const t = thread({ budgetMs: 0.001 });
  t.job(TEXT);
  const before = t.documents.parsed.length;
  await t.idle();
  assert.deepEqual(t.finished.map((f) => f.places), [1], 'the place that spent the budget, and no more');
  assert.equal(t.documents.parsed.length, before + 2);
  assert.deepStrictEqual(t.job(EDITED), freshAnalysis(EDITED));
});

test('a job of another document drops the warm-up; small documents, and ones not twice as long as the last, get none', async () => {
  await initC();
  const t = thread();
  t.job(TEXT);
  assert.equal(t.warmUp.pending, true);
  t.warmUp.jobArrived('file:///warm/other.c');
  assert.equal(t.warmUp.pending, false);
  await t.idle(20);
  assert.equal(t.finished.length, 0);

  t.job(TEXT);
  await t.idle();
  assert.equal(t.finished.length, 1);
  // As long as the one warmed up on, not twice: none.
  t.job(TEXT.replace('kv', 'kw'), 'file:///warm/copy.c');
  assert.equal(t.warmUp.pending, false);

  const small = thread({ minLines: TEXT.split('\n').length + 1 });
  small.job(TEXT);
  assert.equal(small.warmUp.pending, false, 'below the bound');
  const none = thread({ places: 0 });
  none.job(TEXT);
  assert.equal(none.warmUp.pending, false, 'no places');
});

/** kv-cache.c with enough functions after it to reach the real bound. */
function largeText(): string {
  const extra: string[] = [];
  for (let i = 0; TEXT.split('\n').length + extra.length * 8 < DOCUMENT_WARM_UP_MIN_LINES + 50; i++) {
    extra.push(`static int extra_${i}(int x)\n{\n    int y = x;\n    for (int k = 0; k < 4; k++)\n        y += k * ${i};\n    return y;\n}\n`);
  }
  return TEXT + '\n' + extra.join('\n');
}

test('through the runner: a large document opened on an idle thread is warmed up on, as the debug log says, and its edits answer as fresh analyses do', { timeout: 120_000 }, async () => {
  await initC();
  const workerPath = defaultWorkerPath();
  assert.ok(workerPath, 'the analysis thread script is built beside the runner');
  const log: string[] = [];
  const keep = (message: string) => log.push(message);
  const runner = new AnalysisRunner(workerPath, new Logger({ error: keep, warn: keep, info: keep, log: keep }, 'debug'));
  const file = 'file:///warm/large.c';
  const text = largeText();
  const summaries = new Map<string, FileSummary>();
  const analyze = async (version: string) => {
    const analysis = await runner.analyze({ key: file, file, text: version, summaries: () => summaries, options: PLAIN_OPTIONS });
    summaries.set(file, analysis.summary);
    return analysis;
  };
  try {
    await analyze(text);
    const warmed = () => log.find((m) => m.startsWith(`The analysis thread warmed up on ${file}`));
    for (let waited = 0; !warmed() && waited < 60_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const report = /\((\d+) lines\): (\d+) places typed and taken back in (\d+) ms$/.exec(warmed() ?? '');
    assert.ok(report, log.join('\n'));
    const [, lines, places, ms] = report.map(Number);
    assert.ok(lines >= DOCUMENT_WARM_UP_MIN_LINES);
    // All its places, unless a slow machine spent the time budget first.
    assert.ok(places === DOCUMENT_WARM_UP_PLACES || (places >= 1 && ms >= BUDGET_MS), report[0]);
    const edited = text.replace('return 2;', 'return 3;');
    assert.deepStrictEqual(await analyze(edited), freshAnalysis(edited, file));
    assert.deepStrictEqual(await analyze(text), freshAnalysis(text, file));
    assert.ok(!log.some((m) => m.includes('restarting the analysis thread') || m.includes('the analysis thread failed')), log.join('\n'));
  } finally {
    runner.dispose();
  }
});

test('docs/editor.md gives the warm-up\'s bounds as the code has them', () => {
  const doc = readFileSync(join(repoRoot(), 'docs', 'editor.md'), 'utf8').replace(/\s+/g, ' ');
  assert.match(doc, new RegExp(`at least ${DOCUMENT_WARM_UP_MIN_LINES.toLocaleString('en-US')} lines of functions`));
  assert.match(doc, new RegExp(`types a character in ${DOCUMENT_WARM_UP_PLACES} of the document's longest functions`));
  assert.match(doc, new RegExp(`starts only ${QUIET_MS} ms after the thread's latest answer`));
  assert.match(doc, new RegExp(`once it has spent ${BUDGET_MS / 1000} s of analysis`));
});
