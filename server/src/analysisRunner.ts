// Runs analyses on a worker thread (analysisWorker.ts), one at a time, so no request waits for a
// whole-file analysis. Per key (a document URI) only the newest job is wanted: submitting again
// drops the queued one and cancels the running one. A cancelled job is first asked to stop
// (a shared slot its pipeline polls); if it has not stopped within KILL_AFTER_MS — a single step
// of a huge file can run for seconds — the worker is terminated and a fresh one started.
//
// The thread keeps a copy of every known file's summary. Copying them all to it costs a few
// hundred milliseconds on a code base like memcached (145 files, 6 MB as JSON), so they are sent
// ahead of need, in small batches while the server is otherwise idle (syncSummaries, after the
// workspace index changed), and a job carries only what changed since.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { CancelledError, type FileAnalysis } from './analysis/analyze';
import type { FileSummary } from './analysis/model';
import type { EncodedTree } from './analysis/plainTreeEncoding';
import { RecentMap } from './analysis/recentMap';
import { CANCELLED_JOB_SLOT, decodeDiagnostics, decodeSummary, JOBS_POSTED_SLOT, KEPT_DOCUMENTS, SHARED_SLOTS, sentByPosition, type HeldDiagnostics, type SummaryChanges, type WorkerAnswer, type WorkerJob, type WorkerMessage, type WorkerNotice } from './analysisWorkerProtocol';
import type { Logger } from './log';

export const KILL_AFTER_MS = 2_000;

/**
 * Summaries per batch sent ahead of need: each batch blocks the server's thread while it is
 * copied (a few milliseconds per file of memcached), so a request that arrives meanwhile waits
 * for one batch at most.
 */
const SUMMARY_BATCH = 16;

export interface AnalysisRequest {
  key: string;
  file: string;
  text: string;
  /** Read when the job starts, so the worker gets the summaries as they are then. */
  summaries: () => Map<string, FileSummary>;
  /** The file's summary when it is known to be that of exactly `text` (WorkspaceIndex.summaryOfText). */
  summaryOfText?: FileSummary;
  /** The index's encoded syntax tree of exactly `text`, for a thread that keeps no parse of the document. */
  encodedTree?: EncodedTree;
  options: WorkerJob['options'];
}

interface Job {
  id: number;
  request: AnalysisRequest;
  /** The file's summary the thread holds when it starts the job: what its answer's summary is relative to. */
  base?: FileSummary;
  /** The diagnostics of its key the server holds when the job is sent: what its answer's are relative to. */
  heldDiagnostics?: HeldDiagnostics;
  /** performance.now() when the job was posted to the thread. */
  postedAt?: number;
  resolve: (analysis: FileAnalysis) => void;
  reject: (error: unknown) => void;
}

/**
 * The debug log's line for a job the thread answered: its time in the thread and, when known, from
 * posting the job to its answer. The editor benchmark reads it back (parseThreadTimeLine).
 */
export function threadTimeLine(id: number, key: string, threadMs: number, roundTripMs?: number): string {
  const roundTrip = roundTripMs === undefined ? '' : `, ${roundTripMs.toFixed(2)} ms from posting the job to its answer`;
  return `Analysis ${id} of ${key}: ${threadMs.toFixed(2)} ms in the analysis thread${roundTrip}`;
}

/** The document key and thread time of a threadTimeLine; undefined for any other line. */
export function parseThreadTimeLine(line: string): { key: string; threadMs: number } | undefined {
  const match = /^Analysis \d+ of (\S+): (\d+(?:\.\d+)?) ms in the analysis thread/.exec(line);
  return match ? { key: match[1], threadMs: Number(match[2]) } : undefined;
}

/** Where the bundled worker is: beside this file (dist/ when bundled, out/server/src under tsc). */
export function defaultWorkerPath(): string | undefined {
  const candidate = path.join(__dirname, 'analysisWorker.js');
  return existsSync(candidate) ? candidate : undefined;
}

export class AnalysisRunner {
  private worker: Worker | undefined;
  /** Shared with the thread: see CANCELLED_JOB_SLOT and JOBS_POSTED_SLOT. */
  private readonly cancelSlot = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** The summary objects the current worker holds, by file: only changed ones are sent. */
  private sent = new Map<string, FileSummary>();
  /** Summaries decoded from the thread's answers: ones it made itself, by analysing their file. */
  private readonly madeByThread = new WeakSet<FileSummary>();
  /**
   * Per key, the diagnostics of the latest answer decoded from the current thread, least
   * recently decoded first, for as many documents as the thread keeps its own.
   */
  private readonly decodedDiagnostics = new RecentMap<string, HeldDiagnostics>(KEPT_DOCUMENTS);
  private nextId = 1;
  private disposed = false;
  /** Where syncSummaries reads the current summaries; set while a sync is under way. */
  private syncSource: (() => Map<string, FileSummary>) | undefined;

  constructor(
    private readonly workerPath: string,
    private readonly logger: Logger,
  ) {}

  analyze(request: AnalysisRequest): Promise<FileAnalysis> {
    if (this.disposed) return Promise.reject(new CancelledError());
    this.cancel(request.key);
    return new Promise<FileAnalysis>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.pump();
    });
  }

  /**
   * Starts the thread now rather than with the first job: it loads the grammar and warms up
   * (analysisWarmUp.ts) while the client is still starting, not during the first didOpen.
   */
  start(): void {
    if (!this.disposed) this.ensureWorker();
  }

  /**
   * Brings the thread's copy of the summaries up to date before a job needs them, a batch per
   * turn of the event loop. `current` is read again for each batch, so a change in between is
   * picked up, and a job pumped in between still sends whatever is not yet there.
   */
  syncSummaries(current: () => Map<string, FileSummary>): void {
    if (this.disposed) return;
    const scheduled = this.syncSource !== undefined;
    this.syncSource = current;
    if (!scheduled) setImmediate(() => this.sendSummaryBatch());
  }

  private sendSummaryBatch(): void {
    const current = this.syncSource;
    if (!current || this.disposed) {
      this.syncSource = undefined;
      return;
    }
    const changes = this.summaryChanges(current(), SUMMARY_BATCH);
    if (changes.set.length === 0 && changes.remove.length === 0) {
      this.syncSource = undefined;
      return;
    }
    try {
      this.ensureWorker().postMessage({ summaries: changes } satisfies WorkerMessage);
    } catch (error) {
      this.logger.debug(() => `Summaries not sent ahead: ${error}`);
      this.restart();
      this.syncSource = undefined;
      // The thread that had the running job is gone: its answer will never come.
      const job = this.running;
      if (job) this.finish(job, () => job.reject(error));
      return;
    }
    setImmediate(() => this.sendSummaryBatch());
  }

  /** Drops the queued job of `key` and asks its running one to stop. */
  cancel(key: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].request.key !== key) continue;
      this.queue[i].reject(new CancelledError());
      this.queue.splice(i, 1);
    }
    const running = this.running;
    if (running?.request.key === key) this.stopRunning(running);
  }

  dispose(): void {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new CancelledError());
    if (this.running) this.running.reject(new CancelledError());
    this.running = undefined;
    clearTimeout(this.killTimer);
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private stopRunning(job: Job): void {
    Atomics.store(this.cancelSlot, CANCELLED_JOB_SLOT, job.id);
    if (this.killTimer) return;
    this.killTimer = setTimeout(() => {
      this.killTimer = undefined;
      if (this.running !== job) return;
      this.logger.debug(() => `Analysis of ${job.request.key} did not stop within ${KILL_AFTER_MS} ms of being superseded: restarting the analysis thread`);
      this.restart();
      this.finish(job, () => job.reject(new CancelledError()));
    }, KILL_AFTER_MS);
  }

  private restart(): void {
    const old = this.worker;
    this.worker = undefined;
    this.sent = new Map();
    // A fresh thread holds no diagnostics: the first answer per document comes whole.
    this.decodedDiagnostics.clear();
    if (old) {
      old.removeAllListeners();
      void old.terminate();
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // The analysis recurses over syntax trees: a larger stack than the default lets it follow
    // deeper code before a step gives up (analysisLimit.ts reports the ones it cannot).
    const worker = new Worker(this.workerPath, { workerData: { cancel: this.cancelSlot.buffer }, resourceLimits: { stackSizeMb: 16 } });
    worker.unref();
    worker.on('message', (message: WorkerAnswer | WorkerNotice) => {
      if ('warmedUp' in message) this.logger.debug(() => `The analysis thread warmed up on ${message.warmedUp} (${message.lines} lines): ${message.places} places typed and taken back in ${message.ms.toFixed(0)} ms`);
      else this.answered(message);
    });
    worker.on('error', (error) => this.workerFailed(worker, `the analysis thread failed: ${error.message}`));
    worker.on('exit', (code) => this.workerFailed(worker, `the analysis thread exited (${code})`));
    this.worker = worker;
    return worker;
  }

  private workerFailed(worker: Worker, reason: string): void {
    if (worker !== this.worker) return;
    this.logger.error(reason);
    this.restart();
    const job = this.running;
    if (job) this.finish(job, () => job.reject(new Error(reason)));
  }

  private answered(answer: WorkerAnswer): void {
    const job = this.running;
    if (!job || job.id !== answer.id) return;
    // The thread keeps the summary and diagnostics it computed (analysisWorker.ts), whether or
    // not the job is still wanted; the analyzer keeps this very summary object as the file's
    // summary when it is. (An answer not decoded here is no base: the next job names the last
    // one that was, and the thread then sends whole.)
    let analysis: FileAnalysis | undefined;
    if ('analysis' in answer) {
      try {
        const summary = decodeSummary(answer.summary, job.base);
        const diagnostics = decodeDiagnostics(answer.diagnostics, job.heldDiagnostics, job.request.key);
        this.sent.set(job.request.file, summary);
        this.madeByThread.add(summary);
        this.decodedDiagnostics.set(job.request.key, { answerId: answer.id, diagnostics });
        analysis = { ...answer.analysis, summary, diagnostics };
        this.logger.debug(() => `Analysis ${answer.id} of ${job.request.key}: ${sentByPosition(answer.diagnostics)} of ${diagnostics.length} diagnostics sent by position`);
        // Read by the editor benchmark (bench/lsp/section.ts), which splits an edit's latency into the thread's part and the rest.
        const answeredAt = performance.now();
        const { postedAt } = job;
        this.logger.debug(() => threadTimeLine(answer.id, job.request.key, answer.threadMs, postedAt === undefined ? undefined : answeredAt - postedAt));
      } catch (error) {
        // The two copies disagree: only a fresh thread, sent everything again, is sure to agree.
        this.restart();
        this.finish(job, () => job.reject(error));
        return;
      }
    }
    const cancelled = 'cancelled' in answer || Atomics.load(this.cancelSlot, CANCELLED_JOB_SLOT) === job.id;
    if (cancelled) this.finish(job, () => job.reject(new CancelledError()));
    else if ('error' in answer) this.finish(job, () => job.reject(new Error(answer.error)));
    else if (analysis) this.finish(job, () => job.resolve(analysis));
  }

  private finish(job: Job, settle: () => void): void {
    if (this.running === job) this.running = undefined;
    clearTimeout(this.killTimer);
    this.killTimer = undefined;
    settle();
    this.pump();
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    try {
      const worker = this.ensureWorker();
      const { key, file, text, options, summaryOfText, encodedTree } = job.request;
      const summaries = this.summaryChanges(job.request.summaries(), Infinity, file, summaryOfText);
      // Messages arrive in order, so the thread starts the job holding what was sent by now.
      job.base = this.sent.get(file);
      job.heldDiagnostics = this.decodedDiagnostics.get(key);
      const heldIsOfText = summaryOfText !== undefined && job.base === summaryOfText;
      this.logger.debug(() => `Analysis ${job.id} of ${key}: ${summaries.set.length} summaries sent, ${heldIsOfText ? "the file's summary of its text offered" : "no summary of its text offered"}`);
      Atomics.add(this.cancelSlot, JOBS_POSTED_SLOT, 1);
      job.postedAt = performance.now();
      worker.postMessage({ id: job.id, key, file, text, summaries, heldSummaryIsOfText: heldIsOfText, encodedTree, options, diagnosticsBase: job.heldDiagnostics?.answerId } satisfies WorkerJob);
    } catch (error) {
      this.restart();
      this.finish(job, () => job.reject(error));
    }
  }

  /**
   * What the thread's copy lacks compared with `current` (by object identity: a summary is never
   * changed in place), at most `limit` summaries of it; those are counted as sent. The summary of
   * `analysed`, the job's own file, is left out: the job computes it afresh and the thread keeps
   * that one, so sending the old one (after a reopen, say) would only cost a copy. Unless the job
   * can take `ofText`, that file's summary of the job's very text: then the thread needs that one.
   * The thread takes it only when its memo keeps no summary of the file (summaryToTake in
   * analysis/analyze.ts). A file whose summary the thread holds is one it made itself is one it
   * analysed, and so one its memo keeps (unless many other files were analysed since): the copy,
   * 16 ms for memcached.c's summary on this thread and as much again on the other, would be
   * wasted (an edit undone back to the text on disk, a reopen before the index adopted the closed
   * document's summary). So it is sent only in place of a summary the thread did not make.
   */
  private summaryChanges(current: Map<string, FileSummary>, limit = Infinity, analysed?: string, ofText?: FileSummary): SummaryChanges {
    const set: [string, FileSummary][] = [];
    const remove: string[] = [];
    for (const [file, summary] of current) {
      if (set.length >= limit) break;
      if (file !== analysed && this.sent.get(file) !== summary) set.push([file, summary]);
    }
    const held = analysed === undefined ? undefined : this.sent.get(analysed);
    if (analysed !== undefined && ofText && held !== ofText && !(held && this.madeByThread.has(held))) set.push([analysed, ofText]);
    for (const file of this.sent.keys()) if (!current.has(file)) remove.push(file);
    for (const file of remove) this.sent.delete(file);
    for (const [file, summary] of set) this.sent.set(file, summary);
    return { set, remove };
  }
}
