// The offload split in VS Code as ONE undoable step. The server's edit is LSP-shaped: a
// CreateFile and a text insert per file (LSP's CreateFile has no contents). VS Code 1.100
// records one undo element per operation and invalidates the inserts' elements once their
// files close, so Ctrl+Z silently drops them one by one (docs/testing.md). Giving each
// creation its contents makes the whole split a single file-operation element that undoes in
// one step. Other LSP clients get the server's edit unchanged.
import type * as vscode from 'vscode';
import type { CreateFile, TextDocumentEdit, WorkspaceEdit } from 'vscode-languageclient/node';
import type { OffloadActionData } from '../../server/src/features/codeActions';

/** A file the split creates, with everything written into it. */
export interface CreatedFile {
  uri: string;
  contents: string;
  annotationId?: string;
}

/** Whether a resolved-lazily code action is one of the server's offload refactorings. */
export function isOffloadActionData(data: unknown): data is OffloadActionData {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'bpf-offload.split';
}

const isCreate = (change: unknown): change is CreateFile => (change as { kind?: unknown }).kind === 'create';
const isTextDocumentEdit = (change: unknown): change is TextDocumentEdit => (change as { textDocument?: unknown }).textDocument !== undefined;

/**
 * The files `edit` creates with their contents, when the edit does nothing but create new
 * files and insert text at their start; undefined for any other shape (which must then go to
 * VS Code as the server sent it, so nothing is lost in translation).
 */
export function createdFilesOf(edit: WorkspaceEdit): CreatedFile[] | undefined {
  const changes = edit.documentChanges;
  if (!changes || changes.length === 0 || edit.changes) return undefined;
  const files = new Map<string, CreatedFile>();
  for (const change of changes) {
    if (isCreate(change)) {
      // Replacing or tolerating an existing file would not be "create with contents".
      if (files.has(change.uri) || change.options?.overwrite || change.options?.ignoreIfExists) return undefined;
      files.set(change.uri, { uri: change.uri, contents: '', ...(change.annotationId ? { annotationId: change.annotationId } : {}) });
    } else if (isTextDocumentEdit(change)) {
      const file = files.get(change.textDocument.uri);
      if (!file) return undefined;
      for (const textEdit of change.edits) {
        const { start, end } = textEdit.range;
        // Only inserts at the very start of a file created empty just before: their texts follow
        // each other in order, as LSP applies edits of one TextDocumentEdit at the same position.
        if (start.line !== 0 || start.character !== 0 || end.line !== 0 || end.character !== 0) return undefined;
        file.contents += textEdit.newText;
      }
    } else {
      return undefined;
    }
  }
  return [...files.values()];
}

/** The VS Code constructors the conversion needs (passed in so the conversion is testable outside VS Code). */
export interface VscodeEditApi {
  WorkspaceEdit: typeof vscode.WorkspaceEdit;
  Uri: Pick<typeof vscode.Uri, 'parse'>;
}

/**
 * A vscode.WorkspaceEdit that creates every file of `edit` with its contents in one operation
 * each, under the server's change annotation (label and description, so a preview groups the
 * files); undefined when `edit` is not such a pure file-creating edit.
 */
export function creatingWorkspaceEdit(api: VscodeEditApi, edit: WorkspaceEdit): vscode.WorkspaceEdit | undefined {
  const files = createdFilesOf(edit);
  if (!files) return undefined;
  const encoder = new TextEncoder();
  const result = new api.WorkspaceEdit();
  for (const file of files) {
    const annotation = file.annotationId ? edit.changeAnnotations?.[file.annotationId] : undefined;
    const metadata: vscode.WorkspaceEditEntryMetadata | undefined = annotation
      ? { label: annotation.label, description: annotation.description, needsConfirmation: annotation.needsConfirmation === true }
      : undefined;
    result.createFile(api.Uri.parse(file.uri), { contents: encoder.encode(file.contents), overwrite: false, ignoreIfExists: false }, metadata);
  }
  return result;
}
