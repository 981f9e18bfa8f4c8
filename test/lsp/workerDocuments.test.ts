// The analysis thread's kept parses (workerDocuments.ts): the parser's trees live in wasm memory,
// which no garbage collector frees, so every tree must be deleted exactly once — when a newer
// version replaces it, when the document is dropped beyond the limit, or when it is forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC } from '../../server/src/analysis/syntax';
import { KeptDocuments, type KeptDocument } from '../../server/src/workerDocuments';

/** Counts each tree's deletions by a label, and still frees it. */
function watchDeletes(document: KeptDocument, label: string, deleted: string[]): void {
  const tree = document.parse.tree;
  const free = tree.delete.bind(tree);
  tree.delete = () => {
    deleted.push(label);
    free();
  };
}

test('a document dropped beyond the limit frees its tree once; the kept ones are not freed', async () => {
  await initC();
  const deleted: string[] = [];
  const documents = new KeptDocuments(2);
  watchDeletes(documents.parseFor('a', 'int a(void) { return 1; }\n'), 'a', deleted);
  watchDeletes(documents.parseFor('b', 'int b(void) { return 2; }\n'), 'b', deleted);
  assert.deepEqual(deleted, []);
  watchDeletes(documents.parseFor('c', 'int c(void) { return 3; }\n'), 'c', deleted);
  assert.deepEqual(deleted, ['a'], 'the least recently analysed document goes');
  assert.equal(documents.has('a'), false);
  // Analysing b again makes it the most recent: d drops c, not b.
  documents.parseFor('b', 'int b(void) { return 2; }\n');
  documents.parseFor('d', 'int d(void) { return 4; }\n');
  assert.deepEqual(deleted, ['a', 'c']);
  assert.ok(documents.has('b') && documents.has('d'));
});

test('a new version frees the one it was parsed from; the same text keeps the parse; forget frees it once', async () => {
  await initC();
  const deleted: string[] = [];
  const documents = new KeptDocuments(4);
  const first = documents.parseFor('a', 'int a(void) { return 1; }\n');
  watchDeletes(first, 'a1', deleted);
  assert.equal(documents.parseFor('a', 'int a(void) { return 1; }\n').parse, first.parse, 'the same text is not parsed again');
  assert.deepEqual(deleted, []);
  const second = documents.parseFor('a', 'int a(void) { return 2; }\n');
  watchDeletes(second, 'a2', deleted);
  assert.deepEqual(deleted, ['a1'], 'the incremental reparse consumed the previous tree');
  documents.forget('a');
  documents.forget('a');
  assert.deepEqual(deleted, ['a1', 'a2']);
  assert.equal(documents.has('a'), false);
});
