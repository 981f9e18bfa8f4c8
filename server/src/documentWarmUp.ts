// The analysis thread's warm-up on the document it has just answered (analysisWarmUp.ts says why):
// while the thread is idle, a character is typed at each of a few places of the document and taken
// back, every version analysed as an edit of the document is, with the document's own parse and
// the thread's memo. One analysis per turn of the event loop, and none while a job has been posted
// and not yet received (the server counts them in a shared slot): a job waits for one step of one
// analysis at most.
//
// What the server holds must stay as it was: the warm-up's analyses leave the thread's copy of the
// file's summary alone (the server names it as the base of the next answer's summary; analyzeFile
// works on a copy of the map), and the diagnostics last sent. The document ends as it began, with the last character
// taken back; a warm-up stopped between the two leaves the parse one character off, which the
// next job's reparse undoes like any edit.
import { performance } from 'node:perf_hooks';
import { analyzeFile, type AnalysisMemo } from './analysis/analyze';
import type { FileSummary } from './analysis/model';
import { DOCUMENT_WARM_UP_PLACES, functionLines, WARM_UP_TYPED, warmsUpDocument, warmUpEditOffsets } from './analysisWarmUp';
import type { WorkerJob } from './analysisWorkerProtocol';
import type { KeptDocuments } from './workerDocuments';

export interface DocumentWarmUpDeps {
  documents: KeptDocuments;
  summaries: Map<string, FileSummary>;
  memo: AnalysisMemo;
  /**
   * Whether the server has posted a job the thread has not yet received: checked before each step
   * and between the steps of each analysis, so that a job posted while a step was about to start
   * does not wait for all of it.
   */
  jobWaiting: () => boolean;
  /** Told when a warm-up has gone through all its places. */
  finished: (report: { key: string; places: number; lines: number; ms: number }) => void;
  places?: number;
  minLines?: number;
}

interface Plan {
  key: string;
  file: string;
  /** The document's text as last answered: what each step types into and returns to. */
  text: string;
  options: WorkerJob['options'];
  offsets: number[];
  lines: number;
  /** Analyses done: two per place, the character typed and taken back. */
  done: number;
  /** Milliseconds spent in its analyses so far. */
  ms: number;
}

export class DocumentWarmUp {
  private plan: Plan | undefined;
  /** Lines of the largest document warmed up on in this thread (0: none yet). */
  private warmedLines = 0;
  private stepQueued = false;

  constructor(private readonly deps: DocumentWarmUpDeps) {}

  /**
   * After the thread answered `job` with `summary` (the analysis of `job.text`): a warm-up under
   * way on this document goes on from its new text; another document's is dropped; a large
   * enough document that has none gets one. Either way it runs only while the thread is idle.
   */
  answered(job: WorkerJob, summary: FileSummary): void {
    const places = this.deps.places ?? DOCUMENT_WARM_UP_PLACES;
    const lines = functionLines(summary.functions);
    if (this.plan?.key !== job.key) {
      this.plan = undefined;
      if (places <= 0 || !warmsUpDocument(lines, this.warmedLines, this.deps.minLines)) return;
      this.plan = { key: job.key, file: job.file, text: job.text, options: job.options, offsets: [], lines, done: 0, ms: 0 };
    }
    // The places follow the edits: offsets into the text the document now has.
    Object.assign(this.plan, { text: job.text, options: job.options, offsets: warmUpEditOffsets(job.text, summary.functions, places), lines });
    this.queueStep();
  }

  /** A job of another document arrived: this warm-up is dropped (the next answer may start one). */
  jobArrived(key: string): void {
    if (this.plan && this.plan.key !== key) this.plan = undefined;
  }

  /** Whether a warm-up is planned and not finished (for tests and the debug log). */
  get pending(): boolean {
    return this.plan !== undefined;
  }

  private queueStep(): void {
    if (this.stepQueued) return;
    this.stepQueued = true;
    setImmediate(() => {
      this.stepQueued = false;
      this.step();
    });
  }

  private step(): void {
    const plan = this.plan;
    if (!plan) return;
    const isCancelled = this.deps.jobWaiting;
    if (isCancelled()) return;
    const at = plan.offsets[plan.done >> 1];
    if (at === undefined) {
      this.plan = undefined;
      this.warmedLines = Math.max(this.warmedLines, plan.lines);
      this.deps.finished({ key: plan.key, places: plan.done >> 1, lines: plan.lines, ms: plan.ms });
      return;
    }
    const typed = plan.done % 2 === 0;
    const text = typed ? plan.text.slice(0, at) + WARM_UP_TYPED + plan.text.slice(at) : plan.text;
    const { summaries, documents, memo } = this.deps;
    const started = performance.now();
    try {
      const document = documents.parseFor(plan.key, text);
      analyzeFile(plan.file, document.parse.plain, text, summaries, { ...plan.options, isCancelled }, memo);
      plan.done++;
    } catch {
      // Stopped by a job (it runs next and this step is tried again after its answer), or failed:
      // then the document's next job analyses it and reports what fails. The parse may be
      // half-updated: the next use parses afresh.
      if (!isCancelled()) {
        documents.forget(plan.key);
        this.plan = undefined;
      }
    } finally {
      plan.ms += performance.now() - started;
    }
    if (this.plan === plan && !isCancelled()) this.queueStep();
  }
}
