// `bpf-offload report`: what a person reads in the terminal after `npm start`. For each analysed
// file: its functions, the request entries the analysis starts from, how many findings each rule
// produced (with the rule's title, so the code needs no lookup), and the findings themselves.
import type { AnalyzeOptions } from '../analysis/analyze';
import type { AnalysisDiagnostic } from '../analysis/model';
import { Severity } from '../analysis/model';
import { ruleByCode } from '../analysis/rules/definitions';
import { isOffloadDiagnosticCode } from '../analysis/slices/fallbackDiagnostics';
import { severityWord } from '../protocolShapes';
import { AnalysedFile, ProjectAnalysis, sortDiagnostics, sortFiles } from './project';

const SEVERITIES = [Severity.Error, Severity.Warning, Severity.Information, Severity.Hint];

export function formatReport(project: ProjectAnalysis, named: string[], options: AnalyzeOptions): string {
  const out: string[] = [];
  const headers = [...project.summaries.keys()].filter((f) => f.endsWith('.h'));
  out.push(`BPF Offload report for ${named.join(', ')}`);
  out.push(
    `  ${plural(project.files.length, 'C file')} analysed, ${plural(headers.length, 'header')} read; ` +
      `target kernel ${options.targetKernel}, program type ${options.programType}`,
  );

  for (const file of sortFiles(project.files)) {
    out.push('', file.file, ...describeFile(file, options));
  }

  const all = project.files.flatMap((f) => f.diagnostics);
  const functionCount = project.files.reduce((n, f) => n + f.summary.functions.length, 0);
  out.push('', `Total: ${plural(functionCount, 'function')}, ${countsBySeverity(all)}.`);
  return out.join('\n') + '\n';
}

function describeFile(file: AnalysedFile, options: AnalyzeOptions): string[] {
  const lines: string[] = [];
  const names = file.summary.functions.map((f) => f.name);
  lines.push(`  functions (${names.length}): ${names.length ? abbreviatedList(names) : 'none'}`);
  const entries = entriesOf(file, options);
  lines.push(`  entries (${entries.length}):${entries.length ? '' : ' none found (add `// bpf-offload: entry` above a handler, or --entry NAME)'}`);
  for (const entry of entries) lines.push(`    ${entry}`);
  if (file.summary.hasSyntaxErrors) lines.push('  note: the file has syntax errors; results are best effort');

  if (file.diagnostics.length === 0) {
    lines.push('  findings: none');
    return lines;
  }
  lines.push(`  findings: ${countsBySeverity(file.diagnostics)}`);
  for (const row of rowsByRule(file.diagnostics)) {
    lines.push(`    ${pad(String(row.count), 4, true)}  ${pad(row.severity, 8)}${pad(row.code, 24)}${row.title}`);
  }
  // The file is named in the heading, so each finding starts at its line:column.
  lines.push('  details:');
  for (const d of sortDiagnostics(file.diagnostics)) {
    const at = `${d.range.start.line + 1}:${d.range.start.character + 1}`;
    lines.push(`    ${pad(at, 9)}${pad(severityWord(d.severity), 8)}${d.message.replace(/\s*\n\s*/g, ' ')} [${d.code}]`);
  }
  return lines;
}

/**
 * The request entries: those the entry analysis found, with what it concluded, or when it has not
 * run, the functions annotated `// bpf-offload: entry` and those named by --entry.
 */
function entriesOf(file: AnalysedFile, options: AnalyzeOptions): string[] {
  if (file.entries) {
    return file.entries.map((e) => `${e.name} (${e.how}${e.protocol !== 'unknown' ? `, ${e.protocol}` : ''}${e.port !== undefined ? ` port ${e.port}` : ''}): ${e.summary}`);
  }
  const defined = new Set(file.summary.functions.map((f) => f.name));
  const names: string[] = [];
  for (const annotation of file.summary.annotations) {
    if (annotation.kind === 'entry' && annotation.functionName) names.push(`${annotation.functionName} (annotation)`);
  }
  for (const name of options.entries) {
    if (defined.has(name)) names.push(`${name} (--entry)`);
  }
  return names;
}

interface RuleRow {
  code: string;
  title: string;
  severity: string;
  count: number;
}

function rowsByRule(diagnostics: AnalysisDiagnostic[]): RuleRow[] {
  const rows = new Map<string, RuleRow & { rank: number }>();
  for (const d of diagnostics) {
    const key = `${d.severity}\u0000${d.code}`;
    const row = rows.get(key);
    if (row) {
      row.count++;
    } else {
      const title = ruleTitle(d.code);
      rows.set(key, { code: d.code, title, severity: severityWord(d.severity), count: 1, rank: d.severity });
    }
  }
  return [...rows.values()].sort((a, b) => a.rank - b.rank || b.count - a.count || (a.code < b.code ? -1 : 1));
}

// Fallback diagnostics are not rules (see fallbackDiagnostics.ts) and have no entry in RULES.
function ruleTitle(code: string): string {
  if (isOffloadDiagnosticCode(code)) return 'Request path falls back to userspace here';
  return ruleByCode(code)?.title ?? '(unknown rule)';
}

function countsBySeverity(diagnostics: AnalysisDiagnostic[]): string {
  const words: Record<number, [string, string]> = {
    [Severity.Error]: ['error', 'errors'],
    [Severity.Warning]: ['warning', 'warnings'],
    [Severity.Information]: ['info', 'info'],
    [Severity.Hint]: ['hint', 'hints'],
  };
  return SEVERITIES.map((s) => {
    const n = diagnostics.filter((d) => d.severity === s).length;
    return `${n} ${n === 1 ? words[s][0] : words[s][1]}`;
  }).join(', ');
}

function abbreviatedList(names: string[]): string {
  const shown = names.slice(0, 12).join(', ');
  return names.length > 12 ? `${shown}, … (${names.length - 12} more)` : shown;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function pad(text: string, width: number, right = false): string {
  if (text.length >= width) return text + ' ';
  const fill = ' '.repeat(width - text.length);
  return right ? fill + text : text + fill;
}
