// Messages between the server and its analysis thread (analysisWorker.ts). Plain data only:
// they cross the thread boundary by structured clone.
import type { AnalyzeOptions, FileAnalysis } from './analysis/analyze';
import type { FileSummary, FunctionInfo } from './analysis/model';

export interface WorkerJob {
  id: number;
  /** The document (its URI): the thread keeps each document's last parse to reparse edits. */
  key: string;
  file: string;
  text: string;
  /** Changes to the worker's copy of every known file's summary since the previous job. */
  summaries: SummaryChanges;
  options: Omit<AnalyzeOptions, 'isCancelled' | 'discoveredEntries'>;
}

/**
 * Summary changes sent while no job needs them (after the workspace index changed), so the
 * first job does not carry every file's summary. No answer.
 */
export interface WorkerSummaries {
  summaries: SummaryChanges;
}

/** Changes to the thread's copy of the known files' summaries. */
export interface SummaryChanges {
  set: [string, FileSummary][];
  remove: string[];
}

export type WorkerMessage = WorkerJob | WorkerSummaries;

/**
 * The analysed file's summary on its way back. After an edit most of its functions are the very
 * objects of the summary of that file both sides held when the job was sent (the summary memo
 * reuses them), and copying them again was most of the cost of an answer: those go by their
 * position in that base summary.
 */
export type SummaryTransfer = { whole: FileSummary } | { delta: SummaryDelta };

export interface SummaryDelta {
  /** The summary without its functions. */
  rest: Omit<FileSummary, 'functions'>;
  /** Per function: its position in the base summary's functions when it is that object, else itself. */
  functions: (number | FunctionInfo)[];
}

/** On the thread: `summary` as a transfer relative to `base`, the thread's copy before the job. */
export function encodeSummary(summary: FileSummary, base: FileSummary | undefined): SummaryTransfer {
  if (!base) return { whole: summary };
  const positions = new Map<FunctionInfo, number>();
  base.functions.forEach((fn, at) => positions.set(fn, at));
  let shared = 0;
  const functions = summary.functions.map((fn) => {
    const at = positions.get(fn);
    if (at === undefined) return fn;
    shared++;
    return at;
  });
  if (shared === 0) return { whole: summary };
  const { functions: _whole, ...rest } = summary;
  return { delta: { rest, functions } };
}

/** On the server: the summary again, from the server's copy of the same base. */
export function decodeSummary(transfer: SummaryTransfer, base: FileSummary | undefined): FileSummary {
  if ('whole' in transfer) return transfer.whole;
  const { rest, functions } = transfer.delta;
  const resolved = functions.map((fn) => {
    if (typeof fn !== 'number') return fn;
    const shared = base?.functions[fn];
    if (!shared) throw new Error(`the analysis thread sent function ${fn} of a base summary of ${rest.file} that the server does not hold`);
    return shared;
  });
  return { ...rest, functions: resolved };
}

export type WorkerAnswer =
  | { id: number; analysis: Omit<FileAnalysis, 'summary'>; summary: SummaryTransfer }
  | { id: number; cancelled: true }
  | { id: number; error: string };
