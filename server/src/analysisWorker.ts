// The analysis thread: parses and analyses one file at a time with its own parser, so the
// server's thread keeps reading messages while a big file is analysed (parser.c takes half a
// minute). It keeps the other files' summaries between jobs; the server sends only those that
// changed. A job is cancelled cooperatively through a shared slot: the server writes the id of
// the job it no longer wants, and the pipeline's isCancelled reads it between steps.
//
// Per recently analysed document it also keeps the last parse and the diagnostics it last sent
// (workerDocuments.ts). After answering a large document it warms up on it while idle
// (documentWarmUp.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { AnalysisMemo, analyzeFile, buildProgramFacts, CancelledError, DEFAULT_ANALYZE_OPTIONS, type AnalyzeOptions } from './analysis/analyze';
import type { FileSummary } from './analysis/model';
import { initC, type Tree } from './analysis/syntax';
import { reparse, versionFromEncoded } from './analysis/plainTreeEdit';
import { encodeTree } from './analysis/plainTreeEncoding';
import { WARM_UP_FILE, WARM_UP_SOURCE, WARM_UP_TYPED, warmUpEditOffsets, workspaceWarmUpFile } from './analysisWarmUp';
import { DocumentWarmUp } from './documentWarmUp';
import { KeptDocuments } from './workerDocuments';
import { CANCELLED_JOB_SLOT, encodeDiagnostics, encodeSummary, JOBS_POSTED_SLOT, KEPT_DOCUMENTS, type SummaryChanges, type WorkerAnswer, type WorkerJob, type WorkerMessage, type WorkerNotice } from './analysisWorkerProtocol';

const cancelSlot = new Int32Array((workerData as { cancel: SharedArrayBuffer }).cancel);
const summaries = new Map<string, FileSummary>();
/** What the last job built from the summaries (call graph, type table), for the next one to reuse. */
const memo = new AnalysisMemo();
const ready = initC().then(warmUp);

const documents = new KeptDocuments(KEPT_DOCUMENTS);
const documentWarmUp = new DocumentWarmUp({
  documents,
  summaries,
  memo,
  jobWaiting,
  finished: ({ key, places, lines, ms }) => parentPort?.postMessage({ warmedUp: key, places, lines, ms } satisfies WorkerNotice),
});
/** Quiet time after the last summaries sent ahead before the program facts are built. */
const FACTS_IDLE_MS = 50;

function applySummaries(changes: SummaryChanges): void {
  for (const file of changes.remove) summaries.delete(file);
  for (const [file, summary] of changes.set) summaries.set(file, summary);
}

function answer(job: WorkerJob): WorkerAnswer {
  const started = performance.now();
  applySummaries(job.summaries);
  const isCancelled = () => Atomics.load(cancelSlot, CANCELLED_JOB_SLOT) === job.id;
  if (isCancelled()) return { id: job.id, cancelled: true };
  try {
    const document = documents.parseFor(job.key, job.text, job.encodedTree);
    const base = summaries.get(job.file);
    // Offered only: analyzeFile takes it when the memo keeps no summary of the file (summaryToTake).
    const summaryOfText = job.heldSummaryIsOfText ? base : undefined;
    // The file's old summary stays in the map handed over, which analyzeFile replaces in place:
    // the files keep their order, so the program facts built before (memo) are reused — with the
    // file moved to the end they were rebuilt from scratch on the first analysis of each file.
    const { summary, diagnostics, ...analysis } = analyzeFile(job.file, document.parse.plain, job.text, summaries, { ...job.options, isCancelled, summaryOfText }, memo);
    // The server keeps this summary as the file's current one (analysisRunner.ts counts it as
    // sent): keeping it here too spares sending the largest summary back with the next job.
    summaries.set(job.file, summary);
    // Likewise the server keeps these diagnostics once it decoded them, and names them in a later job.
    const encoded = encodeDiagnostics(diagnostics, document.sent, job.diagnosticsBase);
    document.sent = { answerId: job.id, diagnostics };
    const result: WorkerAnswer = { id: job.id, analysis, summary: encodeSummary(summary, base), diagnostics: encoded, threadMs: performance.now() - started };
    // The analysis took the summary offered (it returns that very object) instead of summarising.
    if (summaryOfText && summary === summaryOfText) afterAnswer.push(() => rememberSummary(job.file, document.parse.plain, job.text, summary));
    afterAnswer.push(() => documentWarmUp.answered(job, summary));
    return result;
  } catch (error) {
    if (error instanceof CancelledError) return { id: job.id, cancelled: true };
    // The kept parse may be half-updated: the next job of this document parses afresh.
    documents.forget(job.key);
    return { id: job.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Work for the document just answered that its answer need not wait for (rememberSummary, the document warm-up), in order. */
const afterAnswer: (() => void)[] = [];

/**
 * An analysis that took a summary computed elsewhere (the index's) left the summary memo without
 * this file: the next edit would summarise every function again. Summarising it now, once the
 * answer is on its way, fills the memo (AnalysisMemo.rememberSummary). Runs before the thread
 * reads its next message, while the document's tree is still this parse.
 */
function rememberSummary(file: string, tree: Tree, text: string, taken: FileSummary): void {
  try {
    memo.rememberSummary(file, tree, text, taken);
  } catch {
    // The next edit summarises without the memo (and reports what fails) itself.
  }
}

/**
 * A document whose tree was rebuilt from the index's encoding has no parser tree yet, which its
 * first edit needs for the incremental reparse: parsed once the answer is on its way, so that the
 * edit does not wait for a parse of the whole text (a job arriving meanwhile waits for it instead).
 */
function parseDecodedDocument(): void {
  try {
    documents.parseWhatWasDecoded();
  } catch {
    // The edit parses the text itself (and reports what fails).
  }
}

let factsTimer: NodeJS.Timeout | undefined;

/**
 * The call graph and type table over every known file are built once the summaries sent ahead
 * (the workspace index) stop arriving, while nothing waits: the first document's analysis then
 * only rebuilds what its own file changes, instead of building them over the whole program.
 */
function buildFactsWhenIdle(): void {
  if (factsTimer) clearTimeout(factsTimer);
  factsTimer = setTimeout(() => {
    factsTimer = undefined;
    try {
      memo.facts = buildProgramFacts(summaries, memo.facts);
      // Found on first use otherwise, by the rules of the first document opened (~10 ms on
      // memcached): a first open whose summary is the index's reuses this very call graph.
      memo.facts.callGraph.recursiveCycles();
    } catch {
      // The next job builds them (and reports what fails) itself.
    }
    warmUpOnWorkspaceFile();
    warmUpWhileIdle();
  }, FACTS_IDLE_MS);
  factsTimer.unref();
}

/** See analysisWarmUp.ts. A failure here only means the first real analysis runs cold. */
function warmUp(): void {
  for (let round = 0; round < 3; round++) warmUpRound();
}

/** One analysis of the sample and its edits; a job posted meanwhile stops it at the next step. */
function warmUpRound(): void {
  try {
    warmUpOn(WARM_UP_FILE, WARM_UP_SOURCE, new Map(), { ...DEFAULT_ANALYZE_OPTIONS, isCancelled: jobWaiting }, SAMPLE_WARM_UP_EDITS);
  } catch {
    // Cancelled or failed: nothing to report, the same code runs again on the first document.
  }
}

/** How many jobs the server has posted; NaN when the slot is missing (a test's thread), which then never equals a count. */
function jobsPosted(): number {
  return cancelSlot.length > JOBS_POSTED_SLOT ? Atomics.load(cancelSlot, JOBS_POSTED_SLOT) : NaN;
}

/**
 * jobsPosted when the latest job arrived (or the thread started: the slot outlives a restarted
 * thread); the server posts the next job only after the answer to the one before.
 */
let jobsPostedAtLastJob = jobsPosted();

/** Whether the server has posted a job the thread has not received yet: what stops its idle work (the warm-ups). */
function jobWaiting(): boolean {
  return jobsPosted() !== jobsPostedAtLastJob;
}

/** Edits (each typed and taken back) per warm-up analysis of the sample and of a workspace file. */
const SAMPLE_WARM_UP_EDITS = 3;
const WORKSPACE_WARM_UP_EDITS = 4;

/**
 * Analyses `text` afresh, then types a character at each of warmUpEditOffsets and takes it back,
 * every version reparsed from the one before and analysed with one memo, as a document's edits
 * are (analysisWarmUp.ts says why). The memo is dropped at the end: only the optimised code stays.
 */
function warmUpOn(file: string, text: string, others: Map<string, FileSummary>, options: AnalyzeOptions, edits: number): void {
  const warmUpMemo = new AnalysisMemo();
  let version = reparse(undefined, text);
  try {
    // A document opened with the text the index parsed is rebuilt from its encoding (workerDocuments.ts).
    versionFromEncoded(text, encodeTree(version.plain, text));
    const first = analyzeFile(file, version.plain, text, others, options, warmUpMemo);
    for (const offset of warmUpEditOffsets(text, first.summary.functions, edits)) {
      for (const edited of [text.slice(0, offset) + WARM_UP_TYPED + text.slice(offset), text]) {
        if (options.isCancelled?.()) return;
        version = reparse(version, edited);
        analyzeFile(file, version.plain, edited, others, options, warmUpMemo);
      }
    }
  } finally {
    version.tree.delete();
  }
}

/** Lines of the workspace file the thread last warmed up on (0: none yet). */
let warmedUpLines = 0;

/**
 * When summaries sent ahead are in and nothing is asked: an analysis of one of the workspace's
 * own files and a few edits of it (analysisWarmUp.ts says which and why), read from disk, with a
 * memo of its own so that nothing of it stays but the optimised code. The index comes in batches and the first are small files:
 * a later batch brings another warm-up only with a file at least twice as long as the last one
 * warmed up on, so all of them together cost less than twice the last. A job posted meanwhile
 * (the server counts them in a shared slot) stops it at the next step.
 */
function warmUpOnWorkspaceFile(): void {
  if (jobArrived) return;
  const chosen = workspaceWarmUpFile(summaries);
  if (!chosen || chosen.lines < 2 * warmedUpLines) return;
  warmedUpLines = chosen.lines;
  try {
    const text = readFileSync(fileURLToPath(chosen.file), 'utf8');
    if (jobWaiting()) return;
    warmUpOn(chosen.file, text, summaries, { ...DEFAULT_ANALYZE_OPTIONS, isCancelled: jobWaiting }, WORKSPACE_WARM_UP_EDITS);
  } catch {
    // Cancelled, unreadable or failed: the first document's analysis only runs colder.
  }
}

/** Warm-up rounds run once the index is in and nothing else is asked (warmUpWhileIdle). */
const IDLE_WARM_UP_ROUNDS = 100;
let idleWarmUpLeft = IDLE_WARM_UP_ROUNDS;
let jobArrived = false;

/**
 * More rounds of the warm-up while the thread has nothing to do, one per turn of the event loop,
 * each stopped by a job posted meanwhile, which so waits for one step of a small analysis at most. Why: V8 optimises a
 * function only after many calls, and after the three rounds at start-up the first analysis of
 * a large file still ran mostly unoptimised code, two to three times slower than the next one.
 * Ends for good with the first job: real work warms the code from then on.
 */
function warmUpWhileIdle(): void {
  if (idleWarmUpLeft <= 0 || jobArrived) return;
  idleWarmUpLeft--;
  warmUpRound();
  setTimeout(warmUpWhileIdle, 0).unref();
}

parentPort?.on('message', (message: WorkerMessage) => {
  if (!('id' in message)) {
    // Chained like the jobs, so changes apply in the order they were sent.
    void ready.then(() => {
      applySummaries(message.summaries);
      buildFactsWhenIdle();
    });
    return;
  }
  jobArrived = true;
  jobsPostedAtLastJob = jobsPosted();
  documentWarmUp.jobArrived(message.key);
  void ready.then(
    () => {
      parentPort?.postMessage(answer(message));
      for (const next of afterAnswer.splice(0)) next();
      parseDecodedDocument();
    },
    (error: unknown) => parentPort?.postMessage({ id: message.id, error: `the C grammar did not load: ${String(error)}` } satisfies WorkerAnswer),
  );
});
