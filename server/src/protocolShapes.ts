// The one conversion from the core's diagnostics to LSP-shaped plain objects. The language
// server sends them as they are (they are structurally LSP `Diagnostic`s) and the CLI prints
// them in `--json`, so both agree byte for byte. Deliberately free of any LSP import, so the
// CLI bundle does not pull in the protocol library.
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { AnalysisDiagnostic, Range } from './analysis/model';
import { Severity } from './analysis/model';
import { diagnosticDocUrl } from './analysis/slices/fallbackDiagnostics';

export const DIAGNOSTIC_SOURCE = 'bpf-offload';

export interface LspLocation {
  uri: string;
  range: Range;
}

export interface LspRelatedInformation {
  location: LspLocation;
  message: string;
}

export interface LspDiagnostic {
  range: Range;
  severity: Severity;
  code: string;
  codeDescription: { href: string };
  source: typeof DIAGNOSTIC_SOURCE;
  message: string;
  relatedInformation?: LspRelatedInformation[];
  data?: unknown;
}

/**
 * A file identifier as a URI. The server already names files by URI; the CLI names them by
 * path. A single letter before the colon is a Windows drive, not a scheme.
 */
export function fileIdToUri(file: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(file)) return file;
  return pathToFileURL(path.resolve(file)).href;
}

export function toLspDiagnostic(diagnostic: AnalysisDiagnostic, toUri: (file: string) => string = fileIdToUri): LspDiagnostic {
  const shaped: LspDiagnostic = {
    range: copyRange(diagnostic.range),
    severity: diagnostic.severity,
    code: diagnostic.code,
    codeDescription: { href: diagnosticDocUrl(diagnostic.code) },
    source: DIAGNOSTIC_SOURCE,
    message: diagnostic.message,
  };
  if (diagnostic.related && diagnostic.related.length > 0) {
    shaped.relatedInformation = diagnostic.related.map((r) => ({
      location: { uri: toUri(r.location.file), range: copyRange(r.location.range) },
      message: r.message,
    }));
  }
  if (diagnostic.data !== undefined) shaped.data = diagnostic.data;
  return shaped;
}

/** Words used in `file:line:col: severity: message` output, as compilers print them. */
export function severityWord(severity: Severity): 'error' | 'warning' | 'info' | 'hint' {
  switch (severity) {
    case Severity.Error:
      return 'error';
    case Severity.Warning:
      return 'warning';
    case Severity.Information:
      return 'info';
    default:
      return 'hint';
  }
}

// Copies so that a caller mutating the output can never reach into cached analysis results.
function copyRange(range: Range): Range {
  return {
    start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character },
  };
}
