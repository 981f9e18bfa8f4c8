// The one blanking step before parsing (blanking.ts) with both its sources, attribute macros and
// split #if groups: after any edit, what it blanks from the previous version is what a fresh
// reading blanks, and a reparse gives the tree and text of a fresh parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blankingAfterEdit, blankingOf, type Blanking } from '../../server/src/analysis/blanking';
import { editBetween, reparse } from '../../server/src/analysis/plainTreeEdit';
import { initC, parseC, parsedTextOf } from '../../server/src/analysis/syntax';
import { randomEdit, Rng } from './randomEdits';

const BASE = `#define API __attribute__((visibility("default"))) extern
#define ATTR(x) __attribute__((x))
/* API int commented(void); */
API int f(int a) ATTR(nonnull(1));
static int g(int n) {
#ifdef EXTSTORE
    if (n <= 2 || (n & 4) != 0) {
#else
    if (n <= 2) {
#endif
        return 0;
    }
    return n; // API
}
static const char *s = "API {";
static int k(int n) {
    if (n
#if 0
        > 1)
#else
        > 0)
#endif
        return 1;
    return 0;
}
`;

const TYPED = ['/*', '*/', '"', "'", '(', ')', '{', '}', '\n', ' ', 'x', '0', 'API ', '#define API extern\n', '#else\n', '#endif\n', '#ifdef X\n', '#if 0\n', '#elif 0\n', '\\\n', '//'];

test('an edit that ends a block comment blanks the macro uses it uncovers, as a fresh reading does', async () => {
  await initC();
  // Nothing is blanked before the edit (API is only commented out), so only the edited lines were searched.
  const before = '/*\nAPI int f(void);\n*/\n#define API extern\nint g;\n';
  const after = before.slice(2);
  const edit = editBetween(before, after)!;
  assert.equal(blankingAfterEdit({ text: before, blanking: blankingOf(before) }, after, edit).text, blankingOf(after).text);
  let version = reparse(undefined, before);
  version = reparse(version, after);
  const fresh = parseC(after);
  try {
    assert.equal(parsedTextOf(version.tree), parsedTextOf(fresh));
    assert.match(parsedTextOf(fresh), /^\n {3} int f/);
  } finally {
    fresh.delete();
    version.tree.delete();
  }
});

test('after random edits the blanking carried from the previous version equals a fresh one', () => {
  const rng = new Rng(17);
  let text = BASE;
  let blanking: Blanking = blankingOf(text);
  for (let i = 0; i < 3000; i++) {
    const next = i % 40 === 39 ? BASE : randomEdit(rng, text, TYPED, { deleteUpTo: 4 }).text;
    const edit = editBetween(text, next);
    const fresh = blankingOf(next);
    if (edit) {
      const after = blankingAfterEdit({ text, blanking }, next, edit);
      assert.equal(after.text, fresh.text, `edit ${i}: ${JSON.stringify(next)}`);
      assert.deepEqual(after.ranges, fresh.ranges, `edit ${i}: ${JSON.stringify(next)}`);
      blanking = after;
    } else {
      blanking = fresh;
    }
    text = next;
  }
});

test('after random edits of text with attribute macros and a split group, reparsing gives the text of a fresh parse, and its tree where that has no error', async () => {
  await initC();
  const rng = new Rng(23);
  let version = reparse(undefined, BASE);
  try {
    for (let i = 0; i < 300; i++) {
      const text = i % 30 === 29 ? BASE : randomEdit(rng, version.text, TYPED, { deleteUpTo: 4 }).text;
      version = reparse(version, text);
      const fresh = parseC(text);
      try {
        assert.equal(parsedTextOf(version.tree), parsedTextOf(fresh), `edit ${i}: ${JSON.stringify(text)}`);
        // Where the text has a syntax error, an incremental parse may end its error recovery
        // elsewhere than a fresh one (with or without blanking): only error-free trees must match.
        if (!fresh.rootNode.hasError) assert.equal(version.tree.rootNode.toString(), fresh.rootNode.toString(), `edit ${i}: ${JSON.stringify(text)}`);
      } finally {
        fresh.delete();
      }
    }
  } finally {
    version.tree.delete();
  }
});
