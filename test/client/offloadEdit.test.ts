// The VS Code client's conversion of the server's split edit into file creations with
// contents (client/src/offloadEdit.ts), against a stand-in for VS Code's WorkspaceEdit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkspaceEdit } from 'vscode-languageclient/node';
import { createdFilesOf, creatingWorkspaceEdit, type VscodeEditApi } from '../../client/src/offloadEdit';

const at0 = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
const create = (uri: string) => ({ kind: 'create' as const, uri, options: { overwrite: false, ignoreIfExists: false }, annotationId: 'a' });
const insert = (uri: string, ...texts: string[]) => ({ textDocument: { uri, version: null }, edits: texts.map((newText) => ({ range: at0, newText, annotationId: 'a' })) });

const splitEdit: WorkspaceEdit = {
  documentChanges: [create('file:///w/a.c'), insert('file:///w/a.c', 'one\n', 'two\n'), create('file:///w/Makefile'), insert('file:///w/Makefile', 'all:\n')],
  changeAnnotations: { a: { label: 'Offload f to XDP: create 2 files', description: 'note', needsConfirmation: false } },
};

test('a split edit becomes one creation per file, with the inserts as its contents in order', () => {
  assert.deepEqual(createdFilesOf(splitEdit), [
    { uri: 'file:///w/a.c', contents: 'one\ntwo\n', annotationId: 'a' },
    { uri: 'file:///w/Makefile', contents: 'all:\n', annotationId: 'a' },
  ]);
});

test('any other shape is left to the default conversion', () => {
  const editOfExisting: WorkspaceEdit = { documentChanges: [insert('file:///w/old.c', 'x')] };
  const notAtStart: WorkspaceEdit = { documentChanges: [create('file:///w/a.c'), { textDocument: { uri: 'file:///w/a.c', version: null }, edits: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, newText: 'x' }] }] };
  const overwriting: WorkspaceEdit = { documentChanges: [{ kind: 'create', uri: 'file:///w/a.c', options: { overwrite: true } }] };
  const deleting: WorkspaceEdit = { documentChanges: [create('file:///w/a.c'), { kind: 'delete', uri: 'file:///w/b.c' }] };
  for (const edit of [editOfExisting, notAtStart, overwriting, deleting, { changes: {} }]) assert.equal(createdFilesOf(edit), undefined, JSON.stringify(edit));
});

test('the VS Code edit creates each file with its bytes, never over an existing one, under the annotation', () => {
  const calls: unknown[] = [];
  class FakeWorkspaceEdit {
    createFile(uri: unknown, options: unknown, metadata: unknown) {
      calls.push({ uri, options, metadata });
    }
  }
  const api = { WorkspaceEdit: FakeWorkspaceEdit, Uri: { parse: (s: string) => `parsed:${s}` } } as unknown as VscodeEditApi;
  assert.ok(creatingWorkspaceEdit(api, splitEdit) instanceof FakeWorkspaceEdit);
  const metadata = { label: 'Offload f to XDP: create 2 files', description: 'note', needsConfirmation: false };
  assert.deepEqual(calls, [
    { uri: 'parsed:file:///w/a.c', options: { contents: new TextEncoder().encode('one\ntwo\n'), overwrite: false, ignoreIfExists: false }, metadata },
    { uri: 'parsed:file:///w/Makefile', options: { contents: new TextEncoder().encode('all:\n'), overwrite: false, ignoreIfExists: false }, metadata },
  ]);
  assert.equal(creatingWorkspaceEdit(api, { documentChanges: [] }), undefined);
});
