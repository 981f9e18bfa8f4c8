// Messages between the server and its analysis thread (analysisWorker.ts). Plain data only:
// they cross the thread boundary by structured clone.
import type { AnalyzeOptions, FileAnalysis } from './analysis/analyze';
import type { FileSummary } from './analysis/model';

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

export type WorkerAnswer =
  | { id: number; analysis: FileAnalysis }
  | { id: number; cancelled: true }
  | { id: number; error: string };
