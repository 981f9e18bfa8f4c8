import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { initC, parsePlainC, type SyntaxNode } from '../../server/src/analysis/syntax';
import { DocumentStore, ParsedFileCache } from '../../server/src/documents';

const SOURCE = [
  '#include <string.h>',
  '/* héllo 😀 wörld */',
  'static int counter;',
  '',
  'int handle(char *buf, int len) {',
  '  int total = 0;',
  '  for (int i = 0; i < len; i++) {',
  '    total += buf[i];',
  '  }',
  '  return total;',
  '}',
  '',
].join('\n');

type Change = TextDocumentContentChangeEvent;

/** Every node with its kind and extent: toString() alone shows no positions, so a stale tree could pass. */
function dump(node: SyntaxNode): string {
  const children = node.children.map((c) => (c ? dump(c) : '?')).join(' ');
  const where = `${node.startIndex}-${node.endIndex}@${node.startPosition.row}:${node.startPosition.column}`;
  return `(${node.type} ${where}${node.isMissing ? ' missing' : ''}${children ? ' ' + children : ''})`;
}

function range(sl: number, sc: number, el: number, ec: number, text: string): Change {
  return { range: { start: { line: sl, character: sc }, end: { line: el, character: ec } }, text };
}

/** Applies the changes to an open document and checks its tree equals a fresh parse of the new text. */
async function assertIncrementalMatchesFresh(initial: string, batches: Change[][], expectedText?: string) {
  await initC();
  const store = new DocumentStore();
  const uri = 'file:///t.c';
  const open = store.open(uri, 'c', 1, initial);
  assert.equal(dump(open.tree.rootNode), dump(parsePlainC(initial).rootNode));
  let version = 1;
  for (const changes of batches) {
    store.change(uri, ++version, changes);
    const fresh = parsePlainC(open.document.getText());
    assert.equal(open.tree.rootNode.toString(), fresh.rootNode.toString());
    assert.equal(dump(open.tree.rootNode), dump(fresh.rootNode));
  }
  assert.equal(open.document.version, version);
  if (expectedText !== undefined) assert.equal(open.document.getText(), expectedText);
  store.dispose();
}

test('insertion inside a function: incremental parse equals a fresh parse', async () => {
  await assertIncrementalMatchesFresh(SOURCE, [[range(5, 16, 5, 16, ' + len')], [range(9, 2, 9, 2, 'counter++;\n  ')]]);
});

test('deletions, including one that breaks the syntax and one that repairs it', async () => {
  await assertIncrementalMatchesFresh(SOURCE, [
    [range(8, 2, 8, 3, '')], // remove the loop's closing brace
    [range(8, 2, 8, 2, '}')], // put it back
    [range(2, 0, 3, 0, '')], // delete a whole line
  ]);
});

test('multi-line replacements and several changes in one notification', async () => {
  await assertIncrementalMatchesFresh(SOURCE, [
    [
      range(6, 2, 8, 3, 'while (len-- > 0)\n    total ^= *buf++;'),
      range(0, 0, 0, 0, '#define MAX 64\nstruct s { int a; };\n'),
    ],
    [range(0, 0, 2, 0, '')],
  ]);
});

test('non-ASCII edits are counted in UTF-16 code units on both sides', async () => {
  const text = 'int a; /* 😀é */ int b;\nint c = 1;\n';
  await assertIncrementalMatchesFresh(
    text,
    [
      [range(0, 17, 0, 20, 'long')], // after the surrogate pair: "int" → "long"
      [range(0, 10, 0, 12, 'ü')], // replace the surrogate pair itself
      [range(1, 0, 1, 0, '/* 🚀🚀 */ ')],
      [range(1, 11, 1, 14, 'short')],
    ],
    'int a; /* üé */ long b;\n/* 🚀🚀 */ short c = 1;\n',
  );
});

test('CRLF and lone-CR documents stay consistent with a fresh parse', async () => {
  await assertIncrementalMatchesFresh('int a;\r\nint b;\r\n', [[range(1, 4, 1, 5, 'bb')], [range(0, 6, 0, 6, '\rint z;')]]);
});

test('bogus ranges are clamped rather than thrown on', async () => {
  await assertIncrementalMatchesFresh(SOURCE, [
    [range(500, 3, 900, 1, '\nint tail;')],
    [range(4, 9000, 2, 0, '')], // reversed and past the end of the line
    [{ range: { start: { line: -4, character: Number.NaN }, end: { line: 0, character: 3 } }, text: 'long' } as Change],
  ]);
});

test('a full-text change replaces the document', async () => {
  await assertIncrementalMatchesFresh(SOURCE, [[range(0, 0, 0, 1, ''), { text: 'int only;\n' }]], 'int only;\n');
});

test('DocumentStore keeps one tree per document and follows versions', async () => {
  await initC();
  const store = new DocumentStore();
  const open = store.open('file:///w/a%20b.c', 'c', 1, 'int x;\n');
  assert.equal(open.file, 'file:///w/a%20b.c');
  const changed = store.change('file:///w/a%20b.c', 2, [range(0, 4, 0, 5, 'yy')]);
  assert.equal(changed?.document.getText(), 'int yy;\n');
  assert.equal(changed?.document.version, 2);
  assert.match(changed!.tree.rootNode.toString(), /identifier/);
  assert.equal(store.change('file:///nope.c', 2, []), undefined);
  assert.equal(store.close('file:///w/a%20b.c'), true);
  assert.equal(store.get('file:///w/a%20b.c'), undefined);
  assert.equal(store.close('file:///w/a%20b.c'), false);
  store.dispose();
});

test('ParsedFileCache evicts the least recently used tree and reparses changed text', async () => {
  await initC();
  const cache = new ParsedFileCache(2);
  cache.get('a', 'int a;');
  cache.get('b', 'int b;');
  cache.get('a', 'int a;'); // a is now the most recent
  cache.get('c', 'int c;');
  assert.equal(cache.size, 2);
  assert.equal(cache.has('b'), false);
  assert.equal(cache.has('a'), true);
  const tree = cache.get('a', 'int changed;');
  assert.match(tree.rootNode.toString(), /declaration/);
  assert.equal(cache.size, 2);
  cache.dispose();
  assert.equal(cache.size, 0);
  assert.throws(() => new ParsedFileCache(0), /at least 1/);
});
