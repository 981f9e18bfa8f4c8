// The commands that run external programs (workspace/executeCommand): verify a generated kernel
// half with clang and the kernel's verifier, and calibrate the cost model on this machine. They
// are the only way the editor makes the server run anything, so the workspace-trust rule lives
// here: in an untrusted workspace they refuse before looking at a file, and the executables
// come from settings that settings.ts has already reset to their defaults there.
import * as path from 'node:path';
import {
  MessageType,
  type CancellationToken,
  type Diagnostic,
  type ExecuteCommandParams,
  type PublishDiagnosticsParams,
  type WorkDoneProgressReporter,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import { Severity, type AnalysisDiagnostic } from '../analysis/model';
import type { Analyzer } from '../analyzer';
import type { Logger } from '../log';
import { CALIBRATE_COMMAND, VERIFY_COMMAND, type ToolCommandResult } from '../protocol';
import { defaultSettings, type Settings } from '../settings';
import { CalibrationError, runCalibration, type CalibrationOptions, type CalibrationResult } from '../tools/calibrate';
import { INSTALL_HINT } from '../tools/exec';
import { NOT_PRIVILEGED_REASON, verifyGeneratedSource, type VerifyOptions, type VerifyReport } from '../tools/verify';
import { rejectionFromOutput } from '../tools/verifierLog';
import { canonicalUri, pathToUri, uriToPath } from '../uris';
import type { SettingsProvider } from './configuration';
import { toLspDiagnostic } from './diagnostics';
import { findKernelHalf, startProgress, type ProgressSources } from './toolRuns';
import { groupedThousands } from '../analysis/numberText';

export const SERVER_COMMANDS = [VERIFY_COMMAND, CALIBRATE_COMMAND];
export const VERIFY_DIAGNOSTIC_SOURCE = 'bpf-offload verify';
export const UNTRUSTED_MESSAGE = 'BPF Offload runs no programs in an untrusted workspace: trust the folder to verify or calibrate';
const VERIFY_DOCS_URL = 'https://github.com/bpf-offload/bpf-offload/blob/main/docs/verify.md';

export interface CommandsFeatureDeps {
  analyzer: Analyzer;
  settings: SettingsProvider;
  logger: Logger;
  /** Sends diagnostics to the client as they are (the feature merges before calling it). */
  send: (params: PublishDiagnosticsParams) => void;
  showMessage: (type: MessageType, message: string) => void;
  createProgress: () => Promise<WorkDoneProgressServerReporter>;
  relatedInformation: boolean;
  /** The folder to calibrate when the command names none. */
  defaultFolder: () => string | undefined;
  /** The tools themselves; replaceable so the trust rules can be tested without them. */
  verify?: (source: string, options: VerifyOptions) => Promise<VerifyReport>;
  calibrate?: (options: CalibrationOptions) => Promise<CalibrationResult>;
}

export class CommandsFeature {
  private readonly verifyResults = new VerifyDiagnostics((p) => this.deps.send(p), (file) => this.clientUriOf(file));
  private readonly running = new Set<string>();

  constructor(private readonly deps: CommandsFeatureDeps) {}

  /** The analysis' publish goes through here, so verify results on the same file survive it. */
  publishAnalysis(params: PublishDiagnosticsParams): void {
    this.verifyResults.publishAnalysis(params);
  }

  /** An edit makes the verify results on that file stale: they go. */
  documentEdited(uri: string): void {
    this.verifyResults.fileEdited(uri);
  }

  /** Never throws: every outcome is a result and a message. */
  async execute(params: ExecuteCommandParams, token?: CancellationToken, attached?: WorkDoneProgressReporter): Promise<ToolCommandResult> {
    // vscode-languageserver hands every request a reporter; only one for a client's workDoneToken reaches the client.
    const clientProgress = params.workDoneToken !== undefined ? attached : undefined;
    const sources: ProgressSources = { attached: clientProgress, create: this.deps.createProgress, requestToken: token, logger: this.deps.logger };
    let result: ToolCommandResult;
    try {
      if (!this.deps.analyzer.isTrusted()) {
        result = { status: 'refused', message: UNTRUSTED_MESSAGE };
      } else if (params.command === VERIFY_COMMAND) {
        result = await this.verify(params.arguments ?? [], sources);
      } else if (params.command === CALIBRATE_COMMAND) {
        result = await this.calibrate(params.arguments ?? [], sources);
      } else {
        result = { status: 'refused', message: `BPF Offload has no command ${params.command}` };
      }
    } catch (error) {
      this.deps.logger.error(`${params.command} failed`, error);
      result = { status: 'failed', message: `BPF Offload: ${params.command} failed: ${firstLine((error as Error).message ?? String(error))} (details in the log)` };
    }
    const type = result.status === 'loaded' || result.status === 'written' ? MessageType.Info
      : result.status === 'compiled' || result.status === 'cancelled' || result.status === 'refused' ? MessageType.Warning
        : MessageType.Error;
    this.deps.showMessage(type, result.message);
    this.deps.logger.info(result.message);
    return result;
  }

  private async verify(args: unknown[], sources: ProgressSources): Promise<ToolCommandResult> {
    const uri = uriArgument(args[0]);
    const file = uri ? uriToPath(uri) : undefined;
    if (!uri || !file) return { status: 'refused', message: 'BPF Offload: verify needs the file: URI of a .bpf.c file or of a C source that was split' };
    const half = findKernelHalf(path.resolve(file));
    if (!half.ok) return { status: 'not-run', message: `BPF Offload: nothing verified: ${half.reason}` };
    const generated = half.generated;
    const name = path.basename(generated);
    if (this.running.has(generated)) return { status: 'refused', message: `${name} is already being verified` };
    this.running.add(generated);
    const progress = await startProgress(sources, `Verifying ${name}`, false);
    try {
      const settings = await this.deps.settings.get(uri);
      const verify = this.deps.verify ?? verifyGeneratedSource;
      const report = await verify(generated, toolchainFrom(settings));
      this.verifyResults.replaceRun(generated, report.diagnostics.map((d) => this.toLsp(d)));
      return { ...describeVerify(report), uri: pathToUri(generated) };
    } finally {
      progress.done();
      this.running.delete(generated);
    }
  }

  private async calibrate(args: unknown[], sources: ProgressSources): Promise<ToolCommandResult> {
    const given = uriArgument(args[0]);
    const folder = given ? uriToPath(given) : this.deps.defaultFolder();
    if (!folder) return { status: 'refused', message: 'BPF Offload: calibrate needs a workspace folder (open a folder, or pass its file: URI)' };
    const key = `calibrate:${path.resolve(folder)}`;
    if (this.running.has(key)) return { status: 'refused', message: `A calibration of ${path.basename(folder)} is already running` };
    this.running.add(key);
    const progress = await startProgress(sources, 'Calibrating the BPF Offload cost model', true);
    try {
      const settings = await this.deps.settings.get(given);
      const toolchain = toolchainFrom(settings);
      const calibrate = this.deps.calibrate ?? runCalibration;
      const choices = calibrationChoices(args[1]);
      const done = await calibrate({
        workspaceRoot: folder,
        ...choices,
        clang: toolchain.clangPath,
        bpftool: toolchain.bpftoolPath,
        signal: progress.signal,
        log: (line) => {
          progress.report(line);
          this.deps.logger.info(`calibrate: ${line}`);
        },
      });
      const measured = Object.keys(done.file.parameters).length;
      const skipped = done.file.skipped?.length ? ` (${done.file.skipped.join('; ')})` : '';
      const where = done.writtenTo ? path.relative(folder, done.writtenTo) : 'nowhere';
      return { status: 'written', message: `Calibrated ${measured} cost parameters, written to ${where}${skipped}`, uri: done.writtenTo ? pathToUri(done.writtenTo) : undefined };
    } catch (error) {
      if (progress.signal.aborted) return { status: 'cancelled', message: 'Calibration cancelled; nothing was written' };
      if (error instanceof CalibrationError) {
        const hint = /compiler|clang|bpftool/i.test(error.message) ? ` Install the tools with \`${INSTALL_HINT}\`.` : '';
        return { status: 'failed', message: `Calibration failed: ${firstLine(error.message)}.${hint}` };
      }
      throw error;
    } finally {
      progress.done();
      this.running.delete(key);
    }
  }

  private toLsp(d: AnalysisDiagnostic): { file: string; diagnostic: Diagnostic } {
    const diagnostic = toLspDiagnostic(d, { relatedInformation: this.deps.relatedInformation, clientUri: (f) => this.clientUriOf(f) });
    diagnostic.source = VERIFY_DIAGNOSTIC_SOURCE;
    diagnostic.codeDescription = { href: VERIFY_DOCS_URL };
    return { file: path.resolve(d.file), diagnostic };
  }

  private clientUriOf(file: string): string {
    return this.deps.analyzer.clientUri(canonicalUri(path.isAbsolute(file) ? pathToUri(file) : file));
  }
}

/** The executables the settings name; their defaults mean "search as the tools do" (PATH, clang-NN, /usr/sbin). */
function toolchainFrom(settings: Settings): { clangPath?: string; bpftoolPath?: string } {
  const defaults = defaultSettings();
  return {
    clangPath: settings.clangPath && settings.clangPath !== defaults.clangPath ? settings.clangPath : undefined,
    bpftoolPath: settings.bpftoolPath && settings.bpftoolPath !== defaults.bpftoolPath ? settings.bpftoolPath : undefined,
  };
}

/** The optional second argument, `{ fast?: boolean, xdp?: 'auto' | 'require' | 'skip' }`; anything else is ignored. */
function calibrationChoices(value: unknown): Pick<CalibrationOptions, 'fast' | 'xdp'> {
  const given = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const xdp = given.xdp === 'require' || given.xdp === 'skip' ? given.xdp : 'auto';
  return { fast: given.fast === true, xdp };
}

/** A URI string, or an object carrying one (`{ uri }`, as some clients send a document). */
function uriArgument(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { uri?: unknown }).uri === 'string') return (value as { uri: string }).uri;
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** The one line the user sees after a verify. */
export function describeVerify(report: VerifyReport): ToolCommandResult {
  const name = path.basename(report.source);
  const { compile, load } = report;
  if (compile.status === 'not-run') return { status: 'not-run', message: `${name} not verified: ${compile.reason ?? 'clang could not run'}` };
  if (compile.status === 'failed') {
    const first = firstError(report, 'compile-error');
    const where = first ? `${first.where}: ${firstLine(first.diagnostic.message)}` : (compile.reason ?? 'clang failed');
    return { status: 'failed', message: `${name} did not compile: ${where}` };
  }
  if (load.status === 'passed') {
    const programs = load.programs ?? [];
    const insns = load.processedInsns !== undefined ? `, ${groupedThousands(load.processedInsns)} insns processed` : '';
    const cleanup = load.reason ? ` (${load.reason})` : '';
    return { status: 'loaded', message: `${name} loaded: ${programs.length} program${programs.length === 1 ? '' : 's'} (${programs.join(', ')})${insns}${cleanup}` };
  }
  if (load.status === 'failed') {
    const rejection = report.loaderOutput ? rejectionFromOutput(report.loaderOutput) : undefined;
    if (rejection?.stage === 'verifier') {
      const at = firstError(report, 'verifier-rejected');
      const insns = rejection.processedInsns !== undefined ? ` (after ${groupedThousands(rejection.processedInsns)} insns)` : '';
      return { status: 'rejected', message: `${name} rejected by the verifier${at ? ` at ${at.where}` : ''}: ${rejection.message.replace(/\n/g, '; ')}${insns}` };
    }
    return { status: 'rejected', message: `${name} not loaded: ${load.reason ?? 'the load failed'}` };
  }
  if (load.reason === NOT_PRIVILEGED_REASON) return { status: 'compiled', message: `${name} not loaded: needs root or CAP_BPF — compiled only` };
  return { status: 'compiled', message: `${name} compiled, not loaded: ${load.reason ?? 'the load did not run'}` };
}

/** The first error of a kind, preferably on the original source (where the user edits), as "file.c:N". */
function firstError(report: VerifyReport, code: string): { where: string; diagnostic: AnalysisDiagnostic } | undefined {
  const errors = report.diagnostics.filter((d) => d.severity === Severity.Error && d.code === code);
  const diagnostic = errors.find((d) => path.resolve(d.file) !== report.source) ?? errors[0];
  return diagnostic ? { where: `${path.basename(diagnostic.file)}:${diagnostic.range.start.line + 1}`, diagnostic } : undefined;
}

/**
 * Verify results per generated file, shown together with the analysis' own diagnostics: LSP
 * replaces a file's diagnostics with every publish, so both are always sent together. A new
 * verify of the same kernel half replaces its results; an edit of a file drops them there.
 */
class VerifyDiagnostics {
  private readonly runs = new Map<string, Map<string, Diagnostic[]>>();
  private readonly analysis = new Map<string, PublishDiagnosticsParams>();

  constructor(
    private readonly send: (params: PublishDiagnosticsParams) => void,
    private readonly clientUri: (file: string) => string,
  ) {}

  publishAnalysis(params: PublishDiagnosticsParams): void {
    const key = keyOf(params.uri);
    this.analysis.set(key, params);
    this.publish(key);
  }

  replaceRun(generated: string, diagnostics: { file: string; diagnostic: Diagnostic }[]): void {
    const previous = this.runs.get(generated);
    const next = new Map<string, Diagnostic[]>();
    for (const { file, diagnostic } of diagnostics) {
      const list = next.get(file) ?? [];
      list.push(diagnostic);
      next.set(file, list);
    }
    this.runs.set(generated, next);
    // The generated file always gets a publish, so an empty run clears what it showed.
    for (const file of new Set([generated, ...(previous?.keys() ?? []), ...next.keys()])) this.publish(file);
  }

  fileEdited(uri: string): void {
    const key = keyOf(uri);
    let had = false;
    for (const run of this.runs.values()) had = run.delete(key) || had;
    if (had) this.publish(key);
  }

  private publish(key: string): void {
    const fromAnalysis = this.analysis.get(key);
    const verified = [...this.runs.values()].flatMap((run) => run.get(key) ?? []);
    const uri = fromAnalysis?.uri ?? this.clientUri(key);
    const params: PublishDiagnosticsParams = { uri, diagnostics: [...(fromAnalysis?.diagnostics ?? []), ...verified] };
    if (fromAnalysis?.version !== undefined) params.version = fromAnalysis.version;
    this.send(params);
  }
}

/** Files are keyed by absolute path, so the client's and our URI spellings meet. */
function keyOf(uri: string): string {
  const file = uriToPath(uri);
  return file ? path.resolve(file) : uri;
}
