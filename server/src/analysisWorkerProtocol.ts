// Messages between the server and its analysis thread (analysisWorker.ts). Plain data only:
// they cross the thread boundary by structured clone.
import type { AnalyzeOptions, FileAnalysis } from './analysis/analyze';
import type { AnalysisDiagnostic, FileSummary } from './analysis/model';
import type { EncodedTree } from './analysis/plainTreeEncoding';

export interface WorkerJob {
  id: number;
  /** The document (its URI): the thread keeps each document's last parse to reparse edits. */
  key: string;
  file: string;
  text: string;
  /** Changes to the worker's copy of every known file's summary since the previous job. */
  summaries: SummaryChanges;
  /**
   * The thread's copy of this file's summary (after `summaries`) was computed from exactly `text`:
   * the analysis takes it instead of summarising the file (the index's, for a file opened unchanged).
   */
  heldSummaryIsOfText?: boolean;
  /**
   * The workspace index's encoded syntax tree of exactly `text` (plainTreeEncoding.ts): a thread
   * that keeps no parse of the document rebuilds its plain tree from it instead of parsing.
   */
  encodedTree?: EncodedTree;
  options: Omit<AnalyzeOptions, 'isCancelled' | 'discoveredEntries' | 'summaryOfText'>;
  /** The answer whose diagnostics of this key the server holds (HeldDiagnostics), if any. */
  diagnosticsBase?: number;
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
 * The shared slots between the server and the thread (Int32 each): the id of the job the server
 * no longer wants, and how many jobs it has posted (the thread's idle work stops when it grows).
 */
export const CANCELLED_JOB_SLOT = 0;
export const JOBS_POSTED_SLOT = 1;
export const SHARED_SLOTS = 2;

/**
 * Documents the thread keeps a parse and the last sent diagnostics of, the least recently
 * analysed one freed beyond this; the server keeps the diagnostics it decoded for as many.
 */
export const KEPT_DOCUMENTS = 8;

/**
 * An array sent against a base array both sides hold: an element that is the very object at some
 * position of the base goes as that position, the others go themselves. After an edit the
 * analysis hands out most of the objects of the previous answer again (the summary memo, the
 * declaration memo, the rules memo), and copying them across the thread again was most of the
 * cost of an answer.
 */
export type SharedArray<T> = (number | T)[];

/** `items` against `base`, and how many of them went by position. */
export function encodeShared<T extends object>(items: readonly T[], base: readonly T[]): { encoded: SharedArray<T>; shared: number } {
  const positions = new Map<T, number>();
  base.forEach((item, at) => positions.set(item, at));
  let shared = 0;
  const encoded = items.map((item) => {
    const at = positions.get(item);
    if (at === undefined) return item;
    shared++;
    return at;
  });
  return { encoded, shared };
}

/** The array again, from the receiver's copy of the same base; throws if the base lacks a position. */
export function decodeShared<T extends object>(encoded: SharedArray<T>, base: readonly T[] | undefined, what: string): T[] {
  return encoded.map((item) => {
    if (typeof item !== 'number') return item;
    const shared = base?.[item];
    if (!shared) throw new Error(`the analysis thread sent element ${item} of a base ${what} that the server does not hold`);
    return shared;
  });
}

/**
 * The parts of a summary that keep their objects from one summary of a file to the next: reused
 * functions (summary memo) and the globals and prototypes of unchanged declarations (declaration
 * memo). Records, enums, typedefs and defines are built afresh by every summary.
 */
const SHARED_SUMMARY_PARTS = ['functions', 'globals', 'prototypes'] as const;
type SharedSummaryPart = (typeof SHARED_SUMMARY_PARTS)[number];

/**
 * The analysed file's summary on its way back, relative to the summary of that file both sides
 * held when the job was sent.
 */
export type SummaryTransfer = { whole: FileSummary } | { delta: SummaryDelta };

export interface SummaryDelta {
  /** The summary without its shared parts. */
  rest: Omit<FileSummary, SharedSummaryPart>;
  shared: { [Part in SharedSummaryPart]: SharedArray<FileSummary[Part][number]> };
}

/** On the thread: `summary` as a transfer relative to `base`, the thread's copy before the job. */
export function encodeSummary(summary: FileSummary, base: FileSummary | undefined): SummaryTransfer {
  if (!base) return { whole: summary };
  const { functions, globals, prototypes, ...rest } = summary;
  const parts = { functions: encodeShared(functions, base.functions), globals: encodeShared(globals, base.globals), prototypes: encodeShared(prototypes, base.prototypes) };
  if (SHARED_SUMMARY_PARTS.every((part) => parts[part].shared === 0)) return { whole: summary };
  return { delta: { rest, shared: { functions: parts.functions.encoded, globals: parts.globals.encoded, prototypes: parts.prototypes.encoded } } };
}

/** On the server: the summary again, from the server's copy of the same base. */
export function decodeSummary(transfer: SummaryTransfer, base: FileSummary | undefined): FileSummary {
  if ('whole' in transfer) return transfer.whole;
  const { rest, shared } = transfer.delta;
  const what = (part: SharedSummaryPart) => `summary's ${part} of ${rest.file}`;
  return {
    ...rest,
    functions: decodeShared(shared.functions, base?.functions, what('functions')),
    globals: decodeShared(shared.globals, base?.globals, what('globals')),
    prototypes: decodeShared(shared.prototypes, base?.prototypes, what('prototypes')),
  };
}

/**
 * The diagnostics of one answer for a document, as the side holding them got them. Both sides
 * keep the latest per document: the thread those it sent, the server those it decoded. The
 * answer's id names them, and a job says which the server holds (WorkerJob.diagnosticsBase),
 * so the thread never counts on what the server did not decode (an answer it dropped, a
 * restarted thread).
 */
export interface HeldDiagnostics {
  answerId: number;
  diagnostics: readonly AnalysisDiagnostic[];
}

/** An answer's diagnostics: whole, or against the held diagnostics of answer `base` (the rules memo hands out the same objects for the functions it reuses). */
export type DiagnosticsTransfer = { whole: AnalysisDiagnostic[] } | { base: number; shared: SharedArray<AnalysisDiagnostic> };

/** On the thread: against `held` when it is what the server holds (`serverHolds`, the answer id the job named). */
export function encodeDiagnostics(diagnostics: AnalysisDiagnostic[], held: HeldDiagnostics | undefined, serverHolds: number | undefined): DiagnosticsTransfer {
  if (!held || serverHolds === undefined || held.answerId !== serverHolds) return { whole: diagnostics };
  const { encoded, shared } = encodeShared(diagnostics, held.diagnostics);
  return shared === 0 ? { whole: diagnostics } : { base: held.answerId, shared: encoded };
}

/** On the server: the diagnostics again; throws unless `held` is the base the thread encoded against. */
export function decodeDiagnostics(transfer: DiagnosticsTransfer, held: HeldDiagnostics | undefined, key: string): AnalysisDiagnostic[] {
  if ('whole' in transfer) return transfer.whole;
  if (held?.answerId !== transfer.base) {
    throw new Error(`the analysis thread sent diagnostics of ${key} against answer ${transfer.base}, but the server holds ${held ? `answer ${held.answerId}'s` : 'none'}`);
  }
  return decodeShared(transfer.shared, held.diagnostics, `diagnostics of ${key}`);
}

/** How many of the diagnostics went by their position in the base. */
export function sentByPosition(transfer: DiagnosticsTransfer): number {
  return 'whole' in transfer ? 0 : transfer.shared.filter((d) => typeof d === 'number').length;
}

export type WorkerAnswer =
  | {
      id: number;
      analysis: Omit<FileAnalysis, 'summary' | 'diagnostics'>;
      summary: SummaryTransfer;
      diagnostics: DiagnosticsTransfer;
      /** Milliseconds the thread spent on the job (reparse, analysis, encoding the answer), for the debug log. */
      threadMs: number;
    }
  | { id: number; cancelled: true }
  | { id: number; error: string };

/** What the thread tells the server of its own accord, for the debug log: a document warm-up finished (documentWarmUp.ts). */
export interface WorkerNotice {
  warmedUp: string;
  places: number;
  lines: number;
  ms: number;
}
