// The size walk keeps even the values that depended on its order (a recursion cut under them)
// when the next walk takes the same steps: every changed function calls the same functions of the
// program in the same order (rules/walkReuse.ts, sameSteps). An edit that changes which function
// a recursion is entered from must walk again; one that changes only a function's own
// instructions, or its calls of libc, reuses them. Each analysis must equal a fresh one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import { walkRecords, type KeptWalks } from '../../server/src/analysis/rules/programWalks';
import type { SizePlan } from '../../server/src/analysis/rules/size';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';

// a and b call each other: entered at a, b's value cuts the recursion at a (and the other way
// round), so both values depend on which of them handle calls first.
const MAIN = `#define CALL_A(n) a(n)
int b(int n);
int a(int n) { int i; for (i = 0; i < 2000; i++) n += b(n); return n; }
int b(int n) { int j; for (j = 0; j < 300; j++) n ^= j; return n > 0 ? a(n - 1) : n; }
// bpf-offload: entry
int handle(int n) {
  n += a(n);
  n += b(n);
  n += (int)strlen("abcd");
  return n;
}
`;

const OPTIONS = { ...DEFAULT_ANALYZE_OPTIONS, targetKernel: '5.1' };

async function analyzer() {
  await initC();
  const memo = new AnalysisMemo();
  return {
    walks: () => memo.rules.walks('main.c')!,
    graph: () => memo.facts!.callGraph,
    /** The analysis of `text` with the memo, checked against a fresh one. */
    analyze(text: string, label: string): FileAnalysis {
      const incremental = analyzeFile('main.c', parsePlainC(text), text, new Map(), OPTIONS, memo);
      assert.deepEqual(incremental, analyzeFile('main.c', parsePlainC(text), text, new Map(), OPTIONS), label);
      return incremental;
    },
  };
}

function sizeMessage(analysis: FileAnalysis): string {
  const found = analysis.diagnostics.filter((d) => d.code === 'program-size');
  assert.equal(found.length, 1, 'the program is over the size limit');
  return found[0].message;
}

function keyOf(walks: KeptWalks, name: string): string {
  const found = [...walks.sizeRecord.objects].find(([, fn]) => fn.name === name);
  assert.ok(found, `${name} was walked`);
  return found[0];
}

test('calling the other side of a recursion first walks it again: its order-dependent values are not reused', async () => {
  const { analyze, walks } = await analyzer();
  const original = sizeMessage(analyze(MAIN, 'the original'));
  const ordered = walks().sizeRecord.ordered.get(0);
  assert.ok(ordered?.has(keyOf(walks(), 'b')), "b's value, cut at a, is kept as an order-dependent one");
  const swapped = MAIN.replace('  n += a(n);\n  n += b(n);', '  n += b(n);\n  n += a(n);');
  const other = sizeMessage(analyze(swapped, 'b called first'));
  assert.notEqual(other, original, 'the estimate depends on which side the recursion is entered from');
  analyze(MAIN, 'a called first again');
  // Called through a macro, a is a call of the program to the reach (which expands it) but not
  // to the size, which counts the macro's name as one instruction: handle's first step is now b.
  const throughMacro = sizeMessage(analyze(MAIN.replace('  n += a(n);', '  n += CALL_A(n);'), 'a called through a macro'));
  assert.notEqual(throughMacro, original);
  analyze(MAIN, 'a called directly again');
  // A name typed in front of a call of the program takes that step away.
  assert.notEqual(sizeMessage(analyze(MAIN.replace('  n += a(n);', '  n += xa(n);'), 'a no longer called')), original);
  analyze(MAIN, 'back');
});

test("an edit of a function's own instructions reuses the order-dependent values below it and equals a fresh analysis", async () => {
  const { analyze, walks } = await analyzer();
  const original = sizeMessage(analyze(MAIN, 'the original'));
  const before = walks();
  const a = keyOf(before, 'a');
  const b = keyOf(before, 'b');
  const steps: [string, string][] = [
    ['handle gains statements', MAIN.replace('  return n;', '  n = n * 3 + 1;\n  n ^= n >> 2;\n  return n;')],
    ['handle calls libc', MAIN.replace('  return n;', '  n += abs(n);\n  return n;')],
    ['a name is being typed in front of a call of libc', MAIN.replace("strlen(", "xstrlen(")],
  ];
  for (const [what, text] of steps) {
    const edited = sizeMessage(analyze(text, what));
    assert.notEqual(edited, original, `${what} changes the estimate`);
    const after = walks();
    // a and b were not walked again: their recorded calls are the very lists of the first walk.
    assert.equal(after.sizeRecord.callees.get(a), before.sizeRecord.callees.get(a), `${what}: a is not walked again`);
    assert.equal(after.sizeRecord.ordered.get(0)?.get(b), before.sizeRecord.ordered.get(0)?.get(b), `${what}: b's value is reused`);
    assert.equal(sizeMessage(analyze(MAIN, `back from: ${what}`)), original);
  }
});

test('an edit on the recursion walks it again and keeps its new values for the next edits', async () => {
  const { analyze, walks } = await analyzer();
  const original = sizeMessage(analyze(MAIN, 'the original'));
  const before = walks();
  const bigger = MAIN.replace('j < 300', 'j < 900');
  const grown = sizeMessage(analyze(bigger, "b's loop grows"));
  assert.notEqual(grown, original);
  const after = walks();
  const b = keyOf(after, 'b');
  assert.notEqual(after.sizeRecord.ordered.get(0)?.get(b), before.sizeRecord.ordered.get(0)?.get(b), "b's new value is recorded");
  // Edits above the recursion now reuse b's new value, not the first one.
  analyze(bigger.replace('  return n;', '  n = n * 3;\n  return n;'), 'then handle edited');
  analyze(bigger, 'and back');
  analyze(MAIN, 'the original again');
});

test('the size record keeps order-dependent values only when every plan calls the same functions of the program in order', async () => {
  const { analyze, walks, graph } = await analyzer();
  analyze(MAIN, 'the original');
  const previous = walks();
  const handle = keyOf(previous, 'handle');
  const plan = previous.plans.get(handle)!;
  assert.deepEqual(plan.calls.map((c) => c.callee), ['a', 'b', 'strlen']);
  const carried = (changed: SizePlan) => {
    const plans = new Map(previous.plans).set(handle, changed);
    return walkRecords(graph(), 'main.c', previous, plans).size.ordered.get(0)?.has(keyOf(previous, 'b')) ?? false;
  };
  const [a, b, strlen] = plan.calls;
  assert.equal(carried({ own: plan.own + 5, calls: plan.calls }), true, 'more instructions of its own');
  assert.equal(carried({ own: plan.own, calls: [a, { ...b, times: 7 }, strlen] }), true, 'a call made more times');
  assert.equal(carried({ own: plan.own, calls: [a, b, { callee: 'strnlen', times: 1 }] }), true, 'another call of libc');
  assert.equal(carried({ own: plan.own, calls: [b, a, strlen] }), false, 'the recursion entered from b');
  assert.equal(carried({ own: plan.own, calls: [b, strlen] }), false, 'a no longer called');
  assert.equal(carried({ own: plan.own, calls: [a, b, b, strlen] }), false, 'one more call of b');
  const withoutHandle = new Map(previous.plans);
  withoutHandle.delete(handle);
  assert.equal(walkRecords(graph(), 'main.c', previous, withoutHandle).size.ordered.size, 0, 'handle walked by its calls, not a plan');
});

test('the stack walk reuses the deepest chains that depended on its order when a frame above them changes', async () => {
  const { analyze, walks } = await analyzer();
  const stackMessage = (analysis: FileAnalysis) => analysis.diagnostics.filter((d) => d.code === 'stack-size').map((d) => d.message);
  // Frames big enough that the deepest chain handle → a → b goes over 512 bytes.
  const framed = MAIN.replace('int i;', 'int i; char ab[320]; ab[0] = 1;').replace('int j;', 'int j; char bb[200]; bb[0] = 1;');
  const original = stackMessage(analyze(framed, 'the original'));
  assert.equal(original.length, 1, 'over the stack limit');
  const before = walks();
  const b = keyOf(before, 'b');
  const kept = before.stackRecord.ordered.get(0)?.get(b);
  assert.ok(kept, "b's deepest chain, cut where the recursion closes, is kept as an order-dependent one");
  const grown = stackMessage(analyze(framed.replace('int handle(int n) {', 'int handle(int n) {\n  char h[100];\n  h[0] = 1;'), "handle's frame grows"));
  assert.notDeepEqual(grown, original, 'the deepest chain is longer');
  assert.equal(walks().stackRecord.ordered.get(0)?.get(b), kept, "b's chain is reused");
  // a's frame grows: a and, above it, b (they call each other) are walked again.
  analyze(framed.replace('char ab[320]', 'char ab[360]'), "a's frame grows");
  assert.notEqual(walks().stackRecord.ordered.get(0)?.get(b), kept);
  analyze(framed, 'back');
});
