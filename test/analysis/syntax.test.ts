import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC, parseC } from '../../server/src/analysis/syntax';

test('the pinned C grammar wasm loads with the pinned web-tree-sitter and parses C', async () => {
  await initC();
  const tree = parseC('int add(int a, int b) { return a + b; }\n');
  try {
    const fn = tree.rootNode.firstNamedChild;
    assert.equal(fn?.type, 'function_definition');
    assert.equal(tree.rootNode.hasError, false);
  } finally {
    tree.delete();
  }
});

test('columns count UTF-16 code units, as LSP positions do', async () => {
  await initC();
  const tree = parseC('/* é😀 */ int x;\n');
  try {
    const decl = tree.rootNode.namedChildren.find((n) => n?.type === 'declaration');
    // "/* é😀 */ " is 10 UTF-16 code units (😀 is two).
    assert.equal(decl?.startPosition.column, 10);
  } finally {
    tree.delete();
  }
});
