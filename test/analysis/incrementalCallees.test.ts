// The call graph keeps, per name resolution and FunctionInfo, what each call site of the function
// resolves to (callGraph.ts calleesOf), for the stack walk below the entries. A function an edit
// left alone is the same FunctionInfo afterwards; here the edit makes a name it calls resolve to
// a function that was not there before, then to one of another frame: the deepest chain through
// it must follow, equal to a fresh analysis and to what the edit means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import { summarizeFile } from '../../server/src/analysis/summarize';

const FILE = 'callees.c';
const ROOT = `// bpf-offload: entry
int handle(char *p)
{
    char line[200];
    line[0] = p[0];
    return prepare(line) + finish(line);
}
static int finish(char *l) { return l[0]; }
`;
const PREPARE = (bytes: number) => `static int prepare(char *l) { char scratch[${bytes}]; scratch[0] = l[0]; return scratch[0]; }\n`;

function stackFinding(analysis: FileAnalysis): string | undefined {
  return analysis.diagnostics.find((d) => d.code === 'stack-size')?.message.match(/\(([^)]*)\)/)?.[1];
}

test("the stack walk follows a call whose name comes to resolve elsewhere, in a function the edit left alone", async () => {
  await initC();
  const others = new Map<string, FileSummary>();
  const steps: { text: string; expected: string | undefined }[] = [
    // prepare is defined nowhere: a library call, no frame.
    { text: ROOT, expected: undefined },
    // Defined now, below: handle's chain goes through it and is over the limit.
    { text: ROOT + PREPARE(400), expected: 'handle 200 → prepare 400' },
    // Its frame shrinks: under the limit again.
    { text: ROOT + PREPARE(100), expected: undefined },
    { text: ROOT + PREPARE(600), expected: 'handle 200 → prepare 600' },
    { text: ROOT, expected: undefined },
  ];
  const memo = new AnalysisMemo();
  let version: ParsedVersion | undefined;
  let handle: unknown;
  try {
    for (const [i, { text, expected }] of steps.entries()) {
      version = reparse(version, text);
      const incremental = analyzeFile(FILE, version.plain, text, others, DEFAULT_ANALYZE_OPTIONS, memo);
      const fresh = analyzeFile(FILE, parsePlainC(text), text, others, DEFAULT_ANALYZE_OPTIONS);
      const fn = incremental.summary.functions.find((f) => f.name === 'handle');
      // handle's FunctionInfo is the same object throughout: what its sites resolve to is asked again.
      if (i > 0) assert.equal(fn, handle, `step ${i}: handle's summary was reused`);
      handle = fn;
      assert.equal(stackFinding(incremental), expected, `step ${i}`);
      assert.deepEqual(incremental, fresh, `step ${i}`);
    }
  } finally {
    version?.tree.delete();
  }
});

const LIB = 'lib.c';
const RELAY = 'int relay(char *p) { return work(p); }\n';
const ENTRY = `// bpf-offload: entry
int serve(char *p)
{
    return relay(p);
}
`;
const WORK = (bound: number) => `int work(char *p) { int n = 0; for (int i = 0; i < ${bound}; i++) for (int j = 0; j < ${bound}; j++) n += p[j]; return n; }\n`;

test('the size estimate follows a call of another file that comes to resolve to a function of this one', async () => {
  await initC();
  const others = new Map<string, FileSummary>([[LIB, summarizeFile(LIB, parsePlainC(RELAY), RELAY)]]);
  const estimate = (analysis: FileAnalysis) => analysis.diagnostics.find((d) => d.code === 'program-size')?.message.match(/estimated at (\S+ \S+)/)?.[1];
  const steps: { text: string; expected: string | undefined }[] = [
    // work is defined nowhere: relay's call is a library call.
    { text: ENTRY, expected: undefined },
    // Defined here now: reached through relay (lib.c, estimated from its summary), far over the limit.
    { text: ENTRY + WORK(100000), expected: 'more than' },
    { text: ENTRY + WORK(10), expected: undefined },
    { text: ENTRY, expected: undefined },
  ];
  const memo = new AnalysisMemo();
  let version: ParsedVersion | undefined;
  try {
    for (const [i, { text, expected }] of steps.entries()) {
      version = reparse(version, text);
      const incremental = analyzeFile(FILE, version.plain, text, others, DEFAULT_ANALYZE_OPTIONS, memo);
      const fresh = analyzeFile(FILE, parsePlainC(text), text, others, DEFAULT_ANALYZE_OPTIONS);
      assert.equal(estimate(incremental)?.startsWith('more than') ? 'more than' : estimate(incremental), expected, `step ${i}`);
      assert.deepEqual(incremental, fresh, `step ${i}`);
    }
  } finally {
    version?.tree.delete();
  }
});
