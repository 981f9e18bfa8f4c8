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
  summaries: { set: [string, FileSummary][]; remove: string[] };
  options: Omit<AnalyzeOptions, 'isCancelled' | 'discoveredEntries'>;
}

/** The document was closed: the thread frees what it kept for it. No answer. */
export interface WorkerForget {
  forget: string;
}

export type WorkerMessage = WorkerJob | WorkerForget;

export type WorkerAnswer =
  | { id: number; analysis: FileAnalysis }
  | { id: number; cancelled: true }
  | { id: number; error: string };
