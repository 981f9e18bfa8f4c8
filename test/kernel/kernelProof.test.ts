// The kernel proof of every rule (issue 3): for each rule code a BPF C program with the
// construct as the rule describes it, which clang, libbpf or the running kernel's verifier
// refuses with the stated class of message, and the same logic written the way the rule's
// advice says, which loads. The list of tests comes from RULES, so a new rule without
// fixtures fails here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { RULES } from '../../server/src/analysis/rules/definitions';
import { verifyBpfSource } from '../../server/src/tools';
import { FIXTURES, leftovers, repoRoot, requireKernel, sysFsBpfEntries } from './kernelEnvironment';

type Stage = 'clang' | 'loader' | 'verifier' | 'none';
const STAGES: Stage[] = ['clang', 'loader', 'verifier', 'none'];

interface Expectation {
  rejectedBy: Stage;
  message: string;
  why: string;
}

interface FixtureCase {
  /** e.g. "stack-size" or "stack-size/call-chain". */
  name: string;
  dir: string;
  expect: Expectation;
}

function readExpectation(dir: string): Expectation {
  const path = join(dir, 'expect.json');
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<Expectation>;
  const where = relative(repoRoot(), path);
  assert.ok(raw.rejectedBy && STAGES.includes(raw.rejectedBy), `${where}: rejectedBy must be one of ${STAGES.join(', ')}`);
  assert.equal(typeof raw.why, 'string', `${where}: why must be a sentence`);
  assert.ok((raw.why ?? '').length > 20, `${where}: why must say what fails`);
  assert.equal(typeof raw.message, 'string', `${where}: message must be a regular expression`);
  if (raw.rejectedBy !== 'none') assert.ok(raw.message, `${where}: message must not be empty`);
  return raw as Expectation;
}

/** The rule's own pair, then one extra pair per subdirectory (a target-dependent variant). */
function fixtureCases(code: string): FixtureCase[] {
  const dir = join(FIXTURES, code);
  if (!existsSync(dir)) return [];
  const dirs = [dir, ...readdirSync(dir).sort().map((name) => join(dir, name)).filter((p) => statSync(p).isDirectory())];
  return dirs.map((d) => ({ name: relative(FIXTURES, d), dir: d, expect: readExpectation(d) }));
}

const tempRoot = mkdtempSync(join(tmpdir(), 'bpf-offload-proof-'));
const sysFsBpfBefore = sysFsBpfEntries();

async function checkCase(c: FixtureCase): Promise<void> {
  const bad = join(c.dir, 'bad.bpf.c');
  const good = join(c.dir, 'good.bpf.c');
  assert.ok(existsSync(good), `${c.name}: good.bpf.c is missing`);
  if (c.expect.rejectedBy === 'none') {
    assert.ok(!existsSync(bad), `${c.name}: rejectedBy "none" means there is no failing form, but bad.bpf.c exists`);
  } else {
    assert.ok(existsSync(bad), `${c.name}: bad.bpf.c is missing`);
    const outcome = await verifyBpfSource(bad, { tempRoot });
    assert.ok(outcome.ok, `${c.name}/bad.bpf.c: ${outcome.ok ? '' : outcome.error.message}`);
    const result = outcome.result;
    // For clang every diagnostic counts (the first may be a consequence); for libbpf and the
    // verifier the extracted reason is what the class of message describes.
    const text = result.stage === 'clang'
      ? result.compile.diagnostics.map((d) => d.message).join('\n') || result.compile.output
      : result.message ?? '';
    assert.equal(result.stage, c.expect.rejectedBy, `${c.name}/bad.bpf.c: expected a refusal by ${c.expect.rejectedBy}, got ${result.stage}: ${text.slice(0, 400)}`);
    assert.match(text, new RegExp(c.expect.message), `${c.name}/bad.bpf.c: refused for another reason`);
  }
  const outcome = await verifyBpfSource(good, { tempRoot });
  assert.ok(outcome.ok, `${c.name}/good.bpf.c: ${outcome.ok ? '' : outcome.error.message}`);
  const result = outcome.result;
  assert.equal(result.stage, 'loaded', `${c.name}/good.bpf.c does not load (${result.stage}): ${(result.message ?? result.compile.output).slice(0, 400)}`);
  assert.ok((result.load?.programs.length ?? 0) > 0, `${c.name}/good.bpf.c: bpftool pinned no program`);
}

for (const rule of RULES) {
  test(`kernel proof: ${rule.code}`, async (t) => {
    const cases = fixtureCases(rule.code);
    assert.ok(cases.length > 0, `no fixtures for rule ${rule.code}: add test/kernel/fixtures/${rule.code}/{bad.bpf.c,good.bpf.c,expect.json}`);
    assert.ok(
      cases.some((c) => c.name === rule.code && c.expect.rejectedBy !== 'none'),
      `${rule.code}: the rule's own pair must show a refused form`,
    );
    if (!requireKernel(t)) return;
    for (const c of cases) await checkCase(c);
  });
}

test('every fixture directory belongs to a rule', () => {
  const codes = new Set(RULES.map((r) => r.code));
  const orphans = readdirSync(FIXTURES).filter((name) => !codes.has(name));
  assert.deepEqual(orphans, [], `fixture directories without a rule in definitions.ts: ${orphans.join(', ')}`);
  for (const code of readdirSync(FIXTURES)) {
    for (const entry of readdirSync(join(FIXTURES, code))) {
      const known = ['bad.bpf.c', 'good.bpf.c', 'expect.json'].includes(entry) || statSync(join(FIXTURES, code, entry)).isDirectory();
      assert.ok(known, `unexpected file test/kernel/fixtures/${code}/${entry}`);
    }
  }
});

// Last in the file, so every load above has finished and cleaned up.
test('the proof leaves no mount, pin or temporary directory behind', () => {
  assert.deepEqual(leftovers(tempRoot), [], 'the toolchain runner left temporary directories or mounts behind');
  assert.deepEqual(sysFsBpfEntries(), sysFsBpfBefore, '/sys/fs/bpf changed');
});

after(() => rmSync(tempRoot, { recursive: true, force: true }));
