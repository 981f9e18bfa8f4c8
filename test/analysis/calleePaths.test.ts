// Calls on request paths are judged per path of the callee (slices/calleePaths.ts): a callee
// with an Error on one branch splits the request path instead of sending all of it to userspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, buildProgramFacts, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { computeSlices, type EntrySlices } from '../../server/src/analysis/slices';
import { MAX_EXPANSION_DEPTH } from '../../server/src/analysis/slices/calleePaths';

const FILE = '/tmp/callee-paths.c';

async function slicesOf(text: string): Promise<EntrySlices> {
  await initC();
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile(FILE, tree, text, new Map(), { ...DEFAULT_ANALYZE_OPTIONS, entries: ['handle'] });
    assert.equal(analysis.slices.length, 1, JSON.stringify(analysis.entries.map((e) => e.name)));
    return analysis.slices[0];
  } finally {
    parsed.delete();
  }
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
const summary = (s: EntrySlices) => s.paths.map((p) => `${p.endsIn}: ${p.description}`).join('\n');

const SPLITTING = `#include <stdio.h>
static int slow(const char *p) { fprintf(stderr, "slow %c\\n", p[0]); return 2; }
static int lookup(const char *p, int n)
{
    if (n < 2)
        return slow(p);
    return p[1] == 'x';
}
int handle(const char *p, int n)
{
    if (p[0] == 'G')
        return lookup(p, n);
    return 0;
}
`;

test('a callee with an Error on one branch splits the path: its other branch ends in the kernel', async () => {
  const slices = await slicesOf(SPLITTING);
  const throughLookup = slices.paths.filter((p) => p.calls.includes('lookup'));
  assert.equal(throughLookup.length, 2, summary(slices));
  const kernel = throughLookup.find((p) => p.endsIn === 'kernel');
  const user = throughLookup.find((p) => p.endsIn === 'userspace');
  assert.ok(kernel && user, summary(slices));
  assert.match(kernel.description, /lookup: !\(n < 2\)/);
  assert.match(user.description, /lookup: n < 2/);
  assert.deepEqual(
    user.decisions.map((d) => [d.function, d.outcome]),
    [[undefined, 'true'], ['lookup', 'true']],
  );
  assert.equal(user.fallback?.code, 'blocking-call');
  assert.equal(user.fallback?.range.start.line, lineOf(SPLITTING, 'fprintf'));
  assert.equal(user.fallback?.viaCall?.callee, 'lookup');
  // The kernel half knows it must hand over at the callee's branch, not before the call.
  assert.equal(user.handover?.range.start.line, lineOf(SPLITTING, 'if (n < 2)'));
  assert.match(user.handover!.description, /lookup: n < 2/);
  assert.ok(user.witnessLines.includes(lineOf(SPLITTING, 'return slow(p)') + 1), JSON.stringify(user.witnessLines));
  assert.equal(slices.paths.filter((p) => p.endsIn === 'kernel').length, 2, 'the other request kind stays in the kernel too');
  // Work follows the callee's path: the kernel path does not run slow() and its fprintf.
  assert.ok(!kernel.calls.includes('slow') && !kernel.work.libraryCalls.includes('fprintf'), JSON.stringify(kernel.work));
  assert.ok(user.calls.includes('slow') && user.work.libraryCalls.includes('fprintf'), JSON.stringify(user.work));
});

test('a callee that writes shared state before it may reach an Error falls back on every path through the call', async () => {
  const text = `#include <stdio.h>
static unsigned long seen;
static int counted(const char *p, int n)
{
    seen++;
    if (n < 2)
        fprintf(stderr, "short %c\\n", p[0]);
    return 1;
}
int handle(const char *p, int n)
{
    if (p[0] == 'C')
        return counted(p, n);
    return 0;
}
`;
  const slices = await slicesOf(text);
  const through = slices.paths.filter((p) => p.calls.includes('counted'));
  assert.equal(through.length, 1, summary(slices));
  assert.equal(through[0].endsIn, 'userspace');
  assert.equal(through[0].fallback?.viaCall?.callee, 'counted');
});

/** handle → f0 → f1 → … → f{n-1}, and the last one has an Error on one branch. */
function chain(n: number): string {
  const lines = ['#include <stdio.h>', `static int f${n - 1}(const char *p, int k) { if (k < 2) fprintf(stderr, "x"); return p[0]; }`];
  for (let i = n - 2; i >= 0; i--) lines.push(`static int f${i}(const char *p, int k) { return f${i + 1}(p, k); }`);
  lines.push('int handle(const char *p, int k) { return f0(p, k); }', '');
  return lines.join('\n');
}

test('calls are expanded down to the depth limit; deeper callees are judged by their summary', async () => {
  const shallow = await slicesOf(chain(MAX_EXPANSION_DEPTH - 1));
  assert.deepEqual(shallow.paths.map((p) => p.endsIn).sort(), ['kernel', 'userspace'], summary(shallow));
  const deep = await slicesOf(chain(MAX_EXPANSION_DEPTH + 2));
  assert.deepEqual(deep.paths.map((p) => p.endsIn), ['userspace'], summary(deep));
});

test('recursive callees do not loop the expansion', async () => {
  const text = `#include <stdio.h>
static int walk(const char *p, int n)
{
    if (n <= 0)
        return 0;
    if (p[0] == '!')
        fprintf(stderr, "bang\\n");
    return walk(p + 1, n - 1);
}
int handle(const char *p, int n)
{
    return walk(p, n);
}
`;
  const slices = await slicesOf(text);
  assert.ok(slices.paths.length >= 1);
  assert.ok(slices.paths.some((p) => p.endsIn === 'userspace'), summary(slices));
});

test('expanding calls polls cancellation', async () => {
  await initC();
  const parsed = parseC(SPLITTING);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile(FILE, tree, SPLITTING, new Map(), { ...DEFAULT_ANALYZE_OPTIONS, entries: ['handle'] });
    const program = buildProgramFacts(new Map([[FILE, summarizeFile(FILE, tree, SPLITTING)]]));
    let polls = 0;
    const check = () => {
      polls++;
      throw new Error('cancelled');
    };
    const input = { file: FILE, tree, text: SPLITTING, program, entry: analysis.entries[0], diagnostics: analysis.diagnostics };
    assert.throws(() => computeSlices({ ...input, check }), /cancelled/);
    assert.ok(polls > 0);
    assert.ok(computeSlices(input), 'without cancellation the same input slices');
  } finally {
    parsed.delete();
  }
});
