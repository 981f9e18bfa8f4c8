// A function's rule result is reused without making its text and context again when its
// definition node, FunctionInfo and reach entry are the same objects, at the same place, with the
// same options (rules/functionResults.ts madeFrom). Here helper is left alone by every step while
// what its diagnostics say changes: the call site it is reached through moves (a new reach
// entry), then the target kernel changes (the same entry). Its diagnostics must follow, equal to
// a fresh analysis's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type AnalyzeOptions } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';

const FILE = 'context.c';
const SOURCE = `static int helper(char *p)
{
    int n = 0;
    while (p[n]) n++;
    return n;
}
// bpf-offload: entry
int handle(char *p)
{
    return helper(p);
}
`;

test("a function left alone follows its reach chain and the target kernel when its result is reused", async () => {
  await initC();
  const others = new Map<string, FileSummary>();
  const moved = SOURCE.replace('return helper(p);', 'return   helper(p);');
  const steps: { text: string; kernel: string; says: RegExp; column: number }[] = [
    { text: SOURCE, kernel: '6.1', says: /bpf_loop\(\) can run/, column: 11 },
    // The call moves within handle: helper's chain, listed with its diagnostic, moves with it.
    { text: moved, kernel: '6.1', says: /bpf_loop\(\) can run/, column: 13 },
    // Before 5.3 the verifier takes no loop: the same diagnostic says so.
    { text: moved, kernel: '5.1', says: /predates bounded loops/, column: 13 },
    { text: moved, kernel: '6.1', says: /bpf_loop\(\) can run/, column: 13 },
    { text: SOURCE, kernel: '6.1', says: /bpf_loop\(\) can run/, column: 11 },
  ];
  const memo = new AnalysisMemo();
  let version: ParsedVersion | undefined;
  let helper: unknown;
  try {
    for (const [i, { text, kernel, says, column }] of steps.entries()) {
      version = reparse(version, text);
      const options: AnalyzeOptions = { ...DEFAULT_ANALYZE_OPTIONS, targetKernel: kernel };
      const incremental = analyzeFile(FILE, version.plain, text, others, options, memo);
      const fresh = analyzeFile(FILE, parsePlainC(text), text, others, options);
      const fn = incremental.summary.functions.find((f) => f.name === 'helper');
      if (i > 0) assert.equal(fn, helper, `step ${i}: helper's summary was reused`);
      helper = fn;
      const loop = incremental.diagnostics.find((d) => d.code === 'unbounded-loop' && d.range.start.line === 3);
      assert.ok(loop, `step ${i}: ${incremental.diagnostics.map((d) => d.code).join()}`);
      assert.match(loop.message, says, `step ${i}`);
      assert.equal(loop.related?.[0]?.location.range.start.character, column, `step ${i}`);
      assert.deepEqual(incremental, fresh, `step ${i}`);
    }
  } finally {
    version?.tree.delete();
  }
});
