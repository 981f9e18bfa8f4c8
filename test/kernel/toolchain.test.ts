import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  INSTALL_HINT, findToolchain, parseClangDiagnostics, parseVerifierLog, rejectionFromOutput, verifyBpfSource,
} from '../../server/src/tools';
import { runTool } from '../../server/src/tools/exec';
import { FIXTURES, leftovers, requireKernel, sysFsBpfEntries } from './kernelEnvironment';

const tempRoot = mkdtempSync(join(tmpdir(), 'bpf-offload-toolchain-'));
const sysFsBpfBefore = sysFsBpfEntries();

/** 1-based line of the first line of `path` containing `text`. */
function lineOf(path: string, text: string): number {
  const index = readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(index >= 0, `${text} not in ${path}`);
  return index + 1;
}

test('a real verifier log maps the rejection back to its source line', async (t) => {
  if (!requireKernel(t)) return;
  const source = join(FIXTURES, 'heap-traversal', 'bad.bpf.c');
  const outcome = await verifyBpfSource(source, { tempRoot });
  assert.ok(outcome.ok);
  const { result } = outcome;
  assert.equal(result.stage, 'verifier');
  assert.match(result.message ?? '', /invalid mem access 'scalar'/);
  // The kernel prints the base name of the file recorded in BTF.
  assert.equal(result.file, 'bad.bpf.c');
  assert.equal(result.line, lineOf(source, 'if (s->id == id)'));

  const records = parseVerifierLog(result.load?.output ?? '');
  assert.ok(records.length >= 3, 'the log carries several source lines');
  for (const r of records) {
    assert.equal(r.file, 'bad.bpf.c');
    assert.ok(Number.isInteger(r.line) && r.line > 0);
  }
  const entry = records.find((r) => r.message.startsWith('int handle('));
  assert.equal(entry?.line, lineOf(source, 'int handle('));
});

test('the verifier log parser handles file names with spaces and " @ " in the source', () => {
  const log = [
    "libbpf: prog 'h': -- BEGIN PROG LOAD LOG --",
    '0: R1=ctx() R10=fp0',
    '; printf("a @ b"); @ my file.bpf.c:12',
    '0: (b7) r0 = 2                        ; R0=2',
    '; return *p; @ my file.bpf.c:14',
    '1: (61) r0 = *(u32 *)(r1 +0)',
    'R1 invalid mem access \'scalar\'',
    'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
    '-- END PROG LOAD LOG --',
  ].join('\n');
  assert.deepEqual(parseVerifierLog(log), [
    { file: 'my file.bpf.c', line: 12, message: 'printf("a @ b");' },
    { file: 'my file.bpf.c', line: 14, message: 'return *p;' },
  ]);
  assert.deepEqual(rejectionFromOutput(log), {
    stage: 'verifier', message: "R1 invalid mem access 'scalar'", file: 'my file.bpf.c', line: 14, processedInsns: 2,
  });
});

test('a libbpf refusal before the kernel is reported as the loader stage', () => {
  const output = [
    'libbpf: elf: skipping unrecognized data section(7) .rodata.str1.1',
    "libbpf: failed to find BTF for extern 'strlen' [13] section: -2",
    'Error: failed to open object file',
  ].join('\n');
  assert.deepEqual(rejectionFromOutput(output), { stage: 'loader', message: "failed to find BTF for extern 'strlen' [13] section: -2" });
});

test('clang diagnostics are read with their location, also for paths with spaces and colons', () => {
  const stderr = [
    '/tmp/a dir/x:y.bpf.c:6:16: error: A call to built-in function \'__divdf3\' is not supported.',
    '    double load = a / b;',
    '               ^',
    'fatal error: error in backend: Unsupported dynamic stack allocation',
    'x.bpf.c:3:1: warning: unused variable',
  ].join('\n');
  assert.deepEqual(parseClangDiagnostics(stderr), [
    { file: '/tmp/a dir/x:y.bpf.c', line: 6, column: 16, severity: 'error', message: "A call to built-in function '__divdf3' is not supported." },
    { severity: 'fatal', message: 'error in backend: Unsupported dynamic stack allocation' },
    { file: 'x.bpf.c', line: 3, column: 1, severity: 'warning', message: 'unused variable' },
  ]);
});

test('a missing clang is a clean error with the install hint, not an exception', async () => {
  const missing = join(tempRoot, 'no such dir', 'clang');
  const found = findToolchain({ clangPath: missing });
  assert.equal(found.ok, false);
  if (found.ok) return;
  assert.equal(found.error.kind, 'missing-tool');
  assert.equal(found.error.tool, 'clang');
  assert.ok(found.error.message.includes(missing));
  assert.ok(found.error.hint.includes(INSTALL_HINT));
  assert.equal(INSTALL_HINT, 'apt-get install clang llvm libbpf-dev bpftool');

  const outcome = await verifyBpfSource(join(FIXTURES, 'recursion', 'good.bpf.c'), { clangPath: missing, tempRoot });
  assert.equal(outcome.ok, false);
  if (!outcome.ok) assert.equal(outcome.error.kind, 'missing-tool');

  // Any executable stands in for clang here, so the missing one is bpftool.
  const noBpftool = findToolchain({ clangPath: process.execPath, bpftoolPath: join(tempRoot, 'bpftool') });
  assert.equal(noBpftool.ok, false);
  if (!noBpftool.ok) assert.equal(noBpftool.error.tool, 'bpftool');
});

test('running a program that does not exist gives an error object', async () => {
  const run = await runTool('bpftool', join(tempRoot, 'missing-bpftool'), ['version']);
  assert.equal(run.exitCode, null);
  assert.equal(run.error?.kind, 'missing-tool');
  assert.ok(run.error?.hint.includes(INSTALL_HINT));
});

test('arguments reach the program unchanged, without a shell', async () => {
  const run = await runTool('clang', process.execPath, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', 'a b', '$(echo x)', ';|&']);
  assert.equal(run.exitCode, 0);
  assert.deepEqual(JSON.parse(run.stdout), ['a b', '$(echo x)', ';|&']);
});

test('source files and directories with spaces in their names compile and load', async (t) => {
  if (!requireKernel(t)) return;
  const dir = join(tempRoot, 'my handlers dir');
  mkdirSync(dir);
  const good = join(dir, 'good handler.bpf.c');
  const bad = join(dir, 'bad handler.bpf.c');
  copyFileSync(join(FIXTURES, 'indirect-call', 'good.bpf.c'), good);
  copyFileSync(join(FIXTURES, 'heap-traversal', 'bad.bpf.c'), bad);

  const loaded = await verifyBpfSource(good, { tempRoot });
  assert.ok(loaded.ok);
  assert.equal(loaded.result.stage, 'loaded');
  assert.deepEqual(loaded.result.load?.programs, ['handle']);

  const rejected = await verifyBpfSource(bad, { tempRoot });
  assert.ok(rejected.ok);
  assert.equal(rejected.result.stage, 'verifier');
  assert.equal(rejected.result.file, 'bad handler.bpf.c');
  assert.equal(rejected.result.line, lineOf(bad, 'if (s->id == id)'));

  const refused = await verifyBpfSource(join(FIXTURES, 'floating-point', 'bad.bpf.c'), { tempRoot });
  assert.ok(refused.ok);
  assert.equal(refused.result.stage, 'clang');
  assert.equal(refused.result.line, lineOf(join(FIXTURES, 'floating-point', 'bad.bpf.c'), 'double load'));
  rmSync(dir, { recursive: true });
});

test('nothing is left mounted, pinned or in the temporary directory', () => {
  assert.deepEqual(leftovers(tempRoot), []);
  assert.deepEqual(sysFsBpfEntries(), sysFsBpfBefore);
});

after(() => rmSync(tempRoot, { recursive: true, force: true }));
