// The two machine-readable outputs of `bpf-offload analyze`: compiler-style lines and one JSON
// object whose diagnostics are exactly what the language server publishes.
import { Severity } from '../analysis/model';
import { severityWord, toLspDiagnostic, LspDiagnostic } from '../protocolShapes';
import { AnalysedFile, sortDiagnostics, sortFiles } from './project';

export const JSON_FORMAT_VERSION = 1;

export interface JsonFileReport {
  file: string;
  diagnostics: LspDiagnostic[];
  /** Filled by the entry-detection work; empty until then. */
  entries: unknown[];
  /** Filled by the slicing work; empty until then. */
  slices: unknown[];
}

export interface JsonReport {
  version: typeof JSON_FORMAT_VERSION;
  files: JsonFileReport[];
}

/** `file:line:col: severity: message [code]`, 1-based, one line per diagnostic. */
export function formatLines(files: AnalysedFile[]): string[] {
  const lines: string[] = [];
  for (const file of sortFiles(files)) {
    for (const d of sortDiagnostics(file.diagnostics)) {
      const line = d.range.start.line + 1;
      const column = d.range.start.character + 1;
      lines.push(`${file.file}:${line}:${column}: ${severityWord(d.severity)}: ${oneLine(d.message)} [${d.code}]`);
    }
  }
  return lines;
}

export function toJsonReport(files: AnalysedFile[]): JsonReport {
  return {
    version: JSON_FORMAT_VERSION,
    files: sortFiles(files).map((file) => ({
      file: file.file,
      diagnostics: sortDiagnostics(file.diagnostics).map((d) => toLspDiagnostic(d)),
      entries: [],
      slices: [],
    })),
  };
}

export function hasErrors(files: AnalysedFile[]): boolean {
  return files.some((file) => file.diagnostics.some((d) => d.severity === Severity.Error));
}

// A message with a newline would break the one-diagnostic-per-line contract that editors'
// problem matchers rely on.
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}
