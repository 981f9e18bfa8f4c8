// Per-function rule results reused from the previous analysis (rules/functionResults.ts) must
// never go stale: after each edit, the analysis with the memo equals a fresh one. Each edit below
// leaves `worker` textually unchanged but changes something its diagnostics depend on — a callee
// turning recursive, a macro, typedef, constant, global or prototype it uses, its chain from the
// entry, a skip mark on its callee, its position — and the test first makes sure the edit really
// changes worker's fresh diagnostics, so a stale reuse could not pass unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { AnalysisDiagnostic, FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { summarize } from '../analysis/summarizeText';

const HEADER = `#define LIMIT 8
enum { SLOTS = 4 };
int shared_total;
char gtable[16];
struct item { int a; };
struct rec { int score; };
int ratio;
`;

const MAIN = `#include "other.h"
#define STEP 2
#define NBUF (sizeof buf / sizeof buf[0])
typedef int real_t;
typedef unsigned int count_t;
typedef long wide_t;
typedef int vec_t;
static int depth;
// helper
int helper(int n) { return n + STEP; }
// wide
int wide(int a, int b, int c, int d, int e, int f) { return a + f; }
int middle(int n) { return worker(n); }
  int spin(int n) { while (n > 0) n = n / 2 - 1; return n; }
// worker
int worker(int n) {
  char buf[SLOTS];
  real_t r = 0;
  int i;
  count_t j;
  struct rec *p = 0;
  vec_t v;
  for (i = 0; i < LIMIT; i += STEP) r += helper(i);
  for (; j < 4; j++) r += (wide_t) (n);
  for (i = 0; i < NBUF; i++) buf[i] = 0;
  memcpy(buf, buf, SLOTS);
  memcpy(buf, buf, sizeof gtable);
  memcpy(buf, buf, sizeof(struct item));
  r += spin(n) + p->score + ratio + MAXOF(1, 2);
  depth++;
  r += wide(1, 2, 3, 4, 5, 6);
  shared_total += ext_call(n);
  return r;
}
// bpf-offload: entry
int handle(int n) { middle(n); return worker(n); }
`;

const RECURSIVE_HELPER = MAIN.replace('int helper(int n) { return n + STEP; }', 'int helper(int n) { return n ? worker(n - 1) : STEP; }');
const NO_ENTRY = MAIN.replace('// bpf-offload: entry', '// handle');
const WORKER_ENTRY = NO_ENTRY.replace('// worker', '// bpf-offload: entry');
const INDIRECT_CHAIN = MAIN.replace('middle(n); return worker(n); }', 'middle(n); return 0; }');

/** An edit of the original program (the main file, or the other file's text). */
interface Variant {
  what: string;
  main?: string;
  header?: string;
  /** The version analysed just before (the original when absent). */
  before?: string;
  /** Whether the fresh diagnostics of `fn` (default worker) differ from the version before's (else the step proves nothing). */
  changesWorker: boolean;
  fn?: string;
}

// Each variant changes one thing worker's checks read, with worker's text and lines unchanged
// (except where lines are inserted above it on purpose).
const VARIANTS: Variant[] = [
  { what: 'a callee becomes recursive', main: RECURSIVE_HELPER, changesWorker: true },
  { what: 'a callee is marked skip', main: MAIN.replace('// wide', '// bpf-offload: skip'), changesWorker: true },
  { what: 'a macro of the same file changes', main: MAIN.replace('#define STEP 2', '#define STEP 4'), changesWorker: true },
  { what: 'a macro of another file changes', header: HEADER.replace('#define LIMIT 8', '#define LIMIT 4000000'), changesWorker: true },
  { what: 'a macro only expansion can evaluate changes', main: MAIN.replace('(sizeof buf / sizeof buf[0])', '(sizeof buf / 2)'), changesWorker: true },
  { what: 'a typedef becomes floating-point', main: MAIN.replace('typedef int real_t;', 'typedef double real_t;'), changesWorker: true },
  { what: 'a typedef becomes signed', main: MAIN.replace('typedef unsigned int count_t;', 'typedef int count_t;'), changesWorker: true },
  { what: 'a cast type stops being a typedef', main: MAIN.replace('typedef long wide_t;', 'typedef long wide2_t;'), changesWorker: true },
  { what: 'a struct of another file grows', header: HEADER.replace('struct item { int a; };', 'struct item { long a; int b; };'), changesWorker: true },
  { what: 'a field becomes floating-point', header: HEADER.replace('struct rec { int score; };', 'struct rec { double score; };'), changesWorker: true },
  { what: 'a global becomes floating-point', header: HEADER.replace('int ratio;', 'double ratio;'), changesWorker: true },
  { what: 'a typedef becomes a vector', main: MAIN.replace('typedef int vec_t;', 'typedef int vec_t __attribute__((vector_size(16)));'), changesWorker: true },
  { what: 'an unknown callee becomes a macro', header: `${HEADER}#define MAXOF(a, b) ((a) > (b) ? (a) : (b))\n`, changesWorker: true },
  { what: 'an enum constant of another file changes', header: HEADER.replace('SLOTS = 4', 'SLOTS = 12'), changesWorker: true },
  { what: 'a global of another file changes type', header: HEADER.replace('char gtable[16];', 'char gtable[24];'), changesWorker: true },
  { what: 'a global becomes const', main: MAIN.replace('static int depth;', 'static const int depth;'), changesWorker: true },
  { what: 'a global of another file becomes static', header: HEADER.replace('int shared_total;', 'static int shared_total;'), changesWorker: true },
  { what: 'an unknown callee gets a prototype', header: `${HEADER}int ext_call(int n);\n`, changesWorker: true },
  { what: 'the entry stops calling it directly (longer chain)', main: INDIRECT_CHAIN, changesWorker: true },
  { what: 'nothing calls it any more', main: INDIRECT_CHAIN.replace('{ return worker(n); }', '{ return n; }'), changesWorker: true },
  { what: 'it is a root, then the entry (no chain either way)', before: NO_ENTRY, main: WORKER_ENTRY, changesWorker: true },
  { what: 'the indentation before a function on its first line changes', main: MAIN.replace('  int spin', '\t\tint spin'), changesWorker: true, fn: 'spin' },
  { what: 'lines inserted above it', main: `\n\n${MAIN}`, changesWorker: true },
  { what: 'a function off its chain changes', main: MAIN.replace('{ return worker(n); }', '{ return worker(n) + 1; }'), changesWorker: false },
];

function workerDiagnostics(analysis: FileAnalysis, name = 'worker'): AnalysisDiagnostic[] {
  const worker = analysis.summary.functions.find((f) => f.name === name)!;
  return analysis.diagnostics.filter((d) => d.range.start.line >= worker.range.start.line && d.range.end.line <= worker.range.end.line);
}

test('reused rule results equal a fresh analysis after every edit that changes what they depend on', async () => {
  await initC();
  const memo = new AnalysisMemo();
  const headers = new Map<string, FileSummary>();
  const analyze = async (main: string, header: string, label: string): Promise<FileAnalysis> => {
    if (!headers.has(header)) headers.set(header, await summarize(header, 'other.h'));
    const others = new Map([['other.h', headers.get(header)!]]);
    const incremental = analyzeFile('main.c', parsePlainC(main), main, others, DEFAULT_ANALYZE_OPTIONS, memo);
    const fresh = analyzeFile('main.c', parsePlainC(main), main, others, DEFAULT_ANALYZE_OPTIONS);
    assert.deepEqual(incremental.diagnostics, fresh.diagnostics, label);
    assert.deepEqual(incremental, fresh, label);
    return fresh;
  };
  // The original before each variant, so the memo holds its results and each variant changes one thing.
  for (const variant of VARIANTS) {
    const original = workerDiagnostics(await analyze(variant.before ?? MAIN, HEADER, `the version before: ${variant.what}`), variant.fn);
    const edited = workerDiagnostics(await analyze(variant.main ?? MAIN, variant.header ?? HEADER, variant.what), variant.fn);
    if (variant.changesWorker) assert.notDeepEqual(edited, original, `${variant.what} should change worker's diagnostics`);
    else assert.deepEqual(edited, original, variant.what);
  }
});

test('a function whose inputs did not change is not checked again, and its diagnostics cannot be changed', async () => {
  await initC();
  const memo = new AnalysisMemo();
  const others = new Map([['other.h', await summarize(HEADER, 'other.h')]]);
  analyzeFile('main.c', parsePlainC(MAIN), MAIN, others, DEFAULT_ANALYZE_OPTIONS, memo);
  assert.deepEqual(memo.rules.lastUse('main.c'), { checked: 6, reused: 0 });
  const edited = MAIN.replace('{ return worker(n); }', '{ return worker(n) + 1; }');
  const again = analyzeFile('main.c', parsePlainC(edited), edited, others, DEFAULT_ANALYZE_OPTIONS, memo);
  // helper, wide, spin, worker and handle are reused; only the edited middle is checked again.
  assert.deepEqual(memo.rules.lastUse('main.c'), { checked: 6, reused: 5 });
  const reused = workerDiagnostics(again);
  assert.ok(reused.length > 0);
  for (const d of reused) {
    assert.ok(Object.isFrozen(d) && Object.isFrozen(d.range) && Object.isFrozen(d.related ?? []), 'a reused diagnostic is frozen');
    assert.throws(() => {
      (d as { message: string }).message = 'changed';
    }, TypeError);
  }
  // A different target kernel changes messages: nothing is reused.
  analyzeFile('main.c', parsePlainC(edited), edited, others, { ...DEFAULT_ANALYZE_OPTIONS, targetKernel: '5.1' }, memo);
  assert.deepEqual(memo.rules.lastUse('main.c'), { checked: 6, reused: 0 });
});
