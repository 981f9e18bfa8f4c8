// #if groups that split braces or parentheses between their branches are parsed with one branch
// taken (conditionalBranches.ts): the blanking itself, reparsing after edits, and what the parse
// and the analysis make of such files (the blanking carried through edits: blanking.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import { initC, parseC, parsedTextOf, parsePlainC, plainTreeOf, type SyntaxNode } from '../../server/src/analysis/syntax';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { memcachedOrSkip } from '../corpus/corpusRun';
import { blanked, emptyLines } from './splitGroupHelpers';
import { randomEdit, Rng } from './randomEdits';

const SPLIT_IF = `int f(int n) {
#ifdef EXTSTORE
    if (n <= 2 || (n & 4) != 0) {
#else
    if (n <= 2) {
#endif
        return 0;
    }
    return n;
}
`;

test('a group whose branches each open a brace keeps its first branch; directives and the rest become spaces', () => {
  const out = blanked(SPLIT_IF);
  assert.equal(out.length, SPLIT_IF.length);
  assert.equal(out, emptyLines(SPLIT_IF, [2, 4, 5, 6]));
});

test('groups whose branches balance their braces are left as written', () => {
  const balanced = `int f(int n) {\n#ifdef A\n    if (n) { n++; }\n#elif defined(B)\n    n--;\n#else\n    { n = 0; }\n#endif\n    return n;\n}\n`;
  assert.equal(blanked(balanced), balanced);
  assert.equal(blanked('int x;\n'), 'int x;\n');
});

test('a branch that closes a brace it did not open splits the group, even when it opens one again', async () => {
  await initC();
  const text = `int f(int n) {\n    if (n) {\n        n++;\n#ifdef PROXY\n    } else if (n > 1) {\n        n--;\n#endif\n    } else {\n        n = 0;\n    }\n    return n;\n}\n`;
  // One branch only: the directives go, the code stays (the branch is taken).
  assert.equal(blanked(text), emptyLines(text, [4, 7]));
  assert.equal(parsePlainC(blanked(text)).rootNode.hasError, false);
});

test('a group whose branches close a parenthesis they did not open splits too, though its braces balance', async () => {
  await initC();
  const text = `int f(int n) {\n    if (n > 0\n#ifdef LIMIT\n        && n < 10)\n#else\n        )\n#endif\n    {\n        return 1;\n    }\n    return 0;\n}\n`;
  assert.equal(blanked(text), emptyLines(text, [3, 5, 6, 7]));
  assert.equal(parsePlainC(text).rootNode.hasError, false);
});

test('after #if 0 (or #elif 0) the next branch is the one taken, and what remains of a nested group is that branch', async () => {
  await initC();
  const dead = SPLIT_IF.replace('#ifdef EXTSTORE', '#if 0 /* disabled */');
  assert.equal(blanked(dead), emptyLines(dead, [2, 3, 4, 6]));
  const chain = `int f(int n) {\n#if 0\n    if (n > 2) {\n#elif 0\n    if (n > 1) {\n#elif defined(B)\n    if (n > 0) {\n#else\n    if (n) {\n#endif\n        return 1;\n    }\n    return 0;\n}\n`;
  assert.equal(blanked(chain), emptyLines(chain, [2, 3, 4, 5, 6, 8, 9, 10]));
  // The inner group leaves one '{' (its #else branch), which the outer branch closes: the outer balances.
  const nested = `int f(int n) {\n#ifdef OUTER\n#if 0\n    if (n) { {\n#else\n    if (n) {\n#endif\n        n++;\n    }\n#endif\n    return n;\n}\n`;
  assert.equal(blanked(nested), emptyLines(nested, [3, 4, 5, 7]));
  assert.equal(parsePlainC(nested).rootNode.hasError, false);
});

test('#elif branches, CRLF line ends and line continuations of a directive are blanked whole', () => {
  const text = 'int f(int n) {\r\n#if A \\\r\n    && B\r\n    while (n) {\r\n#elif C\r\n    for (;;) {\r\n#else\r\n    do {\r\n#endif\r\n        n--;\r\n    }\r\n    return n;\r\n}\r\n';
  const out = blanked(text);
  assert.equal(out.length, text.length);
  assert.equal(out.split('\n').map((l) => l.trim()).slice(1, 9).join('|'), '||while (n) {|||||');
  assert.ok(out.includes('\r\n'), 'line ends are kept');
});

test('braces and # in comments, strings and character literals do not count', () => {
  const text = `int f(int n) {\n#ifdef A\n    puts("{ # not a directive");\n    /* { */ n = '{';\n    // }\n#else\n    n = '}'; /*\n#endif\n    */\n#endif\n    return n;\n}\n`;
  assert.equal(blanked(text), text);
});

test('a directive whose comment spans lines ends where the comment does', () => {
  const text = `int f(int n) {\n#ifdef A /* a long\n  comment { */\n    if (n) {\n#else\n    if (!n) {\n#endif\n        n++;\n    }\n    return n;\n}\n`;
  assert.equal(blanked(text), emptyLines(text, [2, 3, 5, 6, 7]));
});

test('nesting: a blanked group counts with its first branch in the branch around it; groups inside a blanked branch go with it', () => {
  // The inner group splits; what remains of it (`{`) is closed in the outer branch, which balances.
  const inner = `int f(int n) {\n#ifdef OUTER\n#ifdef INNER\n    if (n) {\n#else\n    if (!n) {\n#endif\n        n++;\n    }\n#endif\n    return n;\n}\n`;
  assert.equal(blanked(inner), emptyLines(inner, [3, 5, 6, 7]));
  // The outer group splits; a balanced group inside its #else branch is blanked with the branch.
  const outer = `int f(int n) {\n#ifdef A\n    while (n) {\n#else\n#ifdef B\n    n++;\n#else\n    n--;\n#endif\n    for (;;) {\n#endif\n        n--;\n    }\n    return n;\n}\n`;
  assert.equal(blanked(outer), emptyLines(outer, [2, 4, 5, 6, 7, 8, 9, 10, 11]));
});

test('a group left open (its #endif not typed yet) is not blanked', () => {
  const open = SPLIT_IF.replace('#endif\n', '');
  assert.equal(blanked(open), open);
});

/** Type, extent and children of every node: two trees with the same shape parsed the same way. */
function shape(node: SyntaxNode): unknown {
  return [node.type, node.startIndex, node.endIndex, node.hasError, node.children.map(shape)];
}

test('after edits in and around a blanked group, reparsing gives the tree and text of a fresh parse', async () => {
  await initC();
  const base = `static int first(int n) {\n    return n + 1;\n}\n${SPLIT_IF}static int last(int n) {\n    return first(n) * 2;\n}\n`;
  const typed = ['{', '}', '#else\n', '#endif\n', '#ifdef X\n', 'x', ' ', '\n', ';', 'if (n) {\n', '"', '/*'];
  const rng = new Rng(8);
  let version: ParsedVersion = reparse(undefined, base);
  let text = base;
  try {
    for (let i = 0; i < 300; i++) {
      text = i % 30 === 29 ? base : randomEdit(rng, text, typed, { deleteUpTo: 4 }).text;
      version = reparse(version, text);
      const fresh = parseC(text);
      try {
        assert.equal(parsedTextOf(version.tree), parsedTextOf(fresh), `edit ${i}: ${JSON.stringify(text)}`);
        assert.deepEqual(shape(version.plain.rootNode), shape(plainTreeOf(fresh).rootNode), `edit ${i}: ${JSON.stringify(text)}`);
      } finally {
        fresh.delete();
      }
    }
  } finally {
    version.tree.delete();
  }
});

test('diagnostics after a blanked group keep their place in the file as written', async () => {
  await initC();
  // The group resolved by hand (its #else branch deleted) moves what follows up four lines.
  const tail = `// bpf-offload: entry\nint handle(int n) {\n    char *p = malloc(n);\n    double d = n * 0.5;\n    return p[0] + (int)d;\n}\n`;
  const text = `${SPLIT_IF}${tail}`;
  const resolved = `${SPLIT_IF.replace(/#ifdef EXTSTORE\n|#else\n.*\n#endif\n/g, '')}${tail}`;
  const analyse = (source: string) => analyzeFile('src/server.c', parsePlainC(source), source, new Map(), DEFAULT_ANALYZE_OPTIONS);
  const written = analyse(text);
  const byHand = analyse(resolved);
  assert.equal(written.summary.hasSyntaxErrors, false);
  assert.ok(written.diagnostics.length >= 2, `diagnostics: ${written.diagnostics.map((d) => d.code)}`);
  const moved = (d: { range: { start: { line: number; character: number }; end: { line: number; character: number } } }) => ({
    start: { line: d.range.start.line + 4, character: d.range.start.character },
    end: { line: d.range.end.line + 4, character: d.range.end.character },
  });
  assert.deepEqual(
    written.diagnostics.map((d) => [d.code, d.range]),
    byHand.diagnostics.map((d) => [d.code, moved(d)]),
  );
});

test('memcached.c parses to a translation_unit, and do_add_delta, maximize_sndbuf and main are summarised functions', async (t) => {
  const directory = memcachedOrSkip(t);
  if (!directory) return;
  await initC();
  const text = readFileSync(join(directory, 'memcached.c'), 'utf8');
  const tree = parsePlainC(text);
  assert.equal(tree.rootNode.type, 'translation_unit');
  assert.deepEqual(tree.rootNode.children.filter((c) => c.type === 'ERROR'), [], 'no file-level ERROR node');
  const summary = summarizeFile('memcached.c', tree, text);
  const names = new Set(summary.functions.map((f) => f.name));
  for (const name of ['do_add_delta', 'maximize_sndbuf', 'main']) assert.ok(names.has(name), `${name} is summarised`);
});
