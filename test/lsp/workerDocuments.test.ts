// The analysis thread's kept parses (workerDocuments.ts): the parser's trees live in wasm memory,
// which no garbage collector frees, so every tree must be deleted exactly once — when a newer
// version replaces it, when the document is dropped beyond the limit, or when it is forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC, parsePlainC, type SyntaxNode } from '../../server/src/analysis/syntax';
import { encodeTree } from '../../server/src/analysis/plainTreeEncoding';
import { KeptDocuments, type KeptDocument } from '../../server/src/workerDocuments';

/** Counts each tree's deletions by a label, and still frees it. */
function watchDeletes(document: KeptDocument, label: string, deleted: string[]): void {
  const tree = document.parse.tree;
  assert.ok(tree, `${label} has a parser tree`);
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

/** Type, extent, field and error flags of every node, in pre-order. */
function shape(root: SyntaxNode): string[] {
  const out: string[] = [];
  const visit = (node: SyntaxNode) => {
    out.push(`${node.type}${node.isNamed ? '' : '!'} ${node.startIndex}-${node.endIndex} ${node.field ?? ''} ${node.hasError ? 'E' : ''}${node.isMissing ? 'M' : ''}`);
    for (const child of node.children) visit(child);
  };
  visit(root);
  return out;
}

const SOURCE = 'int a(int x) {\n  if (x > 1) return x;\n  return 0;\n}\nint b(void) { return a(2); }\n';

test('a first job given the encoded tree of its text is not parsed: the parser tree comes later, and edits reparse from it', async () => {
  await initC();
  const documents = new KeptDocuments(4);
  const opened = documents.parseFor('a', SOURCE, encodeTree(parsePlainC(SOURCE), SOURCE));
  assert.equal(opened.parse.tree, undefined, 'rebuilt from the encoding, not parsed');
  assert.deepEqual(shape(opened.parse.plain.rootNode), shape(parsePlainC(SOURCE).rootNode));
  assert.equal(documents.parseWhatWasDecoded(), true);
  assert.ok(opened.parse.tree, 'parsed once the answer is out');
  assert.equal(documents.parseWhatWasDecoded(), false, 'nothing left to parse');
  const edited = SOURCE.replace('return 0;', 'return 10;');
  const next = documents.parseFor('a', edited);
  assert.deepEqual(shape(next.parse.plain.rootNode), shape(parsePlainC(edited).rootNode));
  assert.ok(next.parse.tree);
  documents.forget('a');
});

test('a document the parser reads blanked is rebuilt over the blanked text, as a parse is, and edited alike', async () => {
  await initC();
  // An attribute-only macro: the parser reads its uses as spaces (blanking.ts).
  const text = '#define ATTR(x) __attribute__((x))\nint f(int a) ATTR(nonnull(1));\nint g(void) { return f(1); }\n';
  const parsed = parsePlainC(text);
  assert.notEqual(parsed.text, text, 'the fixture must be blanked');
  const documents = new KeptDocuments(4);
  const opened = documents.parseFor('a', text, encodeTree(parsed, text));
  assert.equal(opened.parse.tree, undefined, 'rebuilt from the encoding, not parsed');
  assert.equal(opened.parse.plain.text, parsed.text, 'the text the parser would have read');
  assert.deepEqual(shape(opened.parse.plain.rootNode), shape(parsed.rootNode));
  const edited = text.replace('return f(1);', 'return f(12);');
  const next = documents.parseFor('a', edited);
  assert.equal(next.parse.plain.text, parsePlainC(edited).text);
  assert.deepEqual(shape(next.parse.plain.rootNode), shape(parsePlainC(edited).rootNode));
  documents.forget('a');
});

test('an edit of a document still without its parser tree parses the old text first, then reparses the edit', async () => {
  await initC();
  const documents = new KeptDocuments(4);
  const opened = documents.parseFor('a', SOURCE, encodeTree(parsePlainC(SOURCE), SOURCE));
  const kept = opened.parse.plain.rootNode.children[1];
  const edited = SOURCE.replace('return 0;', 'return 10;');
  const next = documents.parseFor('a', edited);
  assert.deepEqual(shape(next.parse.plain.rootNode), shape(parsePlainC(edited).rootNode));
  assert.equal(next.parse.plain.rootNode.children[1], kept, 'the declaration the edit left alone is carried over from the rebuilt tree');
  documents.forget('a');
});

test('an encoding of another text is not used, and a kept parse wins over an encoding', async () => {
  await initC();
  const documents = new KeptDocuments(4);
  const other = encodeTree(parsePlainC('int z;\n'), 'int z;\n');
  const parsed = documents.parseFor('a', SOURCE, other);
  assert.ok(parsed.parse.tree, 'parsed: the encoding is of a text of another length');
  assert.deepEqual(shape(parsed.parse.plain.rootNode), shape(parsePlainC(SOURCE).rootNode));
  const again = documents.parseFor('a', SOURCE, encodeTree(parsePlainC(SOURCE), SOURCE));
  assert.equal(again.parse, parsed.parse, 'the kept parse of the same text is reused');
  documents.forget('a');
});

test('a document rebuilt from an encoding and dropped or forgotten before its parse frees nothing', async () => {
  await initC();
  const documents = new KeptDocuments(1);
  documents.parseFor('a', SOURCE, encodeTree(parsePlainC(SOURCE), SOURCE));
  documents.parseFor('b', SOURCE, encodeTree(parsePlainC(SOURCE), SOURCE));
  assert.equal(documents.has('a'), false);
  documents.forget('b');
  assert.equal(documents.parseWhatWasDecoded(), false);
});
