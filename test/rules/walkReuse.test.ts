// The stack and size walks reuse the values of functions below the ones an edit changed
// (rules/walkReuse.ts). These edits change a function two calls below the entry, a function on a
// recursion, or only where a call sits, each followed by an edit elsewhere: after every one the
// analysis with the memo must equal a fresh one, and the walks' diagnostics must really change, so
// a value reused where it had changed could not pass unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { AnalysisDiagnostic, FileSummary } from '../../server/src/analysis/model';
import type { KeptWalks } from '../../server/src/analysis/rules/programWalks';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { summarize } from '../analysis/summarizeText';

const OTHER = `int deep(int n) {
  char big[400];
  big[0] = n;
  return big[0];
}
`;

const MAIN = `int deep(int n);
int leaf(int n) { char l[16]; l[0] = n; return l[0]; }
int sibling(int n) {
  char s[32];
  s[0] = leaf(n);
  return s[0];
}
int middle(int n) {
  char mid[200];
  int i;
  for (i = 0; i < 10; i++) mid[i] = leaf(i);
  return deep(mid[0]);
}
int ping(int n);
int pong(int n) { char p[8]; p[0] = n; return n > 0 ? ping(n - 1) : leaf(p[0]); }
int ping(int n) { return pong(n); }
// bpf-offload: entry
int handle(int n) {
  int i;
  for (i = 0; i < 400; i++) n += middle(i) + sibling(i);
  return n + ping(n);
}
`;

const OPTIONS = { ...DEFAULT_ANALYZE_OPTIONS, targetKernel: '5.1' };

function walkDiagnostics(analysis: FileAnalysis): AnalysisDiagnostic[] {
  return analysis.diagnostics.filter((d) => d.code === 'stack-size' || d.code === 'program-size');
}

async function analyzer() {
  await initC();
  const memo = new AnalysisMemo();
  const others = new Map<string, FileSummary>([['other.c', await summarize(OTHER, 'other.c')]]);
  return {
    memo,
    /** The analysis of `text` with the memo, checked against a fresh one. */
    analyze(text: string, label: string): FileAnalysis {
      const incremental = analyzeFile('main.c', parsePlainC(text), text, others, OPTIONS, memo);
      assert.deepEqual(incremental, analyzeFile('main.c', parsePlainC(text), text, others, OPTIONS), label);
      return incremental;
    },
  };
}

/** The key of the function named `name` among those a walk recorded. */
function keyOf(walks: KeptWalks, record: 'stackRecord' | 'sizeRecord', name: string): string {
  const found = [...walks[record].objects].find(([, fn]) => fn.name === name);
  assert.ok(found, `${name} was walked`);
  return found[0];
}

test('values below a changed function are reused and those above it walked again, equal to a fresh analysis', async () => {
  const { analyze } = await analyzer();
  const original = walkDiagnostics(analyze(MAIN, 'the original'));
  assert.deepEqual(original.map((d) => d.code).sort(), ['program-size', 'stack-size'], 'the original is over both limits');
  const steps: [string, string][] = [
    // leaf is two calls below the entry, under middle, sibling and the recursion ping ↔ pong.
    ["a function two calls below the entry grows its frame past the deepest chain's", MAIN.replace('char l[16];', 'char l[600];')],
    ['a function two calls below the entry grows its size', MAIN.replace('l[0] = n; return l[0];', 'l[0] = n; for (n = 0; n < 90; n++) l[n % 16] = n; return l[0];')],
    ['a function on a recursion grows its frame', MAIN.replace('char p[8];', 'char p[700];')],
    ['a function on a recursion grows its size', MAIN.replace('p[0] = n; return', 'for (n = 0; n < 99; n++) p[0] = n; return')],
  ];
  for (const [what, text] of steps) {
    const edited = walkDiagnostics(analyze(text, what));
    assert.notDeepEqual(edited, original, `${what} should change the walks' diagnostics`);
    // And back, then an edit elsewhere, which walks again over what the two edits left.
    analyze(MAIN, `back from: ${what}`);
    analyze(MAIN.replace('char s[32];', 'char s[48];'), `an edit elsewhere after: ${what}`);
    analyze(MAIN, `back again from: ${what}`);
  }
});

test('an edit in one function leaves the recorded values of the functions beside it in place', async () => {
  const { memo, analyze } = await analyzer();
  analyze(MAIN, 'the original');
  const before = memo.rules.walks('main.c')!;
  // sibling's frame and size change; middle (and leaf, deep below it) are not above sibling.
  analyze(MAIN.replace('char s[32];', 'char s[48]; s[1] = 2;'), 'sibling edited');
  const after = memo.rules.walks('main.c')!;
  assert.notEqual(after.stack, before.stack, 'the stack is walked again');
  const middle = keyOf(after, 'stackRecord', 'middle');
  assert.equal(after.stackRecord.clean.get(middle), before.stackRecord.clean.get(middle), "middle's deepest chain is the one recorded before");
  assert.equal(after.sizeRecord.callees.get(middle), before.sizeRecord.callees.get(middle), 'middle is not walked again for the size');
  const handle = keyOf(after, 'sizeRecord', 'handle');
  assert.notEqual(after.sizeRecord.callees.get(handle), before.sizeRecord.callees.get(handle), 'handle, above sibling, is walked again');
  // pong's value depends on where the recursion ping ↔ pong was entered: never kept.
  assert.equal(after.stackRecord.clean.has(keyOf(after, 'stackRecord', 'pong')), false);
  assert.equal(after.sizeRecord.clean.has(keyOf(after, 'sizeRecord', 'ping')), false);
});

// deep (other.c, 400 bytes) is where the deepest chain crosses 512 bytes: the diagnostic is at
// inner, the last function of main.c before it, and lists the calls from handle down to inner.
const CHAIN = `int deep(int n);
int inner(int n) { char c[40]; c[0] = n; return deep(c[0]); }
int sibling(int n) { char s[32]; s[0] = n; return s[0]; }
int middle(int n) {
  char mid[100];
  mid[0] = n;
  return inner(mid[0]);
}
// bpf-offload: entry
int handle(int n) { return middle(n) + sibling(n); }
`;

test('a function that only moved a call keeps no chain made of its previous object', async () => {
  const { analyze } = await analyzer();
  const related = (analysis: FileAnalysis) => analysis.diagnostics.find((d) => d.code === 'stack-size')!.related!.map((r) => `${r.location.range.start.line}:${r.location.range.start.character}`);
  const original = analyze(CHAIN, 'the original');
  assert.equal(related(original).length, 2, 'the calls of middle and inner');
  // middle's call of inner moves two columns: the same frame and callees, so the stack is
  // carried over, but the diagnostic's related information points at the call's new place.
  const moved = CHAIN.replace('return inner(mid[0]);', 'return   inner(mid[0]);');
  const carried = analyze(moved, 'the call moved');
  assert.notDeepEqual(related(carried), related(original), "the stack diagnostic shows the call's new column");
  // Then sibling's frame changes: the stack is walked again; middle is not above sibling, and
  // its chain must be made of its new object, with the call where it now is.
  const walked = analyze(moved.replace('char s[32];', 'char s[48];'), 'then sibling edited');
  assert.deepEqual(related(walked), related(carried));
});

// Two entries enter the recursion a ↔ b from either side: each estimate counts the other
// function once, cut where the recursion closes, so b's value from first's walk is not b's value
// from second's. Each entry's estimate must be the one it has as the only entry.
const TWO_ENTRIES = `int b(int n);
int a(int n) { int i; for (i = 0; i < 3000; i++) n += b(n); return n; }
int b(int n) { return n > 0 ? a(n - 1) : n; }
// bpf-offload: entry
int first(int n) { return a(n); }
// bpf-offload: entry
int second(int n) { return b(n); }
`;

test("a value that depends on where a recursion was entered is not reused for another entry's estimate", async () => {
  const { analyze } = await analyzer();
  const sizeMessages = (analysis: FileAnalysis) => analysis.diagnostics.filter((d) => d.code === 'program-size').map((d) => d.message);
  const both = sizeMessages(analyze(TWO_ENTRIES, 'both entries'));
  const onlySecond = sizeMessages(analyze(TWO_ENTRIES.replace('// bpf-offload: entry\nint first', 'int first'), 'second alone'));
  const onlyFirst = sizeMessages(analyze(TWO_ENTRIES.replace('// bpf-offload: entry\nint second', 'int second'), 'first alone'));
  assert.equal(onlyFirst.length, 1);
  assert.equal(onlySecond.length, 1);
  assert.deepEqual(both, [...onlyFirst, ...onlySecond]);
});
