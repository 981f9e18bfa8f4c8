// After an edit the attribute macros are taken from the previous version unless the edit touched
// a preprocessor line (attributeMacrosAfterEdit): random edits — typing '#', '\\', newlines,
// whole #define lines, deleting ranges — must give the macros a fresh reading gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeMacrosAfterEdit, attributeMacrosKey, attributeMacrosOf } from '../../server/src/analysis/attributeMacros';
import { editBetween } from '../../server/src/analysis/plainTreeEdit';
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
  let text = BASE;
  let macros = attributeMacrosOf(text);
  let reused = 0;
  for (let i = 0; i < 3000; i++) {
    const after = randomEdit(rng, text, TYPED, { deleteUpTo: 3 }).text;
    // Back to the base now and then, so that the text keeps its #define lines.
    const edited = i % 40 === 39 ? BASE : after;
    const edit = editBetween(text, edited);
    const fresh = attributeMacrosOf(edited);
    if (edit) {
      const carried = attributeMacrosAfterEdit({ text, macros }, edited, edit);
      if (carried === macros) reused++;
      assert.equal(attributeMacrosKey(carried), attributeMacrosKey(fresh), `edit ${i}: ${JSON.stringify(edited)}`);
    }
    text = edited;
    macros = fresh;
  }
  assert.ok(reused > 500, `${reused} edits reused the macros`);
});
