// The analysis thread's warm-up on the document it has just answered (analysisWarmUp.ts says why):
// while the thread is idle, a character is typed at each of a few places of the document and taken
// back, both versions analysed as edits of the document are, with the document's own parse and the
// thread's memo.
//
// It runs only in quiet time: from QUIET_MS after the thread's latest answer, one place per turn of
// the event loop, and nothing while the server has posted a job the thread has not yet received
// (it counts them in a shared slot). A job that comes meanwhile waits for one step of one analysis
// (they poll between their steps) and the reparse that takes the character back. Why both: a user
// typing sends an edit every few hundred milliseconds at most, and an edit that found the memo and
// the parse at another version of the document (the character typed elsewhere) reparsed and
// analysed everything between the two places: in the editor benchmark's back-to-back edits, a
// warm-up step between every two edits made them three times slower.
//
// What the server holds stays as it was: the warm-up's analyses leave the thread's copy of the
// file's summary alone (the server names it as the base of the next answer's summary; analyzeFile
// works on a copy of the map), and the diagnostics last sent. Each place ends with the document's
// parse back at its text, even when a job stopped it.
import { performance } from 'node:perf_hooks';
import { analyzeFile, type AnalysisMemo } from './analysis/analyze';
import type { FileSummary, FunctionInfo } from './analysis/model';
import { DOCUMENT_WARM_UP_PLACES, functionLines, WARM_UP_TYPED, warmsUpDocument, warmUpEditOffsets } from './analysisWarmUp';
import type { WorkerJob } from './analysisWorkerProtocol';
import type { KeptDocuments } from './workerDocuments';

/** Quiet time after an answer before the warm-up goes on: longer than the gap between back-to-back edits. */
export const QUIET_MS = 100;

/**
 * The most analysis time a warm-up spends; it ends after the place that reaches it. Why: the
 * places are a fixed number, and an edit of a file ten times memcached.c's size costs ten times
 * as much; memcached.c's 60 places take 1.2-1.6 s.
 */
export const BUDGET_MS = 3000;

export interface DocumentWarmUpDeps {
  documents: KeptDocuments;
  summaries: Map<string, FileSummary>;
  memo: AnalysisMemo;
  /**
   * Whether the server has posted a job the thread has not yet received: checked before each place
   * and between the steps of each analysis, so that a job posted while one was about to start does
   * not wait for all of it.
   */
  jobWaiting: () => boolean;
  /** Told when a warm-up has gone through all its places, or spent its budget. */
  finished: (report: { key: string; places: number; lines: number; ms: number }) => void;
  places?: number;
  minLines?: number;
  quietMs?: number;
  budgetMs?: number;
}

interface Plan {
  key: string;
  file: string;
  /** The document's text as last answered: what each place types into and returns to. */
  text: string;
  options: WorkerJob['options'];
  /** The text's functions, where the places are chosen. */
  functions: readonly FunctionInfo[];
  /** Offsets of the places in `text`; chosen in quiet time, not while the answer is on its way. */
  offsets?: number[];
  lines: number;
  /** Places done (typed and taken back, both analysed). */
  done: number;
  /** Milliseconds spent in its analyses so far. */
  ms: number;
}

export class DocumentWarmUp {
  private plan: Plan | undefined;
  /** Lines of the largest document warmed up on in this thread (0: none yet). */
  private warmedLines = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private lastAnswerAt = -Infinity;

  constructor(private readonly deps: DocumentWarmUpDeps) {}

  /**
   * After the thread answered `job` with `summary` (the analysis of `job.text`): a warm-up under
   * way on this document goes on from its new text; another document's is dropped; a large
   * enough document that has none gets one. Either way it runs only once the thread is quiet.
   */
  answered(job: WorkerJob, summary: FileSummary): void {
    this.lastAnswerAt = performance.now();
    const lines = functionLines(summary.functions);
    const fresh = { text: job.text, options: job.options, functions: summary.functions, offsets: undefined, lines };
    if (this.plan?.key === job.key) {
      // The places follow the edits: offsets into the text the document now has.
      Object.assign(this.plan, fresh);
    } else {
      this.plan = undefined;
      if (this.places <= 0 || !warmsUpDocument(lines, this.warmedLines, this.deps.minLines)) return;
      this.plan = { key: job.key, file: job.file, ...fresh, done: 0, ms: 0 };
    }
    this.schedule();
  }

  /** A job arrived: the thread is busy again; another document's warm-up is dropped (the next answer may start one). */
  jobArrived(key: string): void {
    this.lastAnswerAt = Infinity;
    if (this.plan && this.plan.key !== key) this.plan = undefined;
  }

  private get places(): number {
    return this.deps.places ?? DOCUMENT_WARM_UP_PLACES;
  }

  /** Whether a warm-up is planned and not finished. */
  get pending(): boolean {
    return this.plan !== undefined;
  }

  /** The next place: at once when the thread has been quiet long enough, else once it will have been. */
  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastAnswerAt + (this.deps.quietMs ?? QUIET_MS) - performance.now();
    const run = () => {
      this.timer = undefined;
      this.step();
    };
    // A job arriving meanwhile sets lastAnswerAt to Infinity: its answer schedules again.
    if (!Number.isFinite(wait)) return;
    this.timer = wait > 0 ? setTimeout(run, wait) : setImmediate(run);
  }

  private step(): void {
    const plan = this.plan;
    const { jobWaiting } = this.deps;
    if (!plan || jobWaiting()) return;
    if (performance.now() - this.lastAnswerAt < (this.deps.quietMs ?? QUIET_MS)) return this.schedule();
    plan.offsets ??= warmUpEditOffsets(plan.text, plan.functions, this.places);
    const at = plan.offsets[plan.done];
    if (at === undefined || plan.ms >= (this.deps.budgetMs ?? BUDGET_MS)) {
      this.plan = undefined;
      this.warmedLines = Math.max(this.warmedLines, plan.lines);
      this.deps.finished({ key: plan.key, places: plan.done, lines: plan.lines, ms: plan.ms });
      return;
    }
    const started = performance.now();
    try {
      this.analyze(plan, plan.text.slice(0, at) + WARM_UP_TYPED + plan.text.slice(at));
      this.analyze(plan, plan.text);
      plan.done++;
    } catch {
      this.stopped(plan);
    } finally {
      plan.ms += performance.now() - started;
    }
    if (this.plan === plan) this.schedule();
  }

  private analyze(plan: Plan, text: string): void {
    const document = this.deps.documents.parseFor(plan.key, text);
    analyzeFile(plan.file, document.parse.plain, text, this.deps.summaries, { ...plan.options, isCancelled: this.deps.jobWaiting }, this.deps.memo);
  }

  /**
   * A job stopped the place (it is tried again after the job's answer), or it failed (the
   * document's next job analyses it and reports what fails): the document's parse goes back to its
   * text, so that the job's reparse is of its own edit only; a parse that cannot is dropped (the
   * next job parses afresh), and so is a warm-up that failed.
   */
  private stopped(plan: Plan): void {
    const byJob = this.deps.jobWaiting();
    try {
      this.deps.documents.parseFor(plan.key, plan.text);
    } catch {
      this.deps.documents.forget(plan.key);
    }
    if (!byJob) this.plan = undefined;
  }
}
