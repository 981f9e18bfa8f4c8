// After an edit the attribute macros are taken from the previous version unless the edit touched
// a preprocessor line (blanking.ts): random edits — typing '#', '\\', newlines, whole #define
// lines, deleting ranges — must give the macros a fresh reading gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeMacrosKey, type AttributeMacroState } from '../../server/src/analysis/attributeMacros';
import { blankingAfterEdit, blankingOf, type Blanking } from '../../server/src/analysis/blanking';
import { editBetween, reparse } from '../../server/src/analysis/plainTreeEdit';
import { initC, parseC, parsedTextOf } from '../../server/src/analysis/syntax';
import { randomEdit, Rng } from './randomEdits';

const BASE = `#define API __attribute__((visibility("default"))) extern
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
static int twice(int v) {
  return v * 2;
}
`;

const TYPED = ['#', '\\', '\n', 'd', ' ', 'x', '#define API 1\n', '#define Z __attribute__((z))\n', '\\\n', 'define', '\r\n'];

test('macros carried over an edit equal the macros read afresh', () => {
  const rng = new Rng(11);
  const macrosOf = (blanking: Blanking) => (blanking.states[0] as AttributeMacroState).macros;
  let text = BASE;
  let blanking = blankingOf(text);
  let reused = 0;
  for (let i = 0; i < 3000; i++) {
    const after = randomEdit(rng, text, TYPED, { deleteUpTo: 3 }).text;
    // Back to the base now and then, so that the text keeps its #define lines.
    const edited = i % 40 === 39 ? BASE : after;
    const edit = editBetween(text, edited);
    const fresh = blankingOf(edited);
    if (edit) {
      const carried = blankingAfterEdit({ text, blanking }, edited, edit);
      if (macrosOf(carried) === macrosOf(blanking)) reused++;
      assert.equal(attributeMacrosKey(macrosOf(carried)), attributeMacrosKey(macrosOf(fresh)), `edit ${i}: ${JSON.stringify(edited)}`);
    }
    text = edited;
    blanking = fresh;
  }
  assert.ok(reused > 500, `${reused} edits reused the macros`);
});

test('after an edit the text is blanked as a fresh parse blanks it, also where the edit completes a name', async () => {
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
  const rng = new Rng(5);
  const typed = ['__THROW ', 'W', '#', '\n', ' ', 'x', '__wur', '#define __wur 1\n'];
  let text = plain;
  for (let i = 0; i < 200; i++) {
    text = i % 40 === 0 ? plain : randomEdit(rng, text, typed, { deleteUpTo: 3 }).text;
    steps.push(text);
  }
  let version = reparse(undefined, plain);
  try {
    for (const [i, next] of steps.entries()) {
      version = reparse(version, next);
      const fresh = parseC(next);
      try {
        assert.equal(parsedTextOf(version.tree), parsedTextOf(fresh), `step ${i}: ${JSON.stringify(next)}`);
        if (i === 0) assert.notEqual(parsedTextOf(version.tree), next, 'the completed name is blanked');
      } finally {
        fresh.delete();
      }
    }
  } finally {
    version.tree.delete();
  }
});
