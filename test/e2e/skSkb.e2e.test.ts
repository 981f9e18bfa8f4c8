// The sk_skb split of tcp-kv end to end over a veth pair: `bpf-offload split --hook sk_skb`,
// `make`, the split program in namespace B with BPF_OFFLOAD_ENABLE=1, the request script over
// one TCP connection from namespace A. Replies must be byte-identical to the golden ones; the
// verdict program's run counter and stats map say what the kernel answered.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_ENABLE, SK_SKB_PROGRAM_NAME, STAT_ANSWERED, STAT_GROW_FAILED, STAT_HANDED_OVER, STATS_MAP_NAME } from '../../server/src/analysis/codegen/contract';
import { main } from '../../server/src/cli';
import { findToolchain } from '../../server/src/tools';
import { EXAMPLES, readReplies, readRequests } from '../examples/example-servers';
import { enableBpfStats, programStats } from './bpfStats';
import { otherHarnessActive, requireNetwork, withNetnsPair } from './netns';
import { runCommand } from './run';

const PORT = 4180;
const tcpKv = EXAMPLES.find((e) => e.name === 'tcp-kv')!;

async function bpftool(args: string[]): Promise<unknown> {
  const found = findToolchain();
  if (!found.ok) throw new Error(found.error.message);
  return JSON.parse((await runCommand(found.toolchain.bpftool, [...args, '--json'])).stdout);
}

/** The newest verdict program loaded since `since` (ms); Debian's bpftool cannot name the process holding it. */
async function newestVerdictProgram(since: number): Promise<number | undefined> {
  const programs = (await bpftool(['prog', 'show'])) as { id: number; name?: string; loaded_at?: number }[];
  const ours = programs.filter((p) => p.name === SK_SKB_PROGRAM_NAME && (p.loaded_at ?? 0) * 1000 >= since - 1000);
  return ours.length ? Math.max(...ours.map((p) => p.id)) : undefined;
}

async function programExists(id: number): Promise<boolean> {
  const programs = (await bpftool(['prog', 'show'])) as { id: number }[];
  return programs.some((p) => p.id === id);
}

/** Per-CPU counters of the program's stats map, summed. */
async function statsOf(id: number): Promise<number[]> {
  const prog = (await bpftool(['prog', 'show', 'id', String(id)])) as { map_ids?: number[] };
  for (const mapId of prog.map_ids ?? []) {
    const map = (await bpftool(['map', 'show', 'id', String(mapId)])) as { name: string };
    if (!STATS_MAP_NAME.startsWith(map.name)) continue;
    const dump = (await bpftool(['map', 'dump', 'id', String(mapId)])) as { values?: { value: unknown }[]; formatted?: { values: { value: unknown }[] } }[];
    return dump.map((entry) => (entry.formatted?.values ?? entry.values ?? []).reduce((sum: number, v) => sum + counter(v.value), 0));
  }
  throw new Error(`program ${id} has no ${STATS_MAP_NAME}`);
}

function counter(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return Number(Buffer.from(value.map((b) => Number(b))).readBigUInt64LE(0));
  throw new Error(`unexpected counter value ${JSON.stringify(value)}`);
}

test('tcp-kv: bpf-offload split --hook sk_skb, make, and the verdict program answers over veth', async (t: TestContext) => {
  if (!requireNetwork(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-sk-skb-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let err = '';
  const code = await main(['split', join(tcpKv.dir, 'tcp-kv.c'), '--entry', tcpKv.handler, '--hook', 'sk_skb', '--out', dir, '--force'], {
    stdout: () => undefined, stderr: (text) => (err += text),
  });
  assert.equal(code, 0, err);
  const built = spawnSync('make', ['-s', '-C', dir], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(built.status, 0, `make in ${dir} failed:\n${built.stderr}${built.stdout}`);

  await withNetnsPair(t, async (pair) => {
    const release = enableBpfStats(otherHarnessActive);
    try {
      const started = Date.now();
      const program = await pair.startServer('env', [`${ENV_ENABLE}=1`, join(dir, 'tcp-kv'), String(PORT)], { transport: 'tcp', port: PORT });
      const requests = readRequests(tcpKv);
      const expected = readReplies(tcpKv);
      const result = await pair.sendScript({ transport: 'tcp', port: PORT, requests: requests.map((r) => r.bytes), expected });
      // The loader starts at the first accept(): by now it has attached or said why not.
      assert.match(program.output(), /bpf-offload: .* attached to accepted TCP connections \(sk_skb\)/, program.output().slice(-3000));
      requests.forEach((request, i) => {
        assert.deepEqual(result.replies[i], expected[i], `reply to requests.txt line ${request.line} (${request.answeredIn})`);
      });
      const id = await newestVerdictProgram(started);
      assert.ok(id !== undefined, `the split program holds ${SK_SKB_PROGRAM_NAME}`);
      const { runCount } = await programStats(id!);
      const stats = await statsOf(id!);
      const kernelLines = requests.filter((r) => r.answeredIn === 'kernel').length;
      assert.ok(stats[STAT_ANSWERED] > 0, `the kernel answered some requests (stats ${stats.join('/')})`);
      assert.ok(stats[STAT_ANSWERED] <= kernelLines, 'and none the script expects userspace to answer');
      assert.equal(stats[STAT_ANSWERED] + stats[STAT_HANDED_OVER], runCount, 'every segment the program saw was answered or handed over once');
      t.diagnostic(
        `tcp-kv (sk_skb): kernel answered ${stats[STAT_ANSWERED]} of ${kernelLines} kernel-answerable lines; ${stats[STAT_GROW_FAILED]} kernel replies differed in length from their request and went to userspace; ${runCount} segments seen`,
      );
      const exit = await program.stop();
      assert.equal(exit, 0, `the split program exits cleanly on SIGTERM:\n${program.output().slice(-2000)}`);
      assert.equal(await programExists(id!), false, 'the verdict program is gone once the split program has exited');
    } finally {
      release();
    }
  });
});

test('tcp-kv: without BPF_OFFLOAD_ENABLE the sk_skb split runs as the original', async (t: TestContext) => {
  if (!requireNetwork(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-sk-skb-e2e-off-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let err = '';
  assert.equal(await main(['split', join(tcpKv.dir, 'tcp-kv.c'), '--entry', tcpKv.handler, '--hook', 'sk_skb', '--out', dir, '--force'], {
    stdout: () => undefined, stderr: (text) => (err += text),
  }), 0, err);
  const built = spawnSync('make', ['-s', '-C', dir], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(built.status, 0, built.stderr);
  await withNetnsPair(t, async (pair) => {
    const started = Date.now();
    const program = await pair.startServer(join(dir, 'tcp-kv'), [String(PORT + 1)], { transport: 'tcp', port: PORT + 1 });
    const requests = readRequests(tcpKv);
    const expected = readReplies(tcpKv);
    const result = await pair.sendScript({ transport: 'tcp', port: PORT + 1, requests: requests.map((r) => r.bytes), expected });
    requests.forEach((request, i) => assert.deepEqual(result.replies[i], expected[i], `reply to requests.txt line ${request.line}`));
    assert.doesNotMatch(program.output(), /bpf-offload:/, 'the loader did nothing');
    assert.equal(await newestVerdictProgram(started), undefined, 'nothing was loaded');
    assert.equal(await program.stop(), 0);
  });
});
