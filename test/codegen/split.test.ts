import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { splitFileNames } from '../../server/src/analysis/codegen/contract';
import { SplitError, type SplitPlan } from '../../server/src/analysis/codegen/split';
import { main } from '../../server/src/cli';
import { writeSplitFiles, WriteError } from '../../server/src/cli/split';
import { EXAMPLES, freePort, readReplies, readRequests, replayUdp, startServer, type ExampleServer } from '../examples/example-servers';
import { passKernelHalf, planExample } from './splitFixtures';

// The userspace half must behave as the original when no interface is named.
delete process.env.BPF_OFFLOAD_IFACE;

const UDP = EXAMPLES.filter((e) => e.transport === 'udp');
const byName = (name: string) => EXAMPLES.find((e) => e.name === name)!;

function expectedFiles(base: string): string[] {
  const n = splitFileNames(base);
  return [n.kernel, n.lineMap, n.sharedHeader, n.userspace, n.loaderHeader, n.loader, n.makefile].sort();
}

function writePlan(plan: SplitPlan): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-split-'));
  for (const f of plan.files) writeFileSync(join(dir, f.relativePath), f.content);
  return dir;
}

/** Builds only the userspace program (no clang needed) and replays the example's script on loopback. */
async function replayUserspaceHalf(server: ExampleServer, plan: SplitPlan): Promise<void> {
  const dir = writePlan(plan);
  try {
    const built = spawnSync('make', ['-s', '-C', dir, plan.base], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(built.status, 0, `make ${plan.base} failed:\n${built.stderr}${built.stdout}`);
    assert.doesNotMatch(built.stderr, /warning/, `the userspace half compiles without warnings:\n${built.stderr}`);
    const port = await freePort('udp');
    const running = await startServer(join(dir, plan.base), port);
    try {
      const requests = readRequests(server);
      const expected = readReplies(server);
      const replies = await replayUdp(port, requests.map((r) => r.bytes), expected);
      requests.forEach((request, i) => {
        assert.deepEqual(replies[i], expected[i], `${server.name} request on line ${request.line}`);
      });
    } finally {
      await running.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('kv-cache: the real kernel half and the userspace files make the expected file set', async () => {
  const plan = await planExample(byName('kv-cache'));
  assert.deepEqual(plan.files.map((f) => f.relativePath).sort(), expectedFiles('kv-cache'));
  const header = plan.files.find((f) => f.relativePath === 'kv-cache.offload.h')!.content;
  assert.match(header, /struct bpfo_state \{\n    struct slot cache\[CACHE_SLOTS\];\n\};/);
  assert.match(header, /#ifndef __bpf__\n[\s\S]*struct slot \{/, 'the source types are there for userspace only');
  const user = plan.files.find((f) => f.relativePath === 'kv-cache.split.c')!.content;
  assert.match(user, /static struct slot bpfo_init_cache\[CACHE_SLOTS\];\n#define cache \(bpfo_state_ptr->cache\)/);
  assert.match(user, /if \(bpfo_loader_start\(\) != 0\)[^\n]*\n\s+exit\(1\);\n\s+while \(!stopping\)/, 'the loader starts right before the receive loop');
  assert.doesNotMatch(user, /^struct slot \{/m, 'struct slot is defined once, in the header');
  const map = JSON.parse(plan.files.find((f) => f.relativePath === 'kv-cache.bpf.c.map.json')!.content);
  assert.equal(map.generated, 'kv-cache.bpf.c');
  assert.deepEqual(map.sources, ['kv-cache.c']);
  assert.ok(map.spans.length > 0, 'translated handler lines map back to the source');
});

test('kv-cache: the userspace half of the real split answers the script exactly as the original', async () => {
  await replayUserspaceHalf(byName('kv-cache'), await planExample(byName('kv-cache')));
});

for (const server of UDP) {
  test(`${server.name}: with shared state moved into the map, the userspace half answers exactly as the original`, async () => {
    const plan = await planExample(server, { kernelHalf: passKernelHalf });
    assert.deepEqual(plan.files.map((f) => f.relativePath).sort(), expectedFiles(server.name));
    await replayUserspaceHalf(server, plan);
  });
}

test('tcp-kv: XDP is refused with the reason, and so are hooks not generated yet', async () => {
  await assert.rejects(planExample(byName('tcp-kv'), { hook: 'xdp' }), (e: Error) => e instanceof SplitError && /TCP/.test(e.message));
  await assert.rejects(planExample(byName('tcp-kv'), { hook: 'sk_msg' }), (e: Error) => e instanceof SplitError && /sk_msg runs on data a socket sends.*sk_skb/.test(e.message));
});

test('an unknown entry names the entries there are', async () => {
  await assert.rejects(planExample(byName('kv-cache'), { entry: 'no_such_handler' }), /no_such_handler is not a request entry.*handle_request \(in main\)/);
});

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  return main(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) }).then((code) => ({ code, out, err }));
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

test('CLI split: writes the files, refuses to overwrite them, replaces them with --force', async () => {
  const root = mkdtempSync(join(tmpdir(), 'bpfo-split-cli-'));
  try {
    const out = join(root, 'out dir');
    const source = join(byName('kv-cache').dir, 'kv-cache.c');
    const first = await cli(['split', source, '--entry', 'handle_request', '--out', out]);
    assert.equal(first.code, 0, first.err);
    assert.deepEqual(readdirSync(out).sort(), expectedFiles('kv-cache'));
    const map = JSON.parse(readFileSync(join(out, 'kv-cache.bpf.c.map.json'), 'utf8'));
    assert.equal(resolve(out, map.sources[0]), source, 'the line map names the original relative to --out');

    writeFileSync(join(out, 'Makefile'), 'my own Makefile\n');
    const before = snapshot(out);
    const refused = await cli(['split', source, '--entry', 'handle_request', '--out', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /not overwriting .*Makefile.*--force/);
    assert.deepEqual(snapshot(out), before, 'nothing changed');

    const forced = await cli(['split', source, '--entry', 'handle_request', '--out', out, '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.match(readFileSync(join(out, 'Makefile'), 'utf8'), /Generated by bpf-offload/);
    assert.deepEqual(readdirSync(out).sort(), expectedFiles('kv-cache'), 'no staging directory left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CLI split: bad usage and a refused split are one line each', async () => {
  const missing = await cli(['split', 'x.c', '--entry', 'f']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /needs --out DIR/);
  const hook = await cli(['split', 'x.c', '--entry', 'f', '--out', '/tmp/x', '--hook', 'tc']);
  assert.equal(hook.code, 2);
  const tcp = await cli(['split', join(byName('tcp-kv').dir, 'tcp-kv.c'), '--entry', 'handle_line', '--hook', 'sk_msg', '--out', '/nonexistent/never-created']);
  assert.equal(tcp.code, 1);
  assert.equal(tcp.err.trim().split('\n').length, 1);
  assert.equal(existsSync('/nonexistent/never-created'), false);
});

test('a failure half-way leaves the directory as it was (new files removed, replaced files restored)', () => {
  const root = mkdtempSync(join(tmpdir(), 'bpfo-split-fail-'));
  try {
    const files = ['a.c', 'b.h', 'Makefile', 'd.c'].map((relativePath) => ({ relativePath, content: `new ${relativePath}\n` }));
    const fresh = join(root, 'fresh');
    let renames = 0;
    const failThird = () => {
      if (++renames === 3) throw new Error('disk full (simulated)');
    };
    assert.throws(() => writeSplitFiles(fresh, files, false, failThird), (e: Error) => e instanceof WriteError && /nothing was changed/.test(e.message));
    assert.equal(existsSync(fresh), false, 'the directory it created is gone');

    const existing = join(root, 'existing');
    mkdirSync(existing);
    writeFileSync(join(existing, 'a.c'), 'mine a\n');
    writeFileSync(join(existing, 'Makefile'), 'mine Makefile\n');
    writeFileSync(join(existing, 'unrelated.txt'), 'keep\n');
    const before = snapshot(existing);
    renames = 0;
    assert.throws(() => writeSplitFiles(existing, files, true, failThird), WriteError);
    assert.deepEqual(snapshot(existing), before, 'the user\'s files are back, the new ones gone, no staging left');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a shared global whose name is also a struct member after it is refused with the line', async () => {
  const { planSplitOfText } = await import('./splitFixtures');
  const text = readFileSync(join(byName('kv-cache').dir, 'kv-cache.c'), 'utf8')
    .replace('int main(int argc, char **argv)\n{', 'struct later { int cache; };\nint main(int argc, char **argv)\n{');
  await assert.rejects(planSplitOfText(byName('kv-cache'), text), (e: Error) => e instanceof SplitError && /kv-cache\.c:\d+: `cache` is also a struct member/.test(e.message));
});
