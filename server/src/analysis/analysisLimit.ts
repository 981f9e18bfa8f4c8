// When a step of the pipeline cannot finish on some input (code nested thousands of levels deep
// overflows a recursive walk; a bug meets malformed C), the rest of the analysis still stands:
// the caller publishes what the other steps found plus ONE Information diagnostic saying which
// step stopped and why. It is not a rule (nothing about BPF is wrong with the code), so it is
// outside RULES and documented in docs/editor.md#analysis-limits.
import { Severity, type AnalysisDiagnostic, type FileSummary, type Range } from './model';
import type { Tree } from './syntax';

export const ANALYSIS_LIMIT_CODE = 'analysis-limit';
export const ANALYSIS_LIMIT_DOCS_URL = 'https://github.com/bpf-offload/bpf-offload/blob/main/docs/editor.md#analysis-limits';

export function emptySummary(file: string): FileSummary {
  return { file, functions: [], prototypes: [], globals: [], records: [], typedefs: [], enums: [], defines: [], annotations: [], includes: [], hasSyntaxErrors: true };
}

/** The deepest node of a tree and its depth, found without recursion (the reason recursion failed). */
export function deepestNode(tree: Tree): { depth: number; range: Range } {
  const cursor = tree.walk();
  let depth = 0;
  let best = { depth: 0, row: 0, column: 0 };
  try {
    for (;;) {
      if (depth > best.depth) best = { depth, row: cursor.startPosition.row, column: cursor.startPosition.column };
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return { depth: best.depth, range: pointRange(best.row, best.column) };
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

const pointRange = (line: number, character: number): Range => ({ start: { line, character }, end: { line, character } });

/** Why a step failed, in the user's words. */
export function describeFailure(error: unknown, tree: Tree | undefined): { reason: string; range: Range } {
  if (error instanceof RangeError && /call stack/i.test(error.message) && tree) {
    const deepest = deepestNode(tree);
    return { reason: `the code is nested ${deepest.depth} syntax levels deep here, deeper than the analysis can follow`, range: deepest.range };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: `internal error: ${message.split('\n')[0].slice(0, 200)}`, range: pointRange(0, 0) };
}

/** The single diagnostic naming every step that could not complete. */
export function analysisLimitDiagnostic(file: string, failures: { step: string; reason: string; range: Range }[]): AnalysisDiagnostic {
  const steps = failures.map((f) => `${f.step} (${f.reason})`).join('; ');
  return {
    file,
    range: failures[0].range,
    severity: Severity.Information,
    code: ANALYSIS_LIMIT_CODE,
    message: `BPF Offload could not complete: ${steps}. What is shown comes from the steps that finished.`,
  };
}
