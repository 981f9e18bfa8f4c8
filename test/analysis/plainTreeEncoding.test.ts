// The encoded tree (plainTreeEncoding.ts) stands in for a parse on a document's first analysis, so
// the tree rebuilt from it must be the plain copy of a parse node for node, anchors included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initC, parsePlainC, type SyntaxNode, type Tree } from '../../server/src/analysis/syntax';
import { decodeTree, encodeTree, encodedSize, EncodingError, textParsedOf } from '../../server/src/analysis/plainTreeEncoding';
import { repoRoot } from '../repoRoot';
import { memcachedOrSkip } from '../corpus/corpusRun';

/** Walks both trees in pre-order and compares every node; returns how many nodes there were. */
function assertSameTree(decoded: Tree, copied: Tree, label: string): number {
  assert.equal(decoded.text, copied.text, label);
  // The rebuilt tree's pre-order segments are made as it is rebuilt; the copy's on first use.
  copied.indexSegments();
  const pending: [SyntaxNode, SyntaxNode][] = [[decoded.rootNode, copied.rootNode]];
  let count = 0;
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    const [d, c] = pair;
    const where = `${label}: node ${count} (${c.type} at ${c.startIndex})`;
    assert.deepEqual(
      [d.type, d.isNamed, d.startIndex, d.endIndex, d.field, d.hasError, d.isMissing, d.index, d.children.length, d.parent?.startIndex, d.parent?.type],
      [c.type, c.isNamed, c.startIndex, c.endIndex, c.field, c.hasError, c.isMissing, c.index, c.children.length, c.parent?.startIndex, c.parent?.type],
      where,
    );
    assert.equal(d.tree, decoded, where);
    assert.equal(d.order, c.order, `${where}: position in its segment`);
    if (d.parent) assert.ok(d.segment && d.segment.nodes[d.order] === d, `${where}: in its segment, at its position`);
    // The same sharing of anchors as the copy: one per top-level subtree, shared below it.
    if (d.parent && d.parent.parent) assert.equal(d.anchor, d.parent.anchor, where);
    count++;
    for (let i = c.children.length - 1; i >= 0; i--) pending.push([d.children[i], c.children[i]]);
  }
  const tops = decoded.rootNode.children;
  assert.equal(new Set(tops.map((top) => top.anchor)).size, tops.length, `${label}: each top-level subtree has an anchor of its own`);
  for (const [i, top] of tops.entries()) {
    const [d, c] = [top.segment!, copied.rootNode.children[i].segment!];
    assert.equal(d.nodes.length, c.nodes.length, `${label}: segment ${i}'s nodes`);
    assert.deepEqual([...d.ends], [...c.ends], `${label}: segment ${i}'s subtree ends`);
    assert.deepEqual([...d.byType].sort(), [...c.byType].sort(), `${label}: segment ${i}'s positions by type`);
  }
  return count;
}

function roundTrip(text: string, label: string): number {
  const copied = parsePlainC(text);
  const encoded = encodeTree(copied, text);
  assert.equal(encodedSize(encoded), encoded.types.length * 17 + encoded.blanked.length * 4);
  // The text the parser read (blanked) comes back from the document's text and the encoding.
  assert.equal(textParsedOf(encoded, text), copied.text, `${label}: the text the parser read`);
  return assertSameTree(decodeTree(encoded, textParsedOf(encoded, text)), copied, label);
}

test('a tree rebuilt from its encoding equals the copy of a parse, on the example servers', async () => {
  await initC();
  const examples = join(repoRoot(), 'examples');
  let files = 0;
  for (const dir of readdirSync(examples, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const name of readdirSync(join(examples, dir.name)).filter((n) => /\.[ch]$/.test(n))) {
      assert.ok(roundTrip(readFileSync(join(examples, dir.name, name), 'utf8'), name) > 10, name);
      files++;
    }
  }
  assert.ok(files >= 6, `only ${files} example files found`);
});

test('a tree rebuilt from its encoding keeps ERROR and MISSING nodes and where errors are', async () => {
  await initC();
  const broken = [
    'int f(int a { return a + ; }\n',
    'int k(void) { int a = 1 int b = 2; return a; }\n',
    'struct s { int x int y; };\nint g(void) { if (x { return 1; } }\n',
    '#if A\nint h(void) { return (1 + 2; }\n#endif\n',
    '',
  ];
  for (const [i, text] of broken.entries()) roundTrip(text, `broken ${i}`);
  const missing = parsePlainC(broken[1]);
  assert.ok(missing.rootNode.hasError, 'the fixture must contain an error');
  const decoded = decodeTree(encodeTree(missing, broken[1]), missing.text);
  const missingNodes = (node: SyntaxNode): number => (node.isMissing ? 1 : 0) + node.children.reduce((n, c) => n + missingNodes(c), 0);
  assert.ok(missingNodes(decoded.rootNode) > 0, 'the MISSING node is rebuilt');
});

test('a tree rebuilt from its encoding equals the copy of a parse on memcached.c (Debian source package)', async (t) => {
  const directory = memcachedOrSkip(t);
  if (!directory) return;
  await initC();
  assert.ok(roundTrip(readFileSync(join(directory, 'memcached.c'), 'utf8'), 'memcached.c') > 40_000);
});

test('the encoding says which characters the parser read blanked, and the text it read is made from the document\'s', async () => {
  await initC();
  // An attribute-only macro and an #if group that splits a brace are blanked (blanking.ts).
  const text = [
    '#define ATTR(x) __attribute__((x))',
    'int f(int a) ATTR(nonnull(1));',
    'static int g(int n) {',
    '#ifdef EXTSTORE',
    '    if (n <= 2 || n > 9) {',
    '#else',
    '    if (n <= 2) {',
    '#endif',
    '        return 0;',
    '    }',
    '    return n;',
    '}',
    '',
  ].join('\n');
  const copied = parsePlainC(text);
  assert.notEqual(copied.text, text, 'the fixture must be blanked');
  const encoded = encodeTree(copied, text);
  assert.ok(encoded.blanked.length >= 4, 'at least two blanked runs');
  assert.equal(textParsedOf(encoded, text), copied.text);
  roundTrip(text, 'blanked');
  // No runs for a text read as it is.
  assert.equal(encodeTree(parsePlainC('int a;\n'), 'int a;\n').blanked.length, 0);
  // Runs that cannot be of the document are refused.
  assert.throws(() => textParsedOf(encoded, text + ' '), EncodingError);
  assert.throws(() => textParsedOf({ ...encoded, blanked: encoded.blanked.slice(1) }, text), EncodingError);
  assert.throws(() => textParsedOf({ ...encoded, blanked: Int32Array.from([5, 3]) }, text), EncodingError);
  assert.throws(() => textParsedOf({ ...encoded, blanked: Int32Array.from([10, 12, 11, 14]) }, text), EncodingError);
  assert.throws(() => textParsedOf({ ...encoded, blanked: Int32Array.from([0, text.length + 1]) }, text), EncodingError);
  // A tree and a document of different lengths cannot be encoded together.
  assert.throws(() => encodeTree(copied, text + ' '), EncodingError);
});

test('code nested thousands of levels deep encodes and rebuilds without overflowing the stack', async () => {
  await initC();
  const depth = 5000;
  roundTrip(`int f(void) { return ${'('.repeat(depth)}1${')'.repeat(depth)}; }\n`, 'nested');
});

test('an encoding that does not fit the text, or is malformed, is refused with EncodingError', async () => {
  await initC();
  const copied = parsePlainC('int a;\nint b(void) { return a; }\n');
  const encoded = encodeTree(copied, copied.text);
  assert.throws(() => decodeTree(encoded, copied.text + ' '), EncodingError);
  assert.throws(() => decodeTree({ ...encoded, childCounts: encoded.childCounts.map((n, i) => (i === 0 ? n + 1 : n)) }, copied.text), EncodingError);
  assert.throws(() => decodeTree({ ...encoded, childCounts: encoded.childCounts.map((n, i) => (i === 0 ? n - 1 : n)) }, copied.text), EncodingError);
  assert.throws(() => decodeTree({ ...encoded, ends: encoded.ends.map((n) => n + 100) }, copied.text), EncodingError);
  assert.throws(() => decodeTree({ ...encoded, types: encoded.types.slice(1) }, copied.text), EncodingError);
  // An encoding survives the structured clone a message to the analysis thread makes.
  assertSameTree(decodeTree(structuredClone(encoded), copied.text), copied, 'cloned');
});
