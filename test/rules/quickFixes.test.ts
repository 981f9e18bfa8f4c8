// Quick fixes: the data a diagnostic carries turns into edits that really remove the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quickFixesFor, fixDataOf, type TextEdit } from '../../server/src/analysis/rules';
import type { AnalysisDiagnostic, Position } from '../../server/src/analysis/model';
import { analyzeC, describe, withCode } from './helpers';

function offsetAt(text: string, pos: Position): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < pos.line; i++) offset += lines[i].length + 1;
  return offset + pos.character;
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetAt(text, e.range.start)) + e.newText + out.slice(offsetAt(text, e.range.end));
  return out;
}

async function fixOnce(text: string, code: string, title: RegExp): Promise<string> {
  const diagnostics = await analyzeC(text);
  const target = withCode(diagnostics, code)[0];
  assert.ok(target, `no ${code} in:\n${describe(diagnostics)}`);
  const fix = quickFixesFor(target, text).find((f) => title.test(f.title));
  assert.ok(fix, `no fix ${title} among ${quickFixesFor(target, text).map((f) => f.title).join(', ')}`);
  return applyEdits(text, fix.edits);
}

test('cap-loop: the capped loop is bounded by the cap', async () => {
  const text = `int sum(const unsigned char *p, int len) {
    int s = 0;
    for (int i = 0; i < len; i++) s += p[i];
    return s;
}`;
  const fixed = await fixOnce(text, 'unbounded-loop', /Cap the loop at 64/);
  assert.match(fixed, /\n    unsigned int bpf_loop_cap = 0;\n    for \(int i = 0; \(i < len\) && bpf_loop_cap\+\+ < 64; i\+\+\)/);
  const after = await analyzeC(fixed);
  assert.deepEqual(withCode(after, 'unbounded-loop'), [], describe(after));
  assert.match(withCode(after, 'bounded-loop')[0].message, /at most 64 times/);
});

test('cap-loop: for (;;) and while (1) get a condition', async () => {
  const forever = `int spin(volatile int *flag) {
    for (;;) { if (*flag) break; }
    return 0;
}`;
  const fixedFor = await fixOnce(forever, 'unbounded-loop', /Cap/);
  assert.match(fixedFor, /for \(; bpf_loop_cap\+\+ < 64;\)/);
  assert.deepEqual(withCode(await analyzeC(fixedFor), 'unbounded-loop'), []);
  const whileOne = forever.replace('for (;;)', 'while (1)');
  const fixedWhile = await fixOnce(whileOne, 'unbounded-loop', /Cap/);
  assert.match(fixedWhile, /while \(\(1\) && bpf_loop_cap\+\+ < 64\)/);
  assert.deepEqual(withCode(await analyzeC(fixedWhile), 'unbounded-loop'), []);
});

test('replace-call: strlen becomes strnlen with a bound, which is no longer a Warning', async () => {
  const text = `#include <string.h>
int klen(const char *k) { return (int)strlen(k); }`;
  const fixed = await fixOnce(text, 'string-function', /Use strnlen\(\) with bound 256/);
  assert.match(fixed, /strnlen\(k, 256\)/);
  const after = await analyzeC(fixed);
  assert.deepEqual(withCode(after, 'string-function'), [], describe(after));
  assert.equal(withCode(after, 'inlined-copy').length, 1);
});

test('replace-call: strcpy into an array is bounded by the array; sprintf gets a size', async () => {
  const text = `#include <string.h>
#include <stdio.h>
int f(const char *s, int v) { char d[16]; strcpy(d, s); sprintf(d, "%d", v); return d[0]; }`;
  const fixed = await fixOnce(text, 'string-function', /strncpy/);
  assert.match(fixed, /strncpy\(d, s, sizeof\(d\)\)/);
  const diagnostics = await analyzeC(text);
  const sprintfDiag = withCode(diagnostics, 'string-function').find((d) => d.message.startsWith('sprintf'));
  assert.ok(sprintfDiag, describe(diagnostics));
  const [fix] = quickFixesFor(sprintfDiag, text);
  assert.match(fix.title, /snprintf/);
});

test('mark-skip: the function is left to userspace and its diagnostics go away', async () => {
  const text = `#include <unistd.h>
static int slow(int fd) { return (int)write(fd, "x", 1); }
// bpf-offload: entry
int entry(int fd) { return slow(fd); }`;
  const fixed = await fixOnce(text, 'blocking-call', /Leave slow\(\) in userspace/);
  assert.match(fixed, /\/\/ bpf-offload: skip\nstatic int slow/);
  assert.deepEqual((await analyzeC(fixed)).filter((d) => d.severity <= 2), []);
});

test('an entry function is not offered mark-skip; Information carries no fix', async () => {
  const text = `#include <unistd.h>
// bpf-offload: entry
int entry(int fd) { static int n; n++; return (int)write(fd, "x", 1); }`;
  const diagnostics = await analyzeC(text);
  for (const d of diagnostics) assert.ok(!fixDataOf(d).some((f) => f.fix === 'mark-skip'), describe([d]));
  for (const d of withCode(diagnostics, 'global-state')) assert.deepEqual(fixDataOf(d), []);
});

test('quickFixesFor tolerates data it does not understand', () => {
  const base: Pick<AnalysisDiagnostic, 'data'> = { data: undefined };
  assert.deepEqual(quickFixesFor(base, ''), []);
  assert.deepEqual(quickFixesFor({ data: { fixes: 'nope' } }, ''), []);
  assert.deepEqual(quickFixesFor({ data: { fixes: [{ fix: 'unknown' }, null, 3] } }, ''), []);
});
