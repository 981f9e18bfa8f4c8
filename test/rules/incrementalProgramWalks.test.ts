// The reach, deepest stack chains and program-size estimates carried over from the previous
// analysis (rules/programWalks.ts) must never go stale: after each edit below, which changes what
// one of those walks finds (a call added or removed, a recursion, a callee's frame or size,
// another file's function, a call that stops reaching a function), the analysis with the memo equals a fresh one, and the edit really
// changes the stack-size or program-size diagnostics, so a stale reuse could not pass unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { AnalysisDiagnostic, FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { summarize } from '../analysis/summarizeText';

const OTHER = `int deep(int n) {
  char big[400];
  big[0] = n;
  return big[0];
}
`;

const MAIN = `int deep(int n);
int huge(int n) {
  char h[900];
  h[0] = n;
  return h[0];
}
int leaf(int n) { return n + 1; }
int middle(int n) {
  char mid[200];
  int i;
  for (i = 0; i < 10; i++) mid[i] = leaf(i);
  return deep(mid[0]);
}
// bpf-offload: entry
int handle(int n) {
  int i;
  for (i = 0; i < 400; i++) n += middle(i);
  return n;
}
`;

interface Step {
  what: string;
  main: string;
  other?: string;
  /** Whether the step's stack-size and program-size diagnostics differ from the version before's. */
  changesWalks: boolean;
}

const STEPS: Step[] = [
  { what: "a callee's frame grows", main: MAIN.replace('char mid[200];', 'char mid[260];'), changesWalks: true },
  { what: "a callee's size grows", main: MAIN.replace('i < 10; i++) mid[i]', 'i < 90; i++) mid[i]'), changesWalks: true },
  { what: 'a call is added', main: MAIN.replace('return deep(mid[0]);', 'return deep(mid[0]) + huge(1);'), changesWalks: true },
  { what: 'a call is removed', main: MAIN.replace('return deep(mid[0]);', 'return mid[0];'), changesWalks: true },
  { what: 'a function turns recursive', main: MAIN.replace('int leaf(int n) { return n + 1; }', 'int leaf(int n) { return huge(n); }').replace('return h[0];', 'return h[0] + leaf(n);'), changesWalks: true },
  { what: "another file's function changes its frame", main: MAIN, other: OTHER.replace('char big[400];', 'char big[700];'), changesWalks: true },
  { what: "another file's function changes its line count", main: MAIN, other: OTHER.replace('big[0] = n;', 'big[0] = n;\n  big[1] = n;'), changesWalks: true },
  { what: 'lines are inserted above every function', main: `\n\n${MAIN}`, changesWalks: true },
  { what: 'an edit the walks do not read', main: MAIN.replace('return n + 1;', 'return n + 2;'), changesWalks: false },
  { what: 'a call retargeted to another function of the program', main: MAIN.replace('return deep(mid[0]);', 'return huge(mid[0]);'), changesWalks: true },
  // deep (other.c, a 400-byte frame) renamed as if being typed: the call now reaches no function.
  { what: 'a call to a function of the program becomes one to an unknown name', main: MAIN.replace('return deep(mid[0]);', 'return deepx(mid[0]);'), changesWalks: true },
  // Reach and stack are carried over; the size estimate (the call's own instructions) is not.
  { what: 'a call to an unknown name added before the walked ones', main: MAIN.replace('mid[i] = leaf(i);', 'mid[i] = memset_any(i) + leaf(i);'), changesWalks: true },
];

const OPTIONS = { ...DEFAULT_ANALYZE_OPTIONS, targetKernel: '5.1' };

function walkDiagnostics(analysis: FileAnalysis): AnalysisDiagnostic[] {
  return analysis.diagnostics.filter((d) => d.code === 'stack-size' || d.code === 'program-size');
}

test('reused reach, stack chains and size estimates equal a fresh analysis after edits that change them', async () => {
  await initC();
  const memo = new AnalysisMemo();
  const summaries = new Map<string, FileSummary>();
  const analyze = async (main: string, other: string, label: string): Promise<FileAnalysis> => {
    if (!summaries.has(other)) summaries.set(other, await summarize(other, 'other.c'));
    const others = new Map([['other.c', summaries.get(other)!]]);
    const incremental = analyzeFile('main.c', parsePlainC(main), main, others, OPTIONS, memo);
    const fresh = analyzeFile('main.c', parsePlainC(main), main, others, OPTIONS);
    assert.deepEqual(incremental, fresh, label);
    return fresh;
  };
  const original = walkDiagnostics(await analyze(MAIN, OTHER, 'the original'));
  assert.deepEqual(original.map((d) => d.code).sort(), ['program-size', 'stack-size'], 'the original is over both limits');
  for (const step of STEPS) {
    const edited = walkDiagnostics(await analyze(step.main, step.other ?? OTHER, step.what));
    if (step.changesWalks) assert.notDeepEqual(edited, original, `${step.what} should change the walks' diagnostics`);
    else assert.deepEqual(edited, original, step.what);
    // Back to the original, so that each step changes one thing against it.
    await analyze(MAIN, OTHER, `back from: ${step.what}`);
  }
});

test('an edit the walks do not read reuses them', async () => {
  await initC();
  const memo = new AnalysisMemo();
  const others = new Map([['other.c', await summarize(OTHER, 'other.c')]]);
  analyzeFile('main.c', parsePlainC(MAIN), MAIN, others, OPTIONS, memo);
  const before = memo.rules.walks('main.c')!;
  const edited = MAIN.replace('return n + 1;', 'return n + 2;');
  analyzeFile('main.c', parsePlainC(edited), edited, others, OPTIONS, memo);
  const after = memo.rules.walks('main.c')!;
  assert.notEqual(after, before);
  // Carried over rather than walked again: the kept positions and stack chains are the same objects.
  assert.equal(after.positions, before.positions);
  assert.equal(after.stack, before.stack);
  // The edited function is a new object in the reach; its callers' entries, unchanged, are kept.
  const leafAfter = [...after.reach.reached.values()].find((r) => r.fn.name === 'leaf')!;
  const leafBefore = [...before.reach.reached.values()].find((r) => r.fn.name === 'leaf')!;
  assert.notEqual(leafAfter.fn, leafBefore.fn);
  assert.equal(leafAfter.chain[0].caller, leafBefore.chain[0].caller);
  const handleAfter = [...after.reach.reached.values()].find((r) => r.fn.name === 'handle');
  const handleBefore = [...before.reach.reached.values()].find((r) => r.fn.name === 'handle');
  assert.equal(handleAfter, handleBefore);
  // A call added: walked again.
  const called = MAIN.replace('return deep(mid[0]);', 'return deep(mid[0]) + huge(1);');
  analyzeFile('main.c', parsePlainC(called), called, others, OPTIONS, memo);
  assert.notEqual(memo.rules.walks('main.c')!.positions, before.positions);
});

test('a call that reaches no function leaves the walks reused, with chains through the new call sites of the caller', async () => {
  await initC();
  const memo = new AnalysisMemo();
  const others = new Map([['other.c', await summarize(OTHER, 'other.c')]]);
  analyzeFile('main.c', parsePlainC(MAIN), MAIN, others, OPTIONS, memo);
  const before = memo.rules.walks('main.c')!;
  // As when a name is being typed: a call to an unknown `xmid`, before middle's call of leaf.
  const edited = MAIN.replace('  char mid[200];', '  char mid[200]; xmid(0);');
  const analysis = analyzeFile('main.c', parsePlainC(edited), edited, others, OPTIONS, memo);
  assert.deepEqual(analysis, analyzeFile('main.c', parsePlainC(edited), edited, others, OPTIONS));
  const after = memo.rules.walks('main.c')!;
  assert.equal(after.positions, before.positions, 'the walks are carried over');
  // leaf's chain step is middle's call of leaf (a new object, as middle is), not the call of xmid before it.
  const leaf = [...after.reach.reached.values()].find((r) => r.fn.name === 'leaf')!;
  const step = leaf.chain[leaf.chain.length - 1];
  assert.equal(step.site.callee, 'leaf');
  assert.ok(step.caller.calls.includes(step.site), 'a site of the new middle');
  assert.equal(step.site.range.start.line, edited.split('\n').findIndex((line) => line.includes('mid[i] = leaf(i)')));
});

test('a changed frame carries the reach over and walks only the stack again; a changed loop bound keeps the stack', async () => {
  await initC();
  const memo = new AnalysisMemo();
  const others = new Map([['other.c', await summarize(OTHER, 'other.c')]]);
  const analyze = (text: string) => {
    const analysis = analyzeFile('main.c', parsePlainC(text), text, others, OPTIONS, memo);
    assert.deepEqual(analysis, analyzeFile('main.c', parsePlainC(text), text, others, OPTIONS));
    return memo.rules.walks('main.c')!;
  };
  const before = analyze(MAIN);
  // middle's frame grows: it calls the same functions, so the reach is the previous one.
  const grown = analyze(MAIN.replace('char mid[200];', 'char mid[260];'));
  assert.equal(grown.positions, before.positions, 'the reach is carried over');
  assert.notEqual(grown.stack, before.stack, 'the stack is walked again');
  assert.notEqual(grown.stack[0].total, before.stack[0].total);
  // An edit that changes no frame after that keeps the stack walked last time.
  const again = analyze(MAIN.replace('char mid[200];', 'char mid[260];').replace('return n + 1;', 'return n + 2;'));
  assert.equal(again.stack, grown.stack);
  // A loop bound changes middle's size plan, not its frame: the stack is carried over.
  const bounded = analyze(MAIN.replace('char mid[200];', 'char mid[260];').replace('i < 10; i++) mid[i]', 'i < 90; i++) mid[i]'));
  assert.equal(bounded.stack, grown.stack);
  assert.notDeepEqual(bounded.estimates, grown.estimates, 'the size is estimated again');
});
