// Diagnostics: when a document changes, analyse it after a quiet period (the debounce setting)
// and publish the result tagged with the version it was computed from. A newer change cancels
// the pending or running analysis of that document; results for an old version are dropped.
import * as path from 'path';
import { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver/node';
import { CancelledError } from '../analysis/analyze';
import type { AnalysisDiagnostic } from '../analysis/model';
import type { OffloadOptions } from '../analysis/offload';
import { toLspDiagnostic as toProtocolDiagnostic } from '../protocolShapes';
import type { Settings } from '../settings';
import type { Analyzer, DocumentAnalysis } from '../analyzer';
import type { Logger } from '../log';
import { DebouncedScheduler } from '../scheduler';
import { analyzeOptionsFrom, SettingsProvider } from './configuration';

export interface DiagnosticConversionOptions {
  /** The client shows DiagnosticRelatedInformation; otherwise the call chain goes into the message. */
  relatedInformation: boolean;
  /** Maps an analysis file identifier to the URI the client knows the file by. */
  clientUri: (file: string) => string;
}

function describeLocation(file: string, line: number): string {
  let name = file;
  try {
    name = path.basename(decodeURIComponent(new URL(file).pathname));
  } catch {
    name = path.basename(file);
  }
  return `${name}:${line + 1}`;
}

/**
 * The same shape the CLI prints (protocolShapes), so both agree; only a client that cannot show
 * related information gets the call chain folded into the message instead.
 */
export function toLspDiagnostic(d: AnalysisDiagnostic, options: DiagnosticConversionOptions): Diagnostic {
  const diagnostic: Diagnostic = toProtocolDiagnostic(d, options.clientUri);
  const related = d.related ?? [];
  if (related.length > 0 && !options.relatedInformation) {
    delete diagnostic.relatedInformation;
    const chain = related.map((r) => `  ${r.message} (${describeLocation(r.location.file, r.location.range.start.line)})`);
    diagnostic.message = `${d.message}\n${chain.join('\n')}`;
  }
  return diagnostic;
}

interface Converted {
  relatedInformation: boolean;
  /** The client URIs of the related locations when converted (they change as documents open and close). */
  relatedUris: string[];
  diagnostic: Diagnostic;
}

/**
 * Conversions by analysis diagnostic. After an edit most diagnostics of a document are the very
 * objects of its previous analysis (the rules memo hands them out again, and the analysis thread
 * sends them by position: analysisWorkerProtocol.ts), so most of a publish is converted already.
 */
const converted = new WeakMap<AnalysisDiagnostic, Converted>();

/**
 * toLspDiagnostic, the same object again for the same diagnostic while the options give the same
 * result: whether related information is shown, and the client URIs of its related locations.
 * Analysis diagnostics are never changed once made, and neither may the result be: it is frozen,
 * and the stdio writer keeps the JSON text of frozen diagnostics (cachedDiagnosticsWriter.ts).
 */
export function convertedDiagnostic(d: AnalysisDiagnostic, options: DiagnosticConversionOptions): Diagnostic {
  const relatedUris = (d.related ?? []).map((r) => options.clientUri(r.location.file));
  const kept = converted.get(d);
  if (kept && kept.relatedInformation === options.relatedInformation && sameStrings(kept.relatedUris, relatedUris)) return kept.diagnostic;
  const diagnostic = frozen(toLspDiagnostic(d, options));
  converted.set(d, { relatedInformation: options.relatedInformation, relatedUris, diagnostic });
  return diagnostic;
}

/**
 * Freezes what toLspDiagnostic made (the diagnostic, its ranges, code description and related
 * information), so that a change would throw rather than leave a stale text in the writer. `data`
 * is the analysis diagnostic's own object, never changed once made, and is left as it is.
 */
function frozen(diagnostic: Diagnostic): Diagnostic {
  freezeRange(diagnostic.range);
  if (diagnostic.codeDescription) Object.freeze(diagnostic.codeDescription);
  for (const related of diagnostic.relatedInformation ?? []) {
    freezeRange(related.location.range);
    Object.freeze(related.location);
    Object.freeze(related);
  }
  if (diagnostic.relatedInformation) Object.freeze(diagnostic.relatedInformation);
  return Object.freeze(diagnostic);
}

function freezeRange(range: Diagnostic['range']): void {
  Object.freeze(range.start);
  Object.freeze(range.end);
  Object.freeze(range);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

export interface DiagnosticsFeatureDeps {
  analyzer: Analyzer;
  settings: SettingsProvider;
  logger: Logger;
  publish: (params: PublishDiagnosticsParams) => void;
  relatedInformation: boolean;
  /** Profile and calibrated parameters for the cost estimates (features/profiles.ts); none: defaults. */
  offloadOptions?: (uri: string, settings: Settings) => Promise<OffloadOptions | undefined>;
  /** The options used last, at once, and whether the files they come from are unchanged (ProfilesFeature.recentOffloadOptions). */
  recentOffloadOptions?: (uri: string, settings: Settings) => { options: OffloadOptions; current: Promise<boolean> } | undefined;
  /** After each analysis that was published (offload regions, code lens refresh). */
  onAnalyzed?: (result: DocumentAnalysis, settings: Settings) => void;
}

export class DiagnosticsFeature {
  private readonly scheduler: DebouncedScheduler;

  constructor(private readonly deps: DiagnosticsFeatureDeps) {
    this.scheduler = new DebouncedScheduler((uri, error) => deps.logger.error(`Analysis of ${uri} failed`, error));
    deps.analyzer.setAnalysisRequester((uri) => this.analyzeSoon(uri));
  }

  /**
   * Re-analyses a document after its debounce. With `dependents`, the other open documents are
   * re-analysed too: their call graphs may reach into this one.
   */
  async documentChanged(uri: string, dependents = true): Promise<void> {
    const debounceMs = await this.debounceOf(uri);
    this.scheduler.schedule(uri, debounceMs, (isCancelled) => this.run(uri, isCancelled));
    if (dependents) this.scheduleOthers(uri, debounceMs);
  }

  /**
   * Analyses a document just opened at once: the debounce waits out a burst of edits, and an open
   * is not one (it cost every first open the setting's 200 ms by default). The other open
   * documents, whose call graphs may reach into this one, are re-analysed after the debounce, so
   * that a burst of opens (an editor restoring its tabs) re-analyses each of them once.
   */
  async documentOpened(uri: string): Promise<void> {
    this.scheduler.schedule(uri, 0, (isCancelled) => this.run(uri, isCancelled));
    this.scheduleOthers(uri, await this.debounceOf(uri));
  }

  private scheduleOthers(uri: string, debounceMs: number): void {
    for (const other of this.deps.analyzer.openDocuments()) {
      if (other.uri !== uri) this.scheduler.schedule(other.uri, debounceMs, (isCancelled) => this.run(other.uri, isCancelled));
    }
  }

  private async debounceOf(uri: string): Promise<number> {
    try {
      return (await this.deps.settings.get(uri)).diagnostics.debounceMs;
    } catch (error) {
      this.deps.logger.error('Could not read the debounce setting', error);
      return 0;
    }
  }

  /**
   * A request needs the analysis of the document's current version: its debounce is cut short,
   * or, when nothing is scheduled (never analysed, or the last run was superseded), one starts.
   */
  analyzeSoon(uri: string): void {
    if (this.scheduler.runNow(uri) || this.scheduler.isPending(uri)) return;
    this.scheduler.schedule(uri, 0, (isCancelled) => this.run(uri, isCancelled));
  }

  /** Everything open, e.g. after the settings, the trust or the workspace index changed. */
  refreshAll(): void {
    for (const open of this.deps.analyzer.openDocuments()) void this.documentChanged(open.uri, false);
  }

  documentClosed(uri: string): void {
    this.scheduler.cancel(uri);
    // Clear what the client shows for a file that is no longer analysed.
    this.deps.publish({ uri, diagnostics: [] });
  }

  dispose(): void {
    this.scheduler.dispose();
  }

  /**
   * `readOptionsFirst`: wait for the document's settings, profile and calibration to be read
   * instead of taking the window's settings and the recent options.
   */
  private async run(uri: string, isCancelled: () => boolean, readOptionsFirst = false): Promise<void> {
    const { analyzer, settings, logger } = this.deps;
    const open = analyzer.getDocument(uri);
    if (!open) return;
    const version = open.document.version;
    // The document's settings as far as they are known: checked while the analysis runs.
    const known = readOptionsFirst ? undefined : settings.known(uri);
    const current = known ? known.settings : await settings.get(uri);
    // The document may have changed or closed while the settings were fetched.
    const stale = () => isCancelled() || analyzer.getDocument(uri)?.document.version !== version;
    if (stale()) return;
    // The options of the last analysis are checked against their files while this one runs.
    const recent = readOptionsFirst ? undefined : this.deps.recentOffloadOptions?.(uri, current);
    const offload = recent ? recent.options : await this.deps.offloadOptions?.(uri, current);
    if (stale()) return;
    let result;
    try {
      result = await analyzer.analyze(uri, { ...analyzeOptionsFrom(current, stale), ...(offload ? { offload } : {}) });
    } catch (error) {
      if (error instanceof CancelledError) {
        logger.debug(() => `Analysis of ${uri} v${version} cancelled`);
        return;
      }
      throw error;
    }
    if (!result || stale()) return;
    // The document's settings differ from the window's, or a profile or calibration changed on
    // disk meanwhile: analysed again with what they are, never published.
    const outdated = (known?.same && !(await known.same)) || (recent && !(await recent.current));
    if (outdated) return stale() ? undefined : this.run(uri, isCancelled, true);
    const convert = { relatedInformation: this.deps.relatedInformation, clientUri: (f: string) => analyzer.clientUri(f) };
    const diagnostics = [...result.analysis.diagnostics, ...(result.analysis.fallbacks ?? [])]
      .filter((d) => d.file === result.analysis.file)
      .map((d) => convertedDiagnostic(d, convert));
    logger.debug(() => `${uri} v${version}: ${diagnostics.length} diagnostics`);
    this.deps.publish({ uri, version, diagnostics });
    this.deps.onAnalyzed?.(result, current);
  }
}
