// The split end to end over a veth pair: `bpf-offload split`, `make` in the output directory,
// the split program in namespace B with BPF_OFFLOAD_IFACE=b0, the request script from
// namespace A. Replies must be byte-identical to the golden ones, requests that fall back
// included; the program's counters say how many the kernel answered.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAT_ANSWERED, STAT_GROW_FAILED, STAT_HANDED_OVER, STATS_MAP_NAME, XDP_PROGRAM_NAME } from '../../server/src/analysis/codegen/contract';
import { SplitError, type SplitPlan } from '../../server/src/analysis/codegen/split';
import { main } from '../../server/src/cli';
import { findToolchain } from '../../server/src/tools';
import { EXAMPLES, readReplies, readRequests, type ExampleServer } from '../examples/example-servers';
import { passKernelHalf, planExample } from '../codegen/splitFixtures';
import { enableBpfStats, programStats } from './bpfStats';
import { NetnsPair, otherHarnessActive, requireNetwork, withNetnsPair } from './netns';
import { runCommand } from './run';

const PORT = 4100;
const UDP = EXAMPLES.filter((e) => e.transport === 'udp');
// Kernel halves the verifier refuses today (test/codegen/kernelHalf.test.ts marks the same as
// known). They still run in full: a failure is reported as TODO, a pass as a pass.
const KNOWN_UNLOADABLE = new Map<string, string>();

function make(dir: string): void {
  const built = spawnSync('make', ['-s', '-C', dir], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(built.status, 0, `make in ${dir} failed:\n${built.stderr}${built.stdout}`);
}

/** Sums a per-CPU counter of the stats map of program `id` (bpftool prints BTF-formatted or raw bytes). */
async function statsOf(id: number): Promise<number[]> {
  const bpftool = findToolchain();
  if (!bpftool.ok) throw new Error(bpftool.error.message);
  const tool = bpftool.toolchain.bpftool;
  const prog = JSON.parse((await runCommand(tool, ['prog', 'show', 'id', String(id), '--json'])).stdout) as { map_ids?: number[] };
  for (const mapId of prog.map_ids ?? []) {
    const map = JSON.parse((await runCommand(tool, ['map', 'show', 'id', String(mapId), '--json'])).stdout) as { name: string };
    if (!STATS_MAP_NAME.startsWith(map.name)) continue;
    const dump = JSON.parse((await runCommand(tool, ['map', 'dump', 'id', String(mapId), '--json'])).stdout) as unknown[];
    return dump.map((entry) => {
      const record = entry as { values?: { value: unknown }[]; formatted?: { values: { value: unknown }[] } };
      const values = record.formatted?.values ?? record.values ?? [];
      return values.reduce((sum, v) => sum + counterValue(v.value), 0);
    });
  }
  throw new Error(`program ${id} has no ${STATS_MAP_NAME}`);
}

function counterValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return Number(Buffer.from(value.map((b) => Number(b))).readBigUInt64LE(0));
  throw new Error(`unexpected counter value ${JSON.stringify(value)}`);
}

interface RunResult {
  replies: (Buffer | null)[];
  runCount: number;
  stats: number[];
  log: string;
  detachedAfterExit: boolean;
}

/** Runs the built split program in B with the kernel half on b0, replays the script, stops it. */
async function runSplitProgram(pair: NetnsPair, dir: string, base: string, server: ExampleServer): Promise<RunResult> {
  await pair.attachPassOnPeer('client');
  const release = enableBpfStats(otherHarnessActive);
  try {
    const program = await pair.startServer('env', [`BPF_OFFLOAD_IFACE=${pair.serverIf}`, join(dir, base), String(PORT)], { transport: 'udp', port: PORT });
    // The loader runs after bind(): wait for its verdict before sending anything. A large
    // kernel half can keep the verifier busy for a minute before it accepts or refuses it.
    const deadline = Date.now() + 150_000;
    while (!/bpf-offload: .*attached to/.test(program.output())) {
      if (program.process.exitCode !== null || /bpf-offload: /.test(program.output()) || Date.now() > deadline) {
        await program.stop();
        // The verifier's instruction trace is long; its verdict and the loader's reason are what matter.
        const verdict = program.output().split('\n').filter((l) => l && !/^\s*(\d+:|;|from \d+|mark_precise|last_idx|frame\d|R\d+=|returning from|to caller|caller:|callee:)/.test(l));
        assert.fail(`the split program did not attach its kernel half:\n${verdict.slice(-15).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const id = await pair.xdpProgramId('server');
    assert.ok(id !== undefined, 'an XDP program is attached to b0');
    assert.equal((await programStats(id!)).name, XDP_PROGRAM_NAME);
    const before = (await programStats(id!)).runCount;
    const result = await pair.sendScript({
      transport: 'udp', port: PORT, requests: readRequests(server).map((r) => r.bytes), expected: readReplies(server),
    });
    const runCount = (await programStats(id!)).runCount - before;
    const stats = await statsOf(id!);
    const code = await program.stop();
    assert.equal(code, 0, `the split program exits cleanly on SIGTERM:\n${program.output().slice(-2000)}`);
    return { replies: result.replies, runCount, stats, log: program.output(), detachedAfterExit: (await pair.xdpProgramId('server')) === undefined };
  } finally {
    release();
  }
}

function assertRepliesIdentical(server: ExampleServer, replies: (Buffer | null)[]): void {
  const expected = readReplies(server);
  readRequests(server).forEach((request, i) => {
    assert.deepEqual(replies[i], expected[i], `${server.name}: reply to requests.txt line ${request.line} (${request.answeredIn})`);
  });
}

for (const server of UDP) {
  test(`${server.name}: split with a pass-through kernel half — loader, shared state and userspace over veth`, async (t: TestContext) => {
    if (!requireNetwork(t)) return;
    const plan = await planExample(server, { kernelHalf: passKernelHalf });
    const dir = mkdtempSync(join(tmpdir(), `bpfo-split-e2e-${server.name}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writePlan(plan, dir);
    make(dir);
    await withNetnsPair(t, async (pair) => {
      const run = await runSplitProgram(pair, dir, plan.base, server);
      assertRepliesIdentical(server, run.replies);
      const requests = readRequests(server).length;
      assert.equal(run.runCount, requests, 'every request went through the XDP program');
      assert.equal(run.stats[STAT_HANDED_OVER], requests, 'and the program handed every one to userspace');
      assert.ok(run.detachedAfterExit, 'the program is detached once the split program has exited');
    });
  });

  test(`${server.name}: bpf-offload split, make, and the kernel half answers over veth`, { todo: KNOWN_UNLOADABLE.get(server.name) }, async (t: TestContext) => {
    if (!requireNetwork(t)) return;
    const dir = mkdtempSync(join(tmpdir(), `bpfo-split-e2e-${server.name}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    let err = '';
    const code = await main(['split', join(server.dir, `${server.name}.c`), '--entry', server.handler, '--out', dir, '--force'], {
      stdout: () => undefined, stderr: (text) => (err += text),
    });
    if (code !== 0 && /kernel half of .* cannot be generated/.test(err)) {
      // The generator says what it cannot translate yet; that is a gap to close, reported as such.
      t.todo(err.trim());
      return;
    }
    assert.equal(code, 0, err);
    make(dir);
    await withNetnsPair(t, async (pair) => {
      const run = await runSplitProgram(pair, dir, server.name, server);
      assertRepliesIdentical(server, run.replies);
      const requests = readRequests(server);
      const kernelAnswerable = requests.filter((r) => r.answeredIn === 'kernel').length;
      assert.equal(run.runCount, requests.length, 'every request went through the XDP program');
      assert.ok(run.stats[STAT_ANSWERED] > 0, `the kernel answered some requests (stats ${run.stats.join('/')})`);
      assert.ok(run.stats[STAT_ANSWERED] <= kernelAnswerable, 'and none the script expects userspace to answer');
      assert.equal(run.stats[STAT_ANSWERED] + run.stats[STAT_HANDED_OVER], requests.length, 'every request was answered or handed over once');
      t.diagnostic(
        `${server.name}: kernel answered ${run.stats[STAT_ANSWERED]} of ${kernelAnswerable} kernel-answerable requests (${requests.length} in all; ${run.stats[STAT_GROW_FAILED] ?? 0} replies could not grow the packet and fell back)`,
      );
      assert.ok(run.detachedAfterExit, 'the program is detached once the split program has exited');
    });
  });
}

function writePlan(plan: SplitPlan, dir: string): void {
  for (const f of plan.files) writeFileSync(join(dir, f.relativePath), f.content);
}

test('the loader refuses a missing interface with a clear message and a non-zero exit', async (t: TestContext) => {
  if (!requireNetwork(t)) return;
  const server = UDP[0];
  const plan = await planExample(server, { kernelHalf: passKernelHalf }).catch((e: Error) => {
    if (e instanceof SplitError) assert.fail(e.message);
    throw e;
  });
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-split-e2e-noif-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writePlan(plan, dir);
  make(dir);
  const run = spawnSync(join(dir, plan.base), [String(PORT + 1)], {
    env: { ...process.env, BPF_OFFLOAD_IFACE: 'bpfo-no-such-if' }, encoding: 'utf8', timeout: 10_000,
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /BPF_OFFLOAD_IFACE=bpfo-no-such-if: no such network interface/);
});
