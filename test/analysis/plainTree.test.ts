// The plain tree the analysis walks (plainTree.ts) must say exactly what web-tree-sitter says
// about every node: these tests walk both trees side by side over real files and broken C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { initC, parseC, plainTreeOf, parsedTextOf, type SyntaxNode } from '../../server/src/analysis/syntax';
import { repoRoot } from '../repoRoot';
import { memcachedOrSkip } from '../corpus/corpusRun';

/** Every node of both trees in pre-order, compared field by field; returns how many were compared. */
function assertSameTree(text: string, label: string): number {
  const real = parseC(text);
  try {
    const plain = plainTreeOf(real);
    assert.equal(plain.text, parsedTextOf(real));
    const cursor = real.walk();
    const plainCursor = plain.walk();
    let count = 0;
    try {
      for (;;) {
        const r: Node = cursor.currentNode;
        const p: SyntaxNode = plainCursor.currentNode;
        const where = `${label}: node ${count} (${r.type} at ${r.startPosition.row}:${r.startPosition.column})`;
        assert.equal(p.type, r.type, where);
        assert.equal(p.isNamed, r.isNamed, where);
        assert.equal(p.startIndex, r.startIndex, where);
        assert.equal(p.endIndex, r.endIndex, where);
        assert.deepEqual(p.startPosition, r.startPosition, where);
        assert.deepEqual(p.endPosition, r.endPosition, where);
        assert.equal(p.text, r.text, where);
        assert.equal(plainCursor.currentFieldName, cursor.currentFieldName, where);
        assert.equal(p.hasError, r.hasError, where);
        assert.equal(p.isMissing, r.isMissing, where);
        assert.equal(p.isError, r.isError, where);
        assert.equal(p.childCount, r.childCount, where);
        assert.equal(p.namedChildCount, r.namedChildCount, where);
        assert.equal(p.parent?.startIndex, r.parent?.startIndex, where);
        assert.equal(p.parent?.type, r.parent?.type, where);
        assert.equal(p.previousNamedSibling?.startIndex, r.previousNamedSibling?.startIndex, where);
        assert.equal(p.previousSibling?.endIndex, r.previousSibling?.endIndex, where);
        for (const child of p.children) assert.equal(p.fieldNameForChild(child.index), r.fieldNameForChild(child.index), where);
        for (const field of new Set(p.children.map((c) => c.field).filter((f): f is string => f !== null))) {
          assert.equal(p.childForFieldName(field)?.startIndex, r.childForFieldName(field)?.startIndex, `${where} field ${field}`);
          assert.deepEqual(p.childrenForFieldName(field).map((c) => c.endIndex), r.childrenForFieldName(field).map((c) => c?.endIndex), `${where} field ${field}`);
        }
        count++;
        const movedReal = cursor.gotoFirstChild();
        assert.equal(plainCursor.gotoFirstChild(), movedReal, where);
        if (movedReal) continue;
        let done = false;
        for (;;) {
          const next = cursor.gotoNextSibling();
          assert.equal(plainCursor.gotoNextSibling(), next, where);
          if (next) break;
          const up = cursor.gotoParent();
          assert.equal(plainCursor.gotoParent(), up, where);
          if (!up) {
            done = true;
            break;
          }
        }
        if (done) break;
      }
    } finally {
      cursor.delete();
    }
    assert.equal(plain.rootNode.toString(), real.rootNode.toString(), label);
    // descendantForPosition at a spread of points, including line ends and the end of the text.
    const lines = text.split('\n');
    const step = Math.max(1, Math.floor(lines.length / 300));
    for (let row = 0; row < lines.length; row += step) {
      for (const column of [0, 1, Math.floor(lines[row].length / 2), lines[row].length]) {
        const point = { row, column };
        const r = real.rootNode.descendantForPosition(point);
        const p = plain.rootNode.descendantForPosition(point);
        assert.deepEqual([p?.type, p?.startIndex, p?.endIndex], [r?.type, r?.startIndex, r?.endIndex], `${label}: descendantForPosition ${row}:${column}`);
      }
    }
    return count;
  } finally {
    real.delete();
  }
}

test('the plain tree equals web-tree-sitter node for node on the example servers', async () => {
  await initC();
  const examples = join(repoRoot(), 'examples');
  let files = 0;
  for (const dir of readdirSync(examples, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const name of readdirSync(join(examples, dir.name))) {
      if (!/\.[ch]$/.test(name)) continue;
      assert.ok(assertSameTree(readFileSync(join(examples, dir.name, name), 'utf8'), name) > 10, name);
      files++;
    }
  }
  assert.ok(files >= 6, `only ${files} example files found`);
});

test('the plain tree equals web-tree-sitter on broken C: ERROR and MISSING nodes, hasError', async () => {
  await initC();
  const broken = [
    'int f(int a { return a + ; }\n',
    'struct s { int x int y; };\nint g(void) { if (x { return 1; } }\n',
    'int h(void) { return (1 + 2; }\n',
    'int k(void) { int a = 1 int b = 2; return a; }\n',
    '#define X(a) (a\nint m(void) { return X(1); \n',
    '/* é😀 */ int x = "ünïcode";\r\nint y;\rint z;\n',
    '__attribute_cold__\nstatic int q(int c) { return c; }\n',
    '',
  ];
  for (const [i, text] of broken.entries()) assertSameTree(text, `broken ${i}`);
  const missing = parseC(broken[3]);
  try {
    assert.ok(missing.rootNode.hasError, 'the fixture must contain an error');
  } finally {
    missing.delete();
  }
});

test('the plain tree equals web-tree-sitter on memcached.c (Debian source package)', async (t) => {
  const directory = memcachedOrSkip(t);
  if (!directory) return;
  await initC();
  assert.ok(assertSameTree(readFileSync(join(directory, 'memcached.c'), 'utf8'), 'memcached.c') > 40_000);
});

test('code nested thousands of levels deep copies without overflowing the stack', async () => {
  await initC();
  const depth = 5000;
  const text = `int f(void) { return ${'('.repeat(depth)}1${')'.repeat(depth)}; }\n`;
  const real = parseC(text);
  try {
    let node: SyntaxNode | null = plainTreeOf(real).rootNode;
    let levels = 0;
    while (node && node.firstChild) {
      node = node.children.reduce((deepest, c) => (c.endIndex - c.startIndex > deepest.endIndex - deepest.startIndex ? c : deepest));
      levels++;
    }
    assert.ok(levels > depth, `only ${levels} levels`);
  } finally {
    real.delete();
  }
});

