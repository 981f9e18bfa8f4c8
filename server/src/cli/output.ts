// The two machine-readable outputs of `bpf-offload analyze`: compiler-style lines and one JSON
// object whose diagnostics are exactly what the language server publishes.
import { Severity } from '../analysis/model';
import { severityWord, toLspDiagnostic, LspDiagnostic } from '../protocolShapes';
import { AnalysedFile, sortDiagnostics, sortFiles } from './project';
import type { RequestEntry } from '../analysis/entries';
import type { EntrySlices } from '../analysis/slices';
import type { OffloadEstimate } from '../analysis/offload';

export const JSON_FORMAT_VERSION = 1;

export interface JsonFileReport {
  file: string;
  diagnostics: LspDiagnostic[];
  /** Request entries (analysis/entries.ts RequestEntry), each with its cost estimate under `cost`. */
  entries: (RequestEntry & { cost?: JsonCost })[];
  /** Paths of each entry (analysis/slices.ts EntrySlices). */
  slices: EntrySlices[];
}

/** An OffloadEstimate without the model input's parameter table (listed once in parametersUsed). */
export type JsonCost = Omit<OffloadEstimate, 'input'> & { input: Omit<OffloadEstimate['input'], 'parameters'> };

function jsonCost(estimate: OffloadEstimate): JsonCost {
  const { parameters: _parameters, ...input } = estimate.input;
  return { ...estimate, input };
}

function jsonEntries(file: AnalysedFile): JsonFileReport['entries'] {
  return (file.entries ?? []).map((entry) => {
    const estimate = file.offload?.find((o) => o.entryId === entry.id);
    return estimate ? { ...entry, cost: jsonCost(estimate) } : { ...entry };
  });
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
      entries: jsonEntries(file),
      slices: file.slices ?? [],
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
