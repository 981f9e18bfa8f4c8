// The one blanking step before parsing (blanking.ts) with both its sources, attribute macros and
// split #if groups: after any edit, what it blanks starting from the previous version is what a
// fresh reading blanks, each source takes what it can from the previous version, and a reparse
// gives the text and tree of a fresh parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeMacrosKey, type AttributeMacroState } from '../../server/src/analysis/attributeMacros';
import { blankingAfterEdit, blankingOf, type Blanking } from '../../server/src/analysis/blanking';
import { editBetween, reparse } from '../../server/src/analysis/plainTreeEdit';
import { initC, parseC, parsedTextOf } from '../../server/src/analysis/syntax';
import { randomEdit, Rng } from './randomEdits';

/** Attribute macros #defined in every way the source reads (continued lines, indented '#', parameters). */
const MACROS = `#define API __attribute__((visibility("default"))) extern
#define COLD \\
  __attribute__((cold))
#define LIMIT 64
int x; API int f(int a);
  # define HOT __attribute__((hot))
COLD static void g(void) { HOT; }
#define TWO(a, b) \\
  __attribute__((a, b))
int y = LIMIT;
static int sum(const int *v, int n) {
  int total = 0;
  for (int i = 0; i < n; i++)
    total += v[i];
  return total;
}
`;

/** Split groups (by braces, by parentheses after #if 0, balanced) beside macro uses, comments and strings. */
const BRANCHES = `#define ATTR(x) __attribute__((x))
/* API int commented(void); */
int f(int a) ATTR(nonnull(1));
static int g(int n) {
#ifdef EXTSTORE
    if (n <= 2 || (n & 4) != 0) {
#else
    if (n <= 2) {
#endif
        return 0;
    }
#if A
    if (n) { n++; }
#else
    n--;
#endif
    return n; /* } */
}
static const char *s = "#{";
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

/** Groups blanked though their branches balance: in initializer lists, in parentheses, with a dangling else; and groups left alone. */
const EXPRESSIONS = `static char *const tokens[] = {
    [A] = "a",
#ifdef TLS
    [B] = "b",
#endif
    NULL
};
struct cb cbs[] = /* t */ {
   { 1, f },
#if 0
   { 2, g },
#else
   { 3, h },
#endif
};
static int k(conn *c, int a, int b) {
    if ((a != 0 && a < b)
        || b
#ifdef EXTSTORE
        || !a
#endif
        ) {
        a++;
    }
#ifdef TLS
    if (c) {
        a = 1;
    } else // plain
#else
    assert(c == NULL);
#endif
    {
        a = v[0];
    }
    return a;
}
struct s {
    int a;
#ifdef X
    int b;
#endif
};
`;

const TYPED = ['/*', '*/', '"', "'", '(', ')', '{', '}', '\n', '\r\n', ' ', 'x', '0', 'API ', '#', 'define', '#define API extern\n',
  '#define Z __attribute__((z))\n', '#else\n', '#endif\n', '#ifdef X\n', '#if 0\n', '#elif 0\n', '\\', '\\\n', '//', 'if (n) {\n',
  '=', '= ', ',', '[', ']', 'else', ' else\n', 'e', '} else\n'];

const macrosOf = (blanking: Blanking) => (blanking.states[0] as AttributeMacroState).macros;

for (const [name, base, seed] of [['attribute macros', MACROS, 11], ['split groups', BRANCHES, 3], ['groups in expressions or after an else', EXPRESSIONS, 5]] as const) {
  test(`after random edits of a text with ${name}, the blanking carried from the previous version equals a fresh one`, () => {
    const rng = new Rng(seed);
    let text: string = base;
    let blanking = blankingOf(text);
    let keptMacros = 0;
    let quietWithBranches = 0;
    for (let i = 0; i < 3000; i++) {
      // Back to the base now and then, so that the text keeps its #define lines and groups.
      const next = i % 40 === 39 ? base : randomEdit(rng, text, TYPED, { deleteUpTo: 4 }).text;
      const edit = editBetween(text, next);
      const fresh = blankingOf(next);
      if (edit) {
        const after = blankingAfterEdit({ text, blanking }, next, edit);
        const at = `edit ${i}: ${JSON.stringify(next)}`;
        assert.deepEqual(after.ranges, fresh.ranges, at);
        assert.equal(after.text, fresh.text, at);
        assert.equal(attributeMacrosKey(macrosOf(after)), attributeMacrosKey(macrosOf(fresh)), at);
        if (macrosOf(after) === macrosOf(blanking)) keptMacros++;
        if (fresh.states[1].ranges.length && !/[{}()#\\"'/*\n]/.test(text.slice(edit.startIndex, edit.oldEndIndex) + next.slice(edit.startIndex, edit.newEndIndex))) quietWithBranches++;
        blanking = after;
      } else {
        blanking = fresh;
      }
      text = next;
    }
    // The edits are not all of the kind that makes a source read the text again.
    assert.ok(keptMacros > 500, `${keptMacros} edits kept the macros`);
    if (base !== MACROS) assert.ok(quietWithBranches > 300, `${quietWithBranches} edits of a text with blanked groups typed nothing a scan reads`);
  });
}

test('an edit that ends a block comment blanks the macro uses it uncovers, as a fresh reading does', async () => {
  await initC();
  // Nothing is blanked before the edit (API is only commented out), so only the edited lines were searched.
  const before = '/*\nAPI int f(void);\n*/\n#define API extern\nint g;\n';
  const after = before.slice(2);
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

test('after edits, also ones completing a name or #defining one far away, reparsing gives the text of a fresh parse, and its tree where that has no error', async () => {
  await initC();
  const plain = 'int g(void) __THRO;\nint f(void) { return 0; }\n#define __THROW\n';
  const steps = [
    // 'W' typed completes a well-known attribute macro's name begun before the edit.
    plain.replace('__THRO;', '__THROW;'),
    plain.replace('__THRO;', '__THROW;').replace('return 0', 'return 1'),
    plain,
    plain.replace('return 0;', 'return 0; __wur'),
    plain,
    // A #define makes a name used elsewhere an attribute macro: blanked far from the edit.
    `int h(void) MYATTR;\n${plain}`,
    `int h(void) MYATTR;\n${plain}#define MYATTR __attribute__((cold))\n`,
    plain,
  ];
  const rng = new Rng(23);
  for (const base of [plain, BRANCHES, EXPRESSIONS]) {
    let text = base;
    for (let i = 0; i < 200; i++) {
      text = i % 30 === 29 ? base : randomEdit(rng, text, [...TYPED, '__THROW ', 'W', '__wur'], { deleteUpTo: 4 }).text;
      steps.push(text);
    }
  }
  let version = reparse(undefined, plain);
  try {
    for (const [i, next] of steps.entries()) {
      version = reparse(version, next);
      const fresh = parseC(next);
      try {
        const at = `step ${i}: ${JSON.stringify(next)}`;
        assert.equal(parsedTextOf(version.tree), parsedTextOf(fresh), at);
        if (i === 0) assert.notEqual(parsedTextOf(version.tree), next, 'the completed name is blanked');
        // Where the text has a syntax error, an incremental parse may end its error recovery
        // elsewhere than a fresh one (with or without blanking): only error-free trees must match.
        if (!fresh.rootNode.hasError) assert.equal(version.tree.rootNode.toString(), fresh.rootNode.toString(), at);
      } finally {
        fresh.delete();
      }
    }
  } finally {
    version.tree.delete();
  }
});
