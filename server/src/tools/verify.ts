// The verify command: compile a generated NAME.bpf.c, load it into the running kernel when this
// process may, and turn whatever refused it (clang, libbpf, the verifier) into diagnostics on
// the generated file and, through the generator's line map, on the server source the user wrote.
// Every outcome is data: a check that could not run says which and why instead of throwing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { AnalysisDiagnostic, Range, Severity } from '../analysis/model';
import { ClangDiagnostic, compileBpf } from './compile';
import { LoadOptions, LoadResult, loadBpfObject } from './load';
import { LineMap, lineMapPath, originalLineOf, readLineMap, resolveOriginal } from './lineMap';
import { Toolchain, ToolchainOptions, findToolchain } from './toolchain';
import { extractProgLoadLog } from './verifierLog';

export type VerifyDiagnosticCode = 'compile-error' | 'compile-warning' | 'verifier-rejected' | 'load-failed';

/** passed / failed: the check ran; not-run: it could not (see reason). */
export type CheckStatus = 'passed' | 'failed' | 'not-run';

export interface CheckOutcome {
  status: CheckStatus;
  /** Why it failed or did not run, in one sentence for people. */
  reason?: string;
}

export interface LoadOutcome extends CheckOutcome {
  /** Programs the kernel accepted (they are unloaded again at once). */
  programs?: string[];
  /** The program the verifier refused, from libbpf's "prog 'NAME'" messages. */
  program?: string;
  processedInsns?: number;
}

export interface VerifyReport {
  /** The generated C file (absolute). */
  source: string;
  compile: CheckOutcome;
  load: LoadOutcome;
  /** On the generated file (and headers it includes), then the same problems on the original source. */
  diagnostics: AnalysisDiagnostic[];
  /** The verifier log of the refused program (between libbpf's BEGIN/END markers), to save as NAME.verifier.log. */
  verifierLog?: string;
  /** bpftool's whole output, for a log channel. */
  loaderOutput?: string;
  lineMap: { status: 'given' | 'loaded' | 'missing' | 'invalid'; path?: string; reason?: string };
  /** One line: what passed, what failed, what could not run. */
  summary: string;
}

export interface VerifyOptions extends ToolchainOptions, LoadOptions {
  /** The generator's map; default: NAME.bpf.c.map.json beside the source, if present. */
  lineMap?: LineMap;
  /** Where relative `sources` of a given lineMap are resolved; default the source's directory. */
  lineMapDir?: string;
  /** Skip the load as an unprivileged process would (for tests and for "compile only"). */
  assumeUnprivileged?: boolean;
  extraClangArgs?: string[];
}

export const NOT_PRIVILEGED_REASON =
  'not loaded: needs root/CAP_BPF (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN for the private bpffs); only the compile check ran';

/** Compiles `sourcePath` into a temporary directory, then checks the object as verifyBpfObject does. */
export async function verifyGeneratedSource(sourcePath: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const source = resolve(sourcePath);
  const lineMap = lineMapFor(source, options);
  const found = findToolchain(options);
  if (!found.ok) {
    const reason = `${found.error.message}. ${found.error.hint}`;
    return finish(source, { status: 'not-run', reason }, { status: 'not-run', reason: 'not loaded: nothing was compiled' }, [], lineMap);
  }
  const outDir = mkdtempSync(join(options.tempRoot ?? tmpdir(), 'bpf-offload-verify-'));
  try {
    const compiled = await compileBpf(found.toolchain, source, { outDir, extraArgs: options.extraClangArgs, timeoutMs: options.timeoutMs });
    if (compiled.error) {
      const reason = `${compiled.error.message}. ${compiled.error.hint}`;
      return finish(source, { status: 'not-run', reason }, { status: 'not-run', reason: 'not loaded: nothing was compiled' }, [], lineMap);
    }
    const diagnostics = diagnosticsFromClang(compiled.diagnostics, dirname(source));
    if (!compiled.ok) {
      const first = diagnostics.find((d) => d.severity === Severity.Error);
      const reason = first ? `clang: ${first.message}` : `clang failed: ${compiled.output.trim().split('\n')[0] ?? ''}`;
      if (!first) diagnostics.push(diagnosticAt(source, 1, Severity.Error, 'compile-error', reason));
      return finish(source, { status: 'failed', reason }, { status: 'not-run', reason: 'not loaded: the compile failed' }, diagnostics, lineMap);
    }
    const checked = await checkObject(found.toolchain, compiled.objectPath, source, options);
    return finish(source, { status: 'passed' }, checked.load, [...diagnostics, ...checked.diagnostics], lineMap, checked.extras);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * Loads an object built elsewhere (e.g. by the generated Makefile) and maps a refusal onto
 * `sourcePath`, the C file it was compiled from (with -g, or no line can be named).
 */
export async function verifyBpfObject(objectPath: string, sourcePath: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const source = resolve(sourcePath);
  const lineMap = lineMapFor(source, options);
  const found = findToolchain(options);
  const compile: CheckOutcome = { status: 'passed', reason: 'compiled elsewhere' };
  if (!found.ok) {
    return finish(source, compile, { status: 'not-run', reason: `not loaded: ${found.error.message}. ${found.error.hint}` }, [], lineMap);
  }
  const checked = await checkObject(found.toolchain, resolve(objectPath), source, options);
  return finish(source, compile, checked.load, checked.diagnostics, lineMap, checked.extras);
}

interface ObjectCheck {
  load: LoadOutcome;
  diagnostics: AnalysisDiagnostic[];
  extras: Pick<VerifyReport, 'verifierLog' | 'loaderOutput'>;
}

async function checkObject(toolchain: Toolchain, objectPath: string, source: string, options: VerifyOptions): Promise<ObjectCheck> {
  if (options.assumeUnprivileged) return { load: { status: 'not-run', reason: NOT_PRIVILEGED_REASON }, diagnostics: [], extras: {} };
  const loaded = await loadBpfObject(toolchain, objectPath, options);
  return interpretLoad(loaded, source);
}

/** What a load attempt means for the user; exported so callers with their own LoadResult get the same diagnostics. */
export function interpretLoad(loaded: LoadResult, source: string): ObjectCheck {
  const extras = { loaderOutput: loaded.output || undefined, verifierLog: extractProgLoadLog(loaded.output) };
  if (loaded.error) {
    const reason = loaded.error.kind === 'not-privileged' ? NOT_PRIVILEGED_REASON : `not loaded: ${loaded.error.message}. ${loaded.error.hint}`;
    return { load: { status: 'not-run', reason }, diagnostics: [], extras };
  }
  if (loaded.ok) {
    const load: LoadOutcome = { status: 'passed', programs: loaded.programs };
    if (loaded.cleanupError) load.reason = `loaded, but clean-up failed: ${loaded.cleanupError}`;
    return { load, diagnostics: [], extras };
  }
  const rejection = loaded.rejection ?? { stage: 'loader' as const, message: 'the load failed without a reason' };
  const program = /prog '([^']+)': (?:BPF program load failed|failed to load)/.exec(loaded.output)?.[1];
  const who = program ? `program ${program}` : 'the program';
  if (rejection.stage === 'loader') {
    const message = `libbpf refused ${who} before the verifier saw it: ${rejection.message}`;
    return {
      load: { status: 'failed', reason: message, program },
      diagnostics: [diagnosticAt(source, 1, Severity.Error, 'load-failed', message)],
      extras,
    };
  }
  const insns = rejection.processedInsns !== undefined ? ` (after ${rejection.processedInsns} instructions)` : '';
  const message = `the BPF verifier rejected ${who}: ${rejection.message.replace(/\n/g, '; ')}${insns}`;
  const file = rejection.file ? logFileToPath(rejection.file, source) : source;
  const line = rejection.file && rejection.line ? rejection.line : 1;
  const located = rejection.file && rejection.line ? message : `${message} — the log names no source line (compile with -g)`;
  return {
    load: { status: 'failed', reason: message, program, processedInsns: rejection.processedInsns },
    diagnostics: [diagnosticAt(file, line, Severity.Error, 'verifier-rejected', located)],
    extras,
  };
}

// The kernel prints only the base name of the file from BTF line info.
function logFileToPath(logFile: string, source: string): string {
  if (basename(logFile) === basename(source)) return source;
  return resolve(dirname(source), logFile);
}

/** clang's errors and warnings as diagnostics; its notes become related information of the diagnostic before them. */
export function diagnosticsFromClang(records: ClangDiagnostic[], baseDir: string): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  for (const record of records) {
    const file = record.file ? resolve(baseDir, record.file) : undefined;
    if (record.severity === 'note') {
      const previous = diagnostics[diagnostics.length - 1];
      if (previous && file && record.line) {
        (previous.related ??= []).push({ location: { file, range: columnRange(file, record.line, record.column) }, message: record.message });
      }
      continue;
    }
    const isError = record.severity !== 'warning';
    const where = file ?? join(baseDir, '(unknown)');
    diagnostics.push({
      file: where,
      range: record.line ? columnRange(where, record.line, record.column) : lineRange(where, 1),
      severity: isError ? Severity.Error : Severity.Warning,
      code: isError ? 'compile-error' : 'compile-warning',
      message: record.message,
    });
  }
  return diagnostics;
}

/**
 * The same problems on the original source: each diagnostic on a mapped line of the generated
 * file is repeated on the original line, pointing back at the generated place.
 */
export function mapToOriginal(diagnostics: AnalysisDiagnostic[], generatedPath: string, map: LineMap, mapDir: string): AnalysisDiagnostic[] {
  const mapped: AnalysisDiagnostic[] = [];
  for (const diagnostic of diagnostics) {
    if (basename(diagnostic.file) !== map.generated || resolve(diagnostic.file) !== resolve(generatedPath)) continue;
    const generatedLine = diagnostic.range.start.line + 1;
    const origin = originalLineOf(map, generatedLine);
    if (!origin) continue;
    const file = resolveOriginal(mapDir, origin.file);
    mapped.push({
      ...diagnostic,
      file,
      range: lineRange(file, origin.line),
      message: `${diagnostic.message} [in generated ${map.generated}:${generatedLine}]`,
      related: [{ location: { file: diagnostic.file, range: diagnostic.range }, message: `generated from this line as ${map.generated}:${generatedLine}` }],
    });
  }
  return mapped;
}

function lineMapFor(source: string, options: VerifyOptions): { map?: LineMap; dir: string; state: VerifyReport['lineMap'] } {
  if (options.lineMap) return { map: options.lineMap, dir: options.lineMapDir ?? dirname(source), state: { status: 'given' } };
  const read = readLineMap(source);
  if (read.status === 'loaded') return { map: read.map, dir: dirname(read.path), state: { status: 'loaded', path: read.path } };
  if (read.status === 'invalid') return { dir: dirname(source), state: { status: 'invalid', path: read.path, reason: read.reason } };
  return { dir: dirname(source), state: { status: 'missing', path: lineMapPath(source) } };
}

function finish(
  source: string, compile: CheckOutcome, load: LoadOutcome, generated: AnalysisDiagnostic[],
  lineMap: ReturnType<typeof lineMapFor>, extras: Partial<VerifyReport> = {},
): VerifyReport {
  const original = lineMap.map ? mapToOriginal(generated, source, lineMap.map, lineMap.dir) : [];
  return {
    source, compile, load,
    diagnostics: [...generated, ...original],
    ...extras,
    lineMap: lineMap.state,
    summary: summarize(source, compile, load),
  };
}

function summarize(source: string, compile: CheckOutcome, load: LoadOutcome): string {
  const name = basename(source);
  if (compile.status !== 'passed') return `${name}: compile ${compile.status === 'failed' ? 'failed' : 'could not run'}: ${compile.reason ?? ''}`;
  if (load.status === 'passed') return `${name}: compiled and loaded (${(load.programs ?? []).join(', ') || 'no programs'})`;
  if (load.status === 'failed') return `${name}: compiled; ${load.reason ?? 'the load failed'}`;
  return `${name}: compiled; ${load.reason ?? 'not loaded'}`;
}

// Diagnostics read their file once per call; generated files are small.
function fileLines(file: string): string[] | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
}

/** The text of a 1-based line, from its first non-blank character to its end (or column 0 when the file cannot be read). */
function lineRange(file: string, line: number): Range {
  const text = fileLines(file)?.[line - 1] ?? '';
  const start = text.length - text.trimStart().length;
  return { start: { line: line - 1, character: start }, end: { line: line - 1, character: text.trimEnd().length } };
}

/** clang's 1-based column, covering the identifier or the single character it points at. */
function columnRange(file: string, line: number, column = 1): Range {
  const text = fileLines(file)?.[line - 1] ?? '';
  const start = Math.max(0, column - 1);
  const word = /^[A-Za-z_0-9]+/.exec(text.slice(start))?.[0].length ?? 1;
  return { start: { line: line - 1, character: start }, end: { line: line - 1, character: start + word } };
}

function diagnosticAt(file: string, line: number, severity: Severity, code: VerifyDiagnosticCode, message: string): AnalysisDiagnostic {
  return { file, range: lineRange(file, line), severity, code, message };
}
