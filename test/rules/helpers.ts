// Runs the whole pipeline (parse → summary → program facts → rules) on strings of C.
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS, type AnalyzeOptions } from '../../server/src/analysis/analyze';
import { summarizeFile } from '../../server/src/analysis/summarize';
import type { AnalysisDiagnostic, FileSummary } from '../../server/src/analysis/model';
import { Severity } from '../../server/src/analysis/model';

export { Severity };

/** Diagnostics of `files[main]` analysed with all `files` known. */
export async function analyzeProgram(
  files: Record<string, string>,
  main: string,
  options: Partial<AnalyzeOptions> = {},
): Promise<AnalysisDiagnostic[]> {
  await initC();
  const others = new Map<string, FileSummary>();
  for (const [file, text] of Object.entries(files)) {
    if (file === main) continue;
    const parsed = parseC(text);
    const tree = plainTreeOf(parsed);
    try {
      others.set(file, summarizeFile(file, tree, text));
    } finally {
      parsed.delete();
    }
  }
  const parsed = parseC(files[main]);
  const tree = plainTreeOf(parsed);
  try {
    return analyzeFile(main, tree, files[main], others, { ...DEFAULT_ANALYZE_OPTIONS, ...options }).diagnostics;
  } finally {
    parsed.delete();
  }
}

export function analyzeC(text: string, options: Partial<AnalyzeOptions> = {}): Promise<AnalysisDiagnostic[]> {
  return analyzeProgram({ 'main.c': text }, 'main.c', options);
}

export function withCode(diagnostics: AnalysisDiagnostic[], code: string): AnalysisDiagnostic[] {
  return diagnostics.filter((d) => d.code === code);
}

export function describe(diagnostics: AnalysisDiagnostic[]): string {
  return diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character} ${Severity[d.severity]} ${d.code}: ${d.message}`).join('\n');
}
