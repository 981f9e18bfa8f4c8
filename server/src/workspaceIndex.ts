// Summaries of the workspace's C files as they are on disk, so that the call graph reaches
// functions defined in files the user has not opened. Indexing runs in the background: it
// yields to the event loop between files so edits and requests are still answered at once.
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import type { FileSummary } from './analysis/model';
import { encodedSize, encodeTree, type EncodedTree } from './analysis/plainTreeEncoding';
import { parsePlainC } from './analysis/syntax';
import { summarizeFile } from './analysis/summarize';
import type { Logger } from './log';
import { pathToUri } from './uris';

/** What the indexer tells the user while it works; the server adapts it to LSP work-done progress. */
export interface IndexProgress {
  begin(title: string, message?: string): void;
  /** `percentage` is 0..100. */
  report(percentage: number, message: string): void;
  end(message: string): void;
}

export interface WorkspaceIndexLimits {
  /** Files larger than this are not indexed (generated tables, amalgamations). */
  maxFileBytes: number;
  /** Stop after this many files, so a huge tree cannot hold the server's memory hostage. */
  maxFiles: number;
}

export const DEFAULT_INDEX_LIMITS: WorkspaceIndexLimits = { maxFileBytes: 2 * 1024 * 1024, maxFiles: 5000 };

/**
 * Bytes of encoded syntax trees the index keeps (plainTreeEncoding.ts, ~17 bytes a node): a file
 * opened unchanged has its tree rebuilt from the index's instead of parsed again on the analysis
 * thread. memcached's 145 files take ~10 MB; files indexed once the budget is spent keep none.
 */
export const INDEX_TREE_BUDGET_BYTES = 64 * 1024 * 1024;

const SKIPPED_DIRECTORIES = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'build',
  'builddir',
  'out',
  'dist',
  'target',
  '.cache',
  '.vscode-test',
  'CMakeFiles',
]);

const C_FILE = /\.[ch]$/;

export function isCFile(filePath: string): boolean {
  return C_FILE.test(filePath);
}

export interface IndexResult {
  indexed: number;
  skipped: number;
  cancelled: boolean;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class WorkspaceIndex {
  /** Keyed by canonical file URI. */
  private readonly summaries = new Map<string, FileSummary>();
  /**
   * Per summary, a digest of the text it was computed from, so that a document opened with the
   * text on disk can be told so (summaryOfText) without the index keeping every file's text.
   */
  private readonly digests = new WeakMap<FileSummary, TextDigest>();
  /** Per summary, the encoded syntax tree of the text it was computed from, within treeBudgetBytes. */
  private readonly trees = new WeakMap<FileSummary, EncodedTree>();
  /** Bytes of the encoded tree each file's summary holds. */
  private readonly treeBytes = new Map<string, number>();
  private treeBytesTotal = 0;
  private generation = 0;

  constructor(
    private readonly logger: Logger,
    private readonly limits: WorkspaceIndexLimits = DEFAULT_INDEX_LIMITS,
    private readonly treeBudgetBytes = INDEX_TREE_BUDGET_BYTES,
  ) {}

  get(file: string): FileSummary | undefined {
    return this.summaries.get(file);
  }

  /**
   * The file's summary if it was computed from exactly `text` (the analysis of a document opened
   * unchanged can take it instead of summarising the file again); undefined otherwise.
   */
  summaryOfText(file: string, text: string): FileSummary | undefined {
    const summary = this.summaries.get(file);
    const known = summary && this.digests.get(summary);
    // Asked on every analysis of an open document: the length rules out most edited texts
    // without hashing the whole text.
    return known && known.length === text.length && known.digest === digestOf(text) ? summary : undefined;
  }

  /**
   * The encoded syntax tree of the text `summary` was computed from (take it from summaryOfText,
   * which checked that text), if the index kept one.
   */
  encodedTreeOf(summary: FileSummary): EncodedTree | undefined {
    return this.trees.get(summary);
  }

  all(): ReadonlyMap<string, FileSummary> {
    return this.summaries;
  }

  get size(): number {
    return this.summaries.size;
  }

  /** Stops any indexing in progress (it notices between files). */
  cancel(): void {
    this.generation++;
  }

  /**
   * Indexes every C file under the folders (file system paths), replacing what was indexed
   * before. A later call, or cancel(), stops an earlier one between two files.
   */
  async indexFolders(folders: string[], progress?: IndexProgress, onFileIndexed?: (file: string) => void): Promise<IndexResult> {
    const generation = ++this.generation;
    const stale = () => generation !== this.generation;
    progress?.begin('Indexing C files', 'looking for files');
    let indexed = 0;
    let skipped = 0;
    try {
      const files: string[] = [];
      for (const folder of folders) {
        await this.collect(folder, files, stale);
        if (stale()) return { indexed, skipped, cancelled: true };
      }
      if (files.length > this.limits.maxFiles) {
        this.logger.warn(`Indexing only the first ${this.limits.maxFiles} of ${files.length} C files in the workspace`);
        files.length = this.limits.maxFiles;
      }
      const seen = new Set<string>();
      for (let i = 0; i < files.length; i++) {
        if (stale()) return { indexed, skipped, cancelled: true };
        const file = pathToUri(files[i]);
        seen.add(file);
        if (await this.indexFile(files[i])) {
          indexed++;
          onFileIndexed?.(file);
        } else skipped++;
        progress?.report(Math.floor(((i + 1) * 100) / files.length), `${i + 1}/${files.length} ${path.basename(files[i])}`);
        await yieldToEventLoop();
      }
      if (stale()) return { indexed, skipped, cancelled: true };
      for (const file of [...this.summaries.keys()]) if (!seen.has(file)) this.remove(file);
      return { indexed, skipped, cancelled: false };
    } finally {
      progress?.end(`${indexed} C files indexed`);
    }
  }

  /**
   * (Re)summarises one file from disk; false when it cannot be read or parsed. `known`, a summary
   * computed from some text, is taken as it is when the disk holds exactly that text.
   */
  async indexFile(filePath: string, known?: { text: string; summary: FileSummary }): Promise<boolean> {
    const file = pathToUri(filePath);
    let text: string;
    try {
      const stat = await fs.stat(filePath);
      if (!stat.isFile()) return false;
      if (stat.size > this.limits.maxFileBytes) {
        this.logger.info(`Not indexing ${filePath}: ${stat.size} bytes is over the ${this.limits.maxFileBytes}-byte limit`);
        this.remove(file);
        return false;
      }
      text = await fs.readFile(filePath, 'utf8');
    } catch (error) {
      this.logger.debug(() => `Not indexing ${filePath}: ${(error as Error).message}`);
      this.remove(file);
      return false;
    }
    if (known && known.text === text && known.summary.file === file) {
      this.keep(file, known.summary, text);
      return true;
    }
    try {
      const tree = parsePlainC(text);
      const summary = summarizeFile(file, tree, text);
      this.keep(file, summary, text);
      this.keepTree(file, summary, () => encodeTree(tree, text));
      return true;
    } catch (error) {
      this.logger.error(`Could not summarise ${filePath}`, error);
      return false;
    }
  }

  remove(file: string): void {
    this.summaries.delete(file);
    this.releaseTree(file);
  }

  private keep(file: string, summary: FileSummary, text: string): void {
    this.summaries.set(file, summary);
    this.digests.set(summary, { length: text.length, digest: digestOf(text) });
    this.releaseTree(file);
  }

  /** Keeps the summary's encoded tree if the budget has room for it. */
  private keepTree(file: string, summary: FileSummary, encode: () => EncodedTree): void {
    if (this.treeBytesTotal >= this.treeBudgetBytes) return;
    const tree = encode();
    const bytes = encodedSize(tree);
    if (this.treeBytesTotal + bytes > this.treeBudgetBytes) return;
    this.trees.set(summary, tree);
    this.treeBytes.set(file, bytes);
    this.treeBytesTotal += bytes;
  }

  /** The file's summary is gone or replaced: its tree's bytes go back to the budget. */
  private releaseTree(file: string): void {
    this.treeBytesTotal -= this.treeBytes.get(file) ?? 0;
    this.treeBytes.delete(file);
  }

  private async collect(directory: string, into: string[], stale: () => boolean): Promise<void> {
    // Iterative walk: deep trees must not exhaust the stack. Symbolic links are not followed
    // (a link to a parent would loop forever).
    const pending = [directory];
    while (pending.length > 0 && into.length <= this.limits.maxFiles) {
      if (stale()) return;
      const current = pending.pop() as string;
      let entries;
      try {
        entries = await fs.readdir(current, { withFileTypes: true });
      } catch (error) {
        this.logger.debug(() => `Cannot list ${current}: ${(error as Error).message}`);
        continue;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        const full = path.join(current, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRECTORIES.has(entry.name)) pending.push(full);
        } else if (entry.isFile() && isCFile(entry.name)) {
          into.push(full);
        }
      }
    }
  }
}

interface TextDigest {
  length: number;
  digest: string;
}

/** A digest of a file's text: a SHA-1 hash (a third of a millisecond for memcached.c), not the text, is kept. */
function digestOf(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}

/** Parses and summarises at once: the index keeps only plain data. */
export function summarizeText(file: string, text: string): FileSummary {
  return summarizeFile(file, parsePlainC(text), text);
}
