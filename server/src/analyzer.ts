// The server's state: open documents with their trees, the workspace index, the latest
// analysis of every open document, and whether the workspace is trusted. Features ask the
// analyzer; only server.ts talks to the connection. Analyses run on a worker thread
// (analysisRunner.ts) and indexing in the background; the rest is synchronous, so a tree handed
// out is valid until the caller's next await.
import * as fs from 'fs';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { analyzeFile, AnalyzeOptions, buildProgramFacts, CancelledError, FileAnalysis, ProgramFacts } from './analysis/analyze';
import { analysisLimitDiagnostic, emptySummary } from './analysis/analysisLimit';
import { AnalysisRunner, defaultWorkerPath } from './analysisRunner';
import type { FileSummary } from './analysis/model';
import type { Tree } from './analysis/syntax';
import { DocumentStore, OpenDocument, ParsedFileCache } from './documents';
import type { Logger } from './log';
import { canonicalUri, uriToPath } from './uris';
import { DEFAULT_INDEX_LIMITS, IndexProgress, IndexResult, WorkspaceIndex, WorkspaceIndexLimits } from './workspaceIndex';

/** What a closed document last was (Analyzer.closeDocument). */
export interface ClosedDocument {
  text: string;
  /** The summary of the analysis of its last version, when that version was analysed. */
  summary?: FileSummary;
}

/** An analysis tied to the document version it was computed from. */
export interface DocumentAnalysis {
  /** The URI as the client spelled it. */
  uri: string;
  version: number;
  analysis: FileAnalysis;
}

export interface AnalyzerOptions {
  /** How many trees of closed workspace files to keep parsed. */
  parsedFileCacheSize?: number;
  indexLimits?: WorkspaceIndexLimits;
  /** False in an untrusted workspace: no external program may run. */
  trusted?: boolean;
  /**
   * The analysis thread's script (dist/analysisWorker.js beside the server by default). Null:
   * analyse on the calling thread (only for tests and tools that have no other work).
   */
  workerPath?: string | null;
  /** Start the analysis thread at once, so it is warm by the first didOpen (the server does). */
  startAnalysisThread?: boolean;
}

/**
 * Indexed files between two sends of summaries ahead: each send first compares every known
 * file's summary with what the thread holds, so sending after every file would be quadratic.
 */
const SEND_AHEAD_EVERY = 16;

interface Waiter {
  version: number;
  resolve: (result: DocumentAnalysis | undefined) => void;
}

export class Analyzer {
  private readonly documents = new DocumentStore();
  private readonly parsedFiles: ParsedFileCache;
  readonly index: WorkspaceIndex;
  private readonly latest = new Map<string, DocumentAnalysis>();
  private trusted: boolean;
  private facts: ProgramFacts | undefined;
  private readonly runner: AnalysisRunner | undefined;
  private readonly waiters = new Map<string, Waiter[]>();
  private requestAnalysis: (uri: string) => void = () => undefined;

  constructor(
    private readonly logger: Logger,
    options: AnalyzerOptions = {},
  ) {
    this.parsedFiles = new ParsedFileCache(options.parsedFileCacheSize ?? 16);
    this.index = new WorkspaceIndex(logger, options.indexLimits ?? DEFAULT_INDEX_LIMITS);
    this.trusted = options.trusted ?? true;
    const workerPath = options.workerPath === undefined ? defaultWorkerPath() : options.workerPath;
    if (workerPath) this.runner = new AnalysisRunner(workerPath, logger);
    if (options.startAnalysisThread) this.runner?.start();
    else if (options.workerPath === undefined) logger.warn('No analysis worker found beside the server: analyses run on the server thread');
  }

  // --- trust ----------------------------------------------------------------------------

  isTrusted(): boolean {
    return this.trusted;
  }

  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
  }

  /** Who starts an analysis when a request waits for one (the diagnostics feature's scheduler). */
  setAnalysisRequester(requester: (uri: string) => void): void {
    this.requestAnalysis = requester;
  }

  // --- documents ------------------------------------------------------------------------

  openDocument(uri: string, languageId: string, version: number, text: string): OpenDocument {
    this.latest.delete(uri);
    this.runner?.cancel(uri);
    this.facts = undefined;
    const open = this.documents.open(uri, languageId, version, text);
    this.parsedFiles.forget(open.file);
    return open;
  }

  /** Undefined when the document is not open (a client bug; logged, not thrown). */
  changeDocument(uri: string, version: number, changes: readonly TextDocumentContentChangeEvent[]): OpenDocument | undefined {
    this.facts = undefined;
    this.runner?.cancel(uri);
    const open = this.documents.change(uri, version, changes);
    if (!open) this.logger.warn(`Change for a document that is not open: ${uri}`);
    return open;
  }

  /**
   * Closes a document. The analysis thread keeps its parse among its few most recent ones (a
   * reopened file is not parsed again). The result says what the document last was: its text,
   * and the summary of its current version if one was analysed, which reindexFile adopts when
   * the file on disk holds the same text.
   */
  closeDocument(uri: string): ClosedDocument | undefined {
    const open = this.documents.get(uri);
    const latest = this.latestAnalysis(uri);
    this.latest.delete(uri);
    this.runner?.cancel(uri);
    this.settleWaiters(uri, undefined);
    this.facts = undefined;
    this.documents.close(uri);
    if (!open) return undefined;
    return { text: open.document.getText(), ...(latest ? { summary: latest.analysis.summary } : {}) };
  }

  getDocument(uri: string): OpenDocument | undefined {
    return this.documents.get(uri);
  }

  openDocuments(): OpenDocument[] {
    return this.documents.all();
  }

  /** The URI to show the client for an analysis file identifier (its own spelling if open). */
  clientUri(file: string): string {
    return this.documents.getByFile(file)?.uri ?? file;
  }

  /**
   * The syntax tree of a file: the open document's, or a parse of the file on disk kept in a
   * bounded cache. Valid until the next change, close or cache use — never across an await.
   */
  treeFor(uriOrFile: string): { tree: Tree; text: string } | undefined {
    const open = this.documents.get(uriOrFile) ?? this.documents.getByFile(canonicalUri(uriOrFile));
    if (open) return { tree: open.tree, text: open.document.getText() };
    const filePath = uriToPath(uriOrFile);
    if (!filePath) return undefined;
    try {
      const text = fs.readFileSync(filePath, 'utf8');
      return { tree: this.parsedFiles.get(canonicalUri(uriOrFile), text), text };
    } catch (error) {
      this.logger.debug(() => `Cannot read ${filePath}: ${(error as Error).message}`);
      return undefined;
    }
  }

  // --- summaries and analysis -----------------------------------------------------------

  /**
   * Every known file's summary: the workspace index, overridden by the latest analysis of each
   * open document (its unsaved text is what the user sees).
   */
  allSummaries(): Map<string, FileSummary> {
    const summaries = new Map<string, FileSummary>(this.index.all());
    for (const result of this.latest.values()) summaries.set(result.analysis.file, result.analysis.summary);
    return summaries;
  }

  /** Summaries of every known file except `file` (a canonical URI). */
  otherSummaries(file: string): Map<string, FileSummary> {
    const summaries = this.allSummaries();
    summaries.delete(file);
    return summaries;
  }

  /** Call graph and type table over all known files, rebuilt only after something changed. */
  programFacts(): ProgramFacts {
    this.facts ??= buildProgramFacts(this.allSummaries());
    return this.facts;
  }

  /** Drops cached cross-file facts (after the index changed). */
  invalidateProgramFacts(): void {
    this.facts = undefined;
  }

  /**
   * Analyses the current version of an open document on the analysis thread and remembers the
   * result. Rejects with CancelledError when a newer analysis of the document superseded it or
   * options.isCancelled says so; undefined when the document is not open. A step that failed is
   * part of the result (an 'analysis-limit' diagnostic), so no caller retries it for this version.
   */
  async analyze(uri: string, options: AnalyzeOptions): Promise<DocumentAnalysis | undefined> {
    const open = this.documents.get(uri);
    if (!open) return undefined;
    const version = open.document.version;
    const file = open.file;
    const text = open.document.getText();
    // The index's summary when the text is the one on disk: offered, and taken only by an analysis
    // that keeps no summary of the file yet (summaryToTake in analysis/analyze.ts decides).
    const summaryOfText = this.index.summaryOfText(file, text);
    let analysis: FileAnalysis;
    if (this.runner) {
      const { isCancelled, discoveredEntries, summaryOfText: _ignored, ...plain } = options;
      void discoveredEntries;
      try {
        // A document's first analysis since it was opened may rebuild the index's tree of the text
        // rather than parse it again (the thread ignores it when it still keeps a parse).
        const encodedTree = summaryOfText && !this.latest.has(uri) ? this.index.encodedTreeOf(summaryOfText) : undefined;
        analysis = await this.runner.analyze({ key: uri, file, text, summaries: () => this.allSummaries(), summaryOfText, encodedTree, options: plain });
      } catch (error) {
        if (error instanceof CancelledError || isCancelled?.()) throw error instanceof CancelledError ? error : new CancelledError();
        // The thread died or could not take the job: remembered as this version's result.
        const reason = error instanceof Error ? error.message : String(error);
        analysis = failedAnalysis(file, reason);
      }
    } else {
      analysis = analyzeFile(file, open.tree, text, this.otherSummaries(file), summaryOfText ? { ...options, summaryOfText } : options);
    }
    if (this.documents.get(uri) !== open) throw new CancelledError();
    const result: DocumentAnalysis = { uri, version, analysis };
    this.latest.set(uri, result);
    this.facts = undefined;
    this.settleWaiters(uri, result);
    return result;
  }

  /** The analysis of the document's current version, if one has finished. */
  latestAnalysis(uri: string): DocumentAnalysis | undefined {
    const result = this.latest.get(uri);
    const open = this.documents.get(uri);
    if (!result || !open || open.document.version !== result.version) return undefined;
    return result;
  }

  /**
   * The analysis of the document's current version: at once if it has finished, else when it
   * finishes, but never later than `waitMs` (undefined then — requests must not wait for a
   * whole-file analysis).
   */
  whenAnalyzed(uri: string, waitMs: number): Promise<DocumentAnalysis | undefined> {
    const ready = this.latestAnalysis(uri);
    const open = this.documents.get(uri);
    if (ready || !open) return Promise.resolve(ready);
    const version = open.document.version;
    this.requestAnalysis(uri);
    return new Promise((resolve) => {
      const waiter: Waiter = { version, resolve: (result) => (clearTimeout(timer), resolve(result)) };
      const timer = setTimeout(() => {
        const list = this.waiters.get(uri) ?? [];
        const at = list.indexOf(waiter);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0) this.waiters.delete(uri);
        resolve(undefined);
      }, waitMs);
      const list = this.waiters.get(uri) ?? [];
      list.push(waiter);
      this.waiters.set(uri, list);
    });
  }

  private settleWaiters(uri: string, result: DocumentAnalysis | undefined): void {
    const list = this.waiters.get(uri);
    if (!list) return;
    const remaining = list.filter((w) => {
      if (result && w.version !== result.version) return true;
      w.resolve(result);
      return false;
    });
    if (remaining.length) this.waiters.set(uri, remaining);
    else this.waiters.delete(uri);
  }

  // --- workspace index ------------------------------------------------------------------

  async indexWorkspace(folderUris: string[], progress?: IndexProgress): Promise<IndexResult> {
    const folders = folderUris.map(uriToPath).filter((p): p is string => p !== undefined);
    // Summaries go to the analysis thread while indexing goes on, every few files, so the
    // thread takes them in on the other core as they come instead of all at the end.
    let indexed = 0;
    const result = await this.index.indexFolders(folders, progress, () => {
      if (++indexed % SEND_AHEAD_EVERY === 0) this.sendSummariesAhead();
    });
    this.facts = undefined;
    this.sendSummariesAhead();
    return result;
  }

  /**
   * After a file changed on disk, or its document closed: re-reads it into the index. With
   * `closed` (the document just closed), a file whose disk text is the document's takes the
   * summary its last analysis computed instead of a new parse — closing an unmodified file costs
   * nothing — and false is returned: what the other documents were analysed with did not change.
   * True when the index changed.
   */
  async reindexFile(uri: string, closed?: ClosedDocument): Promise<boolean> {
    const filePath = uriToPath(uri);
    if (!filePath) return false;
    this.parsedFiles.forget(canonicalUri(uri));
    const known = closed?.summary ? { text: closed.text, summary: closed.summary } : undefined;
    await this.index.indexFile(filePath, known);
    const adopted = known !== undefined && this.index.get(canonicalUri(uri)) === known.summary;
    if (adopted) return false;
    this.facts = undefined;
    this.sendSummariesAhead();
    return true;
  }

  /** After a file was deleted on disk. */
  forgetFile(uri: string): void {
    const file = canonicalUri(uri);
    this.parsedFiles.forget(file);
    this.index.remove(file);
    this.facts = undefined;
    this.sendSummariesAhead();
  }

  /**
   * The analysis thread gets the index's summaries now, while nothing waits, rather than with
   * the next document's job: copying every file's summary to it was most of a first didOpen.
   */
  private sendSummariesAhead(): void {
    this.runner?.syncSummaries(() => this.allSummaries());
  }

  dispose(): void {
    this.runner?.dispose();
    for (const uri of [...this.waiters.keys()]) this.settleWaiters(uri, undefined);
    this.index.cancel();
    this.documents.dispose();
    this.parsedFiles.dispose();
    this.latest.clear();
  }
}

/** What is remembered for a version whose analysis could not run at all. */
function failedAnalysis(file: string, reason: string): FileAnalysis {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return {
    file,
    summary: emptySummary(file),
    diagnostics: [analysisLimitDiagnostic(file, [{ step: 'the whole analysis', reason, range }])],
    entries: [],
    slices: [],
    offload: [],
  };
}
