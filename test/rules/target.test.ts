// Target kernel and its documented boundaries change verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeC, describe, withCode, Severity } from './helpers';
import { kernelAtLeast, kernelVersionNumber, RULES } from '../../server/src/analysis/rules/definitions';

test('kernel versions compare numerically and boundaries must be documented', () => {
  assert.ok(kernelVersionNumber('5.10') > kernelVersionNumber('5.9'));
  assert.equal(kernelAtLeast('5.2', 'unbounded-loop', '5.3'), false);
  assert.equal(kernelAtLeast('5.3', 'unbounded-loop', '5.3'), true);
  assert.equal(kernelAtLeast('6.1.12', 'unbounded-loop', '5.17'), true);
  assert.equal(kernelAtLeast('latest', 'unbounded-loop', '5.17'), true, 'unparsable means current');
  assert.throws(() => kernelAtLeast('6.1', 'recursion', '5.3'), /documents no kernel boundary/);
  for (const rule of RULES) for (const b of rule.kernelBoundaries ?? []) assert.doesNotThrow(() => kernelAtLeast('6.1', rule.code, b.version));
});

const LOOP = `int zero(unsigned char *p) { for (int i = 0; i < 16; i++) p[i] = 0; return 0; }`;

test('5.3: a bounded loop must be unrolled before, is a loop from', async () => {
  const old = withCode(await analyzeC(LOOP, { targetKernel: '5.2' }), 'bounded-loop');
  const current = withCode(await analyzeC(LOOP, { targetKernel: '5.3' }), 'bounded-loop');
  assert.match(old[0].message, /predates bounded loops \(5\.3\), so it must be fully unrolled \(16 copies/);
  assert.doesNotMatch(current[0].message, /unrolled/);
  assert.match(current[0].message, /at most 16 times/);
});

const UNBOUNDED = `int sum(const unsigned char *p, int len) { int s = 0; for (int i = 0; i < len; i++) s += p[i]; return s; }`;

test('5.17: an unbounded loop can use bpf_loop() from 5.17 on', async () => {
  const before = withCode(await analyzeC(UNBOUNDED, { targetKernel: '5.16' }), 'unbounded-loop');
  const after = withCode(await analyzeC(UNBOUNDED, { targetKernel: '5.17' }), 'unbounded-loop');
  assert.doesNotMatch(before[0].message, /bpf_loop/);
  assert.match(after[0].message, /bpf_loop\(\)/);
  const ancient = withCode(await analyzeC(UNBOUNDED, { targetKernel: '4.19' }), 'unbounded-loop');
  assert.match(ancient[0].message, /must also be unrolled/);
});

const FORMAT = `#include <stdio.h>
int show(char *out, int code) { return snprintf(out, 32, "code=%d", code); }`;

test('5.13: snprintf is an Error before bpf_snprintf() exists, a Warning after', async () => {
  const before = await analyzeC(FORMAT, { targetKernel: '5.12' });
  assert.equal(withCode(before, 'unsupported-libc')[0]?.severity, Severity.Error, describe(before));
  assert.match(withCode(before, 'unsupported-libc')[0].message, /5\.13/);
  const after = await analyzeC(FORMAT, { targetKernel: '5.13' });
  assert.deepEqual(withCode(after, 'unsupported-libc'), []);
  assert.equal(withCode(after, 'string-function')[0]?.severity, Severity.Warning);
  // The verifier would take bpf_snprintf(), but the split has no stand-in: the message says so.
  assert.match(withCode(after, 'string-function')[0].message, /could become bpf_snprintf\(\).*The split has no kernel stand-in for snprintf\(\) yet: it hands the request over to userspace here\./);
  assert.doesNotMatch(withCode(after, 'string-function')[0].message, /\bbecomes bpf_snprintf/);
});

test('a byte function the split has a stand-in for is not said to be handed over', async () => {
  const diagnostics = await analyzeC(`#include <string.h>
void copy(char *dst, const char *src, unsigned long n) { memcpy(dst, src, n); }`);
  const warning = withCode(diagnostics, 'string-function')[0];
  assert.match(warning?.message ?? '', /memcpy\(\) with a size known only at run time \(`n`\) becomes a byte loop/, describe(diagnostics));
  assert.doesNotMatch(warning.message, /hands the request over/);
});

const BIG = `int work(unsigned char *p) {
    int s = 0;
    for (int i = 0; i < 256; i++)
        for (int j = 0; j < 64; j++) s += p[i] ^ j;
    return s;
}`;

test('5.2: the size limit is 4,096 instructions before and 1,000,000 processed instructions from', async () => {
  const old = withCode(await analyzeC(BIG, { targetKernel: '5.1' }), 'program-size');
  assert.equal(old.length, 1);
  assert.match(old[0].message, /4,096 instructions of kernels before 5\.2/);
  assert.deepEqual(withCode(await analyzeC(BIG, { targetKernel: '5.2' }), 'program-size'), []);
  const huge = BIG.replace('j < 64', 'j < 65536');
  const current = withCode(await analyzeC(huge, { targetKernel: '6.1' }), 'program-size');
  assert.match(current[0].message, /1,000,000 processed instructions/);
});

test('5.2: globals become .data/.bss from 5.2, explicit maps before', async () => {
  const text = `unsigned long hits; int count(void) { hits++; return 0; }`;
  assert.match(withCode(await analyzeC(text, { targetKernel: '5.1' }), 'global-state')[0].message, /explicit array map/);
  assert.match(withCode(await analyzeC(text, { targetKernel: '5.2' }), 'global-state')[0].message, /\.data\/\.bss/);
});
