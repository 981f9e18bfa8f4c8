// The workspace: its folders, the background index over their C files, and files changed on
// disk behind the editor's back. Open documents are always taken from the editor, not disk.
import { DidChangeWatchedFilesParams, FileChangeType, WorkspaceFolder, WorkspaceFoldersChangeEvent } from 'vscode-languageserver/node';
import type { Analyzer, ClosedDocument } from '../analyzer';
import type { Logger } from '../log';
import { canonicalUri } from '../uris';
import type { IndexProgress } from '../workspaceIndex';
import { isCFile } from '../workspaceIndex';

export interface WorkspaceFeatureDeps {
  analyzer: Analyzer;
  logger: Logger;
  createProgress: () => Promise<IndexProgress>;
  /** Called when the index changed in a way that may change other files' diagnostics. */
  onIndexChanged: () => void;
}

export class WorkspaceFeature {
  private folders: string[] = [];

  constructor(private readonly deps: WorkspaceFeatureDeps) {}

  setFolders(folders: readonly WorkspaceFolder[] | null | undefined, rootUri: string | null | undefined): void {
    this.folders = folders?.length ? folders.map((f) => f.uri) : rootUri ? [rootUri] : [];
  }

  foldersChanged(event: WorkspaceFoldersChangeEvent): Promise<void> {
    const removed = new Set(event.removed.map((f) => f.uri));
    this.folders = [...this.folders.filter((f) => !removed.has(f)), ...event.added.map((f) => f.uri)];
    return this.reindex();
  }

  /** Indexes every folder again from scratch (an earlier run still going is abandoned). */
  async reindex(): Promise<void> {
    if (this.folders.length === 0) return;
    const progress = await this.deps.createProgress();
    const result = await this.deps.analyzer.indexWorkspace(this.folders, progress);
    if (!result.cancelled) {
      this.deps.logger.info(`Workspace index: ${result.indexed} files, ${result.skipped} skipped`);
      this.deps.onIndexChanged();
    }
  }

  /**
   * The disk version may have been saved while the document was open and the watcher skipped it.
   * `closed`: what Analyzer.closeDocument said the document last was.
   */
  async documentClosed(uri: string, closed?: ClosedDocument): Promise<void> {
    if (!isCFile(uri) || !this.contains(uri)) return;
    if (await this.deps.analyzer.reindexFile(uri, closed)) this.deps.onIndexChanged();
  }

  /** Inside one of the workspace folders (files opened from elsewhere are not indexed). */
  contains(uri: string): boolean {
    const file = canonicalUri(uri);
    return this.folders.some((folder) => {
      const prefix = canonicalUri(folder);
      return file.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
    });
  }

  async watchedFilesChanged(params: DidChangeWatchedFilesParams): Promise<void> {
    const { analyzer } = this.deps;
    let changed = false;
    for (const change of params.changes) {
      if (!isCFile(change.uri)) continue;
      // The editor's text wins over the disk while a document is open.
      const openFiles = new Set(analyzer.openDocuments().map((d) => d.file));
      if (openFiles.has(canonicalUri(change.uri))) continue;
      if (change.type === FileChangeType.Deleted) analyzer.forgetFile(change.uri);
      else await analyzer.reindexFile(change.uri);
      changed = true;
    }
    if (changed) this.deps.onIndexChanged();
  }
}
