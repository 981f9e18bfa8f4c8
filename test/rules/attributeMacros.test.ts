// What the pre-parse blanking (blanking.ts) takes from attribute-only macros (attributeMacros.ts):
// which names are blanked, that every offset stays where it was, and that incremental parsing
// through parseC still gives the tree a fresh parse gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeMacroRanges, attributeMacrosOf } from '../../server/src/analysis/attributeMacros';
import { blankRanges } from '../../server/src/analysis/blanking';
import { initC, parseC, type ParserTree } from '../../server/src/analysis/syntax';

const SOURCE = `#define API __attribute__((visibility("default"))) extern
#define NOTHING
#define ATTR(x) __attribute__((x))
#define LIMIT 64
#ifdef __GNUC__
#define MAYBE __attribute__((unused))
#else
#define MAYBE 1
#endif
/* API in a comment */ const char *s = "API __THROW"; // API
API int f(int a) ATTR(nonnull(1,
  2)) __THROW;
NOTHING int g(int b) { return b + LIMIT + MAYBE; } /* 😀 */ __attribute_cold__ int h(void);
`;

test('blanks well-known and file-defined attribute macros in code only, keeping length and line breaks', () => {
  const macros = attributeMacrosOf(SOURCE);
  assert.ok(macros.objectLike.has('API') && macros.objectLike.has('NOTHING') && macros.functionLike.has('ATTR'));
  assert.ok(!macros.objectLike.has('LIMIT'), 'a macro with a value is not an attribute');
  assert.ok(!macros.objectLike.has('MAYBE'), 'one non-attribute definition keeps the name');
  const blanked = blankRanges(SOURCE, attributeMacroRanges(SOURCE, macros));
  assert.equal(blanked.length, SOURCE.length);
  assert.deepEqual([...blanked.matchAll(/\n/g)].map((m) => m.index), [...SOURCE.matchAll(/\n/g)].map((m) => m.index));
  const lines = blanked.split('\n');
  assert.equal(lines[0], SOURCE.split('\n')[0], 'preprocessor lines are left alone');
  assert.equal(lines[9], '/* API in a comment */ const char *s = "API __THROW"; // API');
  assert.equal(lines[10], '   ' + ' int f(int a) ' + ' '.repeat('ATTR(nonnull(1,'.length));
  assert.equal(lines[11], ' '.repeat('  2)) __THROW'.length) + ';');
  assert.match(lines[12], /^ {7} int g\(int b\) \{ return b \+ LIMIT \+ MAYBE; \} \/\* 😀 \*\/ {19} int h\(void\);$/);
  assert.deepEqual(attributeMacroRanges('int x;\n'), []);
});

function sexp(tree: ParserTree): string {
  return tree.rootNode.toString();
}

test('positions in the tree are those of the original text, and incremental parses match fresh ones', async () => {
  await initC();
  const text = '__attribute_cold__\n__attribute_nonnull__()\nvoid free_ptr(char *b);\nstatic int is_digit(int c) { return c - 48 <= 9; }\n';
  const tree = parseC(text);
  try {
    const definition = tree.rootNode.namedChildren.find((n) => n?.type === 'function_definition');
    assert.ok(definition, sexp(tree));
    assert.equal(definition.startPosition.row, 3);
    assert.equal(definition.startIndex, text.indexOf('static int is_digit'));
    assert.ok(!tree.rootNode.hasError, sexp(tree));
  } finally {
    tree.delete();
  }

  // An edit that adds a #define (the pre-pass does not look at where) changes the blanking of
  // lines it does not touch.
  const before = 'API int *f(void);\nint g(void) { return 1; }\n';
  const insert = '#define API extern\n';
  const after = before + insert;
  const old = parseC(before);
  old.edit({
    startIndex: before.length, oldEndIndex: before.length, newEndIndex: after.length,
    startPosition: { row: 2, column: 0 }, oldEndPosition: { row: 2, column: 0 }, newEndPosition: { row: 3, column: 0 },
  });
  const incremental = parseC(after, old);
  const fresh = parseC(after);
  try {
    assert.equal(sexp(incremental), sexp(fresh));
    assert.ok(!sexp(fresh).includes('ERROR'), sexp(fresh));
  } finally {
    old.delete();
    incremental.delete();
    fresh.delete();
  }
});
