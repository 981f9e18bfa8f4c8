// Runs the analysis pipeline over a set of files the way the server does over a workspace:
// every file is summarised first, so calls and types resolve across files, then each .c file is
// analysed against the summaries of all the others.
import type { AnalyzeOptions } from '../analysis/analyze';
import { analyzeFile } from '../analysis/analyze';
import type { AnalysisDiagnostic, FileSummary } from '../analysis/model';
import { summarizeFile } from '../analysis/summarize';
import type { Tree } from '../analysis/syntax';
import { initC, parsePlainC } from '../analysis/syntax';
import type { SourceFile } from './inputs';
import type { RequestEntry } from '../analysis/entries';
import type { EntrySlices } from '../analysis/slices';
import type { OffloadEstimate } from '../analysis/offload';

export interface AnalysedFile {
  file: string;
  summary: FileSummary;
  diagnostics: AnalysisDiagnostic[];
  entries?: RequestEntry[];
  slices?: EntrySlices[];
  offload?: OffloadEstimate[];
}

export interface ProjectAnalysis {
  /** Analysed (.c) files, in the order they were named. */
  files: AnalysedFile[];
  /** Summaries of every file read, headers included. */
  summaries: Map<string, FileSummary>;
}

export async function analyseProject(sources: SourceFile[], options: AnalyzeOptions): Promise<ProjectAnalysis> {
  await initC();
  const trees = new Map<string, Tree>();
  {
    const summaries = new Map<string, FileSummary>();
    for (const source of sources) {
      const tree = parsePlainC(source.text);
      trees.set(source.path, tree);
      summaries.set(source.path, summarizeFile(source.path, tree, source.text));
    }
    const files: AnalysedFile[] = [];
    for (const source of sources) {
      if (!source.analyse) continue;
      const others = new Map(summaries);
      others.delete(source.path);
      const result = analyzeFile(source.path, trees.get(source.path)!, source.text, others, options);
      files.push({
        file: source.path,
        summary: result.summary,
        diagnostics: result.diagnostics,
        entries: result.entries,
        slices: result.slices,
        offload: result.offload,
      });
    }
    return { files, summaries };
  }
}

/** Diagnostics in reading order: by line, then column. */
export function sortDiagnostics(diagnostics: AnalysisDiagnostic[]): AnalysisDiagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      a.severity - b.severity ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** Files in a stable order for output: by path. */
export function sortFiles(files: AnalysedFile[]): AnalysedFile[] {
  return [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
