// The verify and calibrate commands over the real server (dist/server.js): what the user is
// told, which diagnostics appear where, and that an untrusted workspace runs nothing. The
// kernel half is a real split of examples/kv-cache, in directories whose names need quoting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver/node';
import { LspTestClient } from './lspClient';
import { findToolchain, INSTALL_HINT, privilege } from '../../server/src/tools';
import { CALIBRATE_COMMAND, VERIFY_COMMAND, WORKSPACE_TRUSTED_NOTIFICATION, type ToolCommandResult } from '../../server/src/protocol';
import { describeVerify, UNTRUSTED_MESSAGE, VERIFY_DIAGNOSTIC_SOURCE } from '../../server/src/features/commands';
import { NOT_PRIVILEGED_REASON, type VerifyReport } from '../../server/src/tools/verify';

const REPO = join(__dirname, '..', '..', '..');
const REQUIRED = process.env.BPF_OFFLOAD_REQUIRE_KERNEL === '1';
const toolchain = findToolchain();
const canLoad = privilege().canLoad;
const uri = (file: string) => pathToFileURL(file).href;

let root: string;
/** A split of kv-cache.c beside its copy, in `dir with a space and a 'quote'`. */
let work: string;
/** The generated line `len--;` inside handle_request and the original line it came from. */
let mappedLine: { generated: number; original: number };

function splitInto(dir: string): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REPO, 'examples', 'kv-cache', 'kv-cache.c'), join(dir, 'kv-cache.c'));
  const run = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'split', join(dir, 'kv-cache.c'), '--entry', 'main', '--out', dir], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'bpfo-commands-'));
  work = join(root, "dir with a space and a 'quote'");
  splitInto(work);
  const lines = readFileSync(join(work, 'kv-cache.bpf.c'), 'utf8').split('\n');
  const map = JSON.parse(readFileSync(join(work, 'kv-cache.bpf.c.map.json'), 'utf8')) as { spans: { generated: [number, number]; line: number }[] };
  const span = map.spans.find((s) => lines[s.generated[0] - 1].trim() === 'len--;');
  assert.ok(span, 'the split maps a `len--;` line of handle_request');
  mappedLine = { generated: span.generated[0], original: span.line };
});

after(() => rmSync(root, { recursive: true, force: true }));

/** A server with the messages and progress it sends recorded. */
async function startServer(trusted: boolean, folder: string, configuration: Record<string, unknown> = {}) {
  const client = new LspTestClient();
  client.configuration = configuration;
  const messages: { type: number; message: string }[] = [];
  const progressTokens: (string | number)[] = [];
  const progress: { token: string | number; value: { kind: string; title?: string; cancellable?: boolean } }[] = [];
  let notify = () => {};
  client.connection.onNotification('window/showMessage', (m: { type: number; message: string }) => {
    messages.push(m);
    notify();
  });
  client.connection.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
    progressTokens.push(p.token);
    return null;
  });
  client.connection.onNotification('$/progress', (p: (typeof progress)[number]) => {
    progress.push(p);
    notify();
  });
  const waitFor = async <T>(what: string, predicate: () => T | undefined | false): Promise<T> => {
    // A bound so a missing message fails the test instead of hanging the run.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (client.child.exitCode !== null) throw new Error(`server exited while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`nothing arrived for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  await client.initialize({ workspaceFolders: [{ uri: uri(folder), name: 'w' }], initializationOptions: { trusted } });
  const execute = (command: string, args: unknown[]) =>
    client.connection.sendRequest('workspace/executeCommand', { command, arguments: args }) as Promise<ToolCommandResult>;
  /** Diagnostics of the last publish for a file (what the editor shows now). */
  const shown = (file: string): Diagnostic[] | undefined => [...client.published].reverse().find((p) => p.uri === uri(file))?.diagnostics;
  return { client, messages, progress, progressTokens, waitFor, execute, shown };
}

function toolsOrSkip(t: { skip: (m: string) => void }, needLoad: boolean): boolean {
  const problem = !toolchain.ok ? toolchain.error.message : needLoad && !canLoad ? 'loading BPF needs root' : undefined;
  if (!problem) return true;
  if (REQUIRED) throw new Error(`BPF_OFFLOAD_REQUIRE_KERNEL=1 but: ${problem}`);
  t.skip(problem);
  return false;
}

test('verify on a good kernel half: loaded (compiled only without root), the message says so, no error diagnostics', async (t) => {
  if (!toolsOrSkip(t, false)) return;
  const server = await startServer(true, work);
  try {
    const generated = join(work, 'kv-cache.bpf.c');
    const result = await server.execute(VERIFY_COMMAND, [uri(generated)]);
    if (canLoad) {
      assert.equal(result.status, 'loaded', result.message);
      assert.match(result.message, /^kv-cache\.bpf\.c loaded: 1 program \(bpfo_xdp\)/);
    } else {
      if (REQUIRED) assert.fail(`BPF_OFFLOAD_REQUIRE_KERNEL=1 but not privileged: ${result.message}`);
      assert.equal(result.status, 'compiled');
      assert.match(result.message, /not loaded: needs root or CAP_BPF — compiled only/);
    }
    assert.equal(result.uri, uri(generated));
    const message = await server.waitFor('the summary message', () => server.messages.find((m) => m.message === result.message));
    assert.equal(message.type, canLoad ? 3 : 2);
    const onGenerated = await server.waitFor('a publish for the .bpf.c', () => server.shown(generated));
    assert.deepEqual(onGenerated.filter((d) => d.severity === 1), []);

    // Pointing at the original source finds the kernel half split from it.
    const fromOriginal = await server.execute(VERIFY_COMMAND, [uri(join(work, 'kv-cache.c'))]);
    assert.equal(fromOriginal.uri, uri(generated));
    assert.equal(fromOriginal.status, result.status);
  } finally {
    await server.client.stop();
  }
});

test('verify on a broken copy: the clang error is on the .bpf.c line and on the original line, until the next verify or an edit', async (t) => {
  if (!toolsOrSkip(t, false)) return;
  const dir = join(root, 'broken "copy"');
  splitInto(dir);
  const generated = join(dir, 'kv-cache.bpf.c');
  const original = join(dir, 'kv-cache.c');
  const good = readFileSync(generated, 'utf8');
  const lines = good.split('\n');
  lines[mappedLine.generated - 1] = '    len-- @@;';
  writeFileSync(generated, lines.join('\n'));
  const server = await startServer(true, dir);
  try {
    await server.client.open(uri(original), readFileSync(original, 'utf8'));
    await server.client.diagnosticsFor(uri(original), 1);
    const result = await server.execute(VERIFY_COMMAND, [uri(generated)]);
    assert.equal(result.status, 'failed');
    assert.match(result.message, new RegExp(`^kv-cache\\.bpf\\.c did not compile: kv-cache\\.c:${mappedLine.original}: `));
    const verifyErrors = (file: string) => (server.shown(file) ?? []).filter((d) => d.source === VERIFY_DIAGNOSTIC_SOURCE && d.severity === 1);
    await server.waitFor('verify diagnostics on both files', () => verifyErrors(generated).length > 0 && verifyErrors(original).length > 0);
    assert.ok(verifyErrors(generated).some((d) => d.range.start.line === mappedLine.generated - 1 && d.code === 'compile-error'));
    const onOriginal = verifyErrors(original).find((d) => d.range.start.line === mappedLine.original - 1);
    assert.ok(onOriginal, JSON.stringify(verifyErrors(original)));
    assert.match(onOriginal.message, new RegExp(`\\[in generated kv-cache\\.bpf\\.c:${mappedLine.generated}\\]`));
    // The analysis' own diagnostics of the open source are still shown beside them.
    assert.ok((server.shown(original) ?? []).some((d) => d.source === 'bpf-offload'));

    // An edit of the original drops the verify results there (the .bpf.c keeps its own).
    await server.client.change(uri(original), 2, [{ text: readFileSync(original, 'utf8') + '\n' }]);
    await server.waitFor('verify diagnostics gone from the edited file', () => verifyErrors(original).length === 0);
    assert.ok(verifyErrors(generated).length > 0);

    // The next verify of the repaired file replaces what the broken one left.
    writeFileSync(generated, good);
    const repaired = await server.execute(VERIFY_COMMAND, [uri(generated)]);
    assert.ok(repaired.status === 'loaded' || repaired.status === 'compiled', repaired.message);
    await server.waitFor('the .bpf.c cleared', () => verifyErrors(generated).length === 0);
  } finally {
    await server.client.stop();
  }
});

test('verify on a kernel half the verifier refuses: the message names the original line and the reason', async (t) => {
  if (!toolsOrSkip(t, true)) return;
  const dir = join(root, 'refused');
  splitInto(dir);
  const generated = join(dir, 'kv-cache.bpf.c');
  const lines = readFileSync(generated, 'utf8').split('\n');
  // A map value used without the null check (a variable key: a constant one into an array map
  // is known to be present): the verifier stops on this very line.
  lines[mappedLine.generated - 1] = '    len--; { __u32 k = (__u32)len; __u64 *v = bpf_map_lookup_elem(&bpfo_stats_map, &k); *v += 1; }';
  writeFileSync(generated, lines.join('\n'));
  const server = await startServer(true, dir);
  try {
    const result = await server.execute(VERIFY_COMMAND, [uri(generated)]);
    assert.equal(result.status, 'rejected', result.message);
    assert.match(result.message, new RegExp(`^kv-cache\\.bpf\\.c rejected by the verifier at kv-cache\\.c:${mappedLine.original}: .*map_value_or_null`));
    const onOriginal = await server.waitFor('the refusal on the original', () =>
      server.shown(join(dir, 'kv-cache.c'))?.find((d) => d.code === 'verifier-rejected'));
    assert.equal(onOriginal.range.start.line, mappedLine.original - 1);
    assert.equal(onOriginal.source, VERIFY_DIAGNOSTIC_SOURCE);
  } finally {
    await server.client.stop();
  }
});

test('untrusted: verify and calibrate refuse and run nothing, a workspace clangPath is ignored; once trusted it is used', async (t) => {
  if (!toolsOrSkip(t, false)) return;
  const tools = mkdtempSync(join(tmpdir(), 'bpfo-fake-clang-'));
  const marker = join(tools, 'ran');
  const fakeClang = join(tools, 'clang');
  // Records its arguments one per line, then does the real work.
  writeFileSync(fakeClang, `#!/bin/sh\nprintf '%s\\n' "$@" > '${marker}'\nexec '${toolchain.ok ? toolchain.toolchain.clang : 'clang'}' "$@"\n`);
  chmodSync(fakeClang, 0o755);
  const server = await startServer(false, work, { clangPath: fakeClang });
  try {
    const generated = join(work, 'kv-cache.bpf.c');
    const refused = await server.execute(VERIFY_COMMAND, [uri(generated)]);
    assert.deepEqual(refused, { status: 'refused', message: UNTRUSTED_MESSAGE });
    const calibrate = await server.execute(CALIBRATE_COMMAND, [uri(work), { fast: true, xdp: 'skip' }]);
    assert.equal(calibrate.status, 'refused');
    assert.equal(calibrate.message, UNTRUSTED_MESSAGE);
    await server.waitFor('two refusal messages', () => server.messages.filter((m) => m.message === UNTRUSTED_MESSAGE).length === 2);
    assert.equal(existsSync(marker), false, 'the configured clang ran in an untrusted workspace');
    assert.equal(existsSync(join(work, '.bpf-offload', 'calibration.json')), false);

    await server.client.connection.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION);
    const trusted = await server.execute(VERIFY_COMMAND, [uri(generated)]);
    assert.notEqual(trusted.status, 'refused', trusted.message);
    assert.ok(existsSync(marker), 'the configured clang is used once the workspace is trusted');
    // The path with a space and a quote reached clang as one argument, unquoted.
    assert.ok(readFileSync(marker, 'utf8').split('\n').includes(generated));
  } finally {
    await server.client.stop();
    rmSync(tools, { recursive: true, force: true });
  }
});

test('a missing clang is a message with the install hint, never a stack trace', async () => {
  const server = await startServer(true, work, { clangPath: '/nonexistent/bin/clang' });
  try {
    const result = await server.execute(VERIFY_COMMAND, [uri(join(work, 'kv-cache.bpf.c'))]);
    assert.equal(result.status, 'not-run');
    assert.match(result.message, /^kv-cache\.bpf\.c not verified: clang was not found \(looked for \/nonexistent\/bin\/clang\)/);
    assert.ok(result.message.includes(INSTALL_HINT), result.message);
    assert.doesNotMatch(result.message, /\n\s+at /);
    await server.waitFor('the error message', () => server.messages.find((m) => m.type === 1 && m.message === result.message));
  } finally {
    await server.client.stop();
  }
});

test('verify in a directory whose name holds a newline, and of a source that was never split', async (t) => {
  if (!toolsOrSkip(t, false)) return;
  const dir = join(root, 'new\nline');
  splitInto(dir);
  writeFileSync(join(dir, 'other.c'), 'int main(void) { return 0; }\n');
  const server = await startServer(true, dir);
  try {
    const result = await server.execute(VERIFY_COMMAND, [uri(join(dir, 'kv-cache.bpf.c'))]);
    assert.ok(result.status === (canLoad ? 'loaded' : 'compiled'), result.message);
    const unsplit = await server.execute(VERIFY_COMMAND, [uri(join(dir, 'other.c'))]);
    assert.equal(unsplit.status, 'not-run');
    assert.match(unsplit.message, /no kernel half of other\.c found .*split it first/);
  } finally {
    await server.client.stop();
  }
});

test('calibrate: progress that can be cancelled (nothing written), then a fast run writes the workspace file', async () => {
  const folder = join(root, "calibrate 'here'");
  mkdirSync(folder, { recursive: true });
  const server = await startServer(true, folder);
  try {
    const running = server.execute(CALIBRATE_COMMAND, [uri(folder)]);
    const begin = await server.waitFor('calibration progress', () =>
      server.progress.find((p) => p.value.kind === 'begin' && /Calibrating/.test(p.value.title ?? '')));
    assert.equal(begin.value.cancellable, true);
    await server.client.connection.sendNotification('window/workDoneProgress/cancel', { token: begin.token });
    const cancelled = await running;
    assert.equal(cancelled.status, 'cancelled', cancelled.message);
    assert.ok(server.progress.some((p) => p.token === begin.token && p.value.kind === 'end'));
    assert.equal(existsSync(join(folder, '.bpf-offload', 'calibration.json')), false);

    const written = await server.execute(CALIBRATE_COMMAND, [uri(folder), { fast: true, xdp: 'skip' }]);
    assert.equal(written.status, 'written', written.message);
    assert.match(written.message, /written to \.bpf-offload\/calibration\.json \(XDP: skipped on request\)/);
    const file = JSON.parse(readFileSync(join(folder, '.bpf-offload', 'calibration.json'), 'utf8'));
    assert.ok(file.parameters.recvSyscall.ns > 0);
    assert.equal(written.uri, uri(join(folder, '.bpf-offload', 'calibration.json')));
  } finally {
    await server.client.stop();
  }
});

test('without the rights to load, the summary says the kernel half was only compiled', () => {
  const report: VerifyReport = {
    source: '/w/kv-cache.bpf.c',
    compile: { status: 'passed' },
    load: { status: 'not-run', reason: NOT_PRIVILEGED_REASON },
    diagnostics: [],
    lineMap: { status: 'loaded' },
    summary: '',
  };
  assert.deepEqual(describeVerify(report), { status: 'compiled', message: 'kv-cache.bpf.c not loaded: needs root or CAP_BPF — compiled only' });
  const twoPrograms = describeVerify({ ...report, load: { status: 'passed', programs: ['a', 'b'], processedInsns: 1234 } });
  assert.equal(twoPrograms.message, 'kv-cache.bpf.c loaded: 2 programs (a, b), 1,234 insns processed');
});
