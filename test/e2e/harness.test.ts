// Proves the network harness on real things: an example server answering its script across the
// veth pair, XDP run counters that equal the packets sent, XDP_TX with the peer's pass program,
// and namespaces that never outlive their test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VETH_XDP_C } from '../../server/src/tools/calibrateVethSources';
import { EXAMPLES, buildExample, encodePayload, readReplies, readRequests } from '../examples/example-servers';
import { enableBpfStats, programStats } from './bpfStats';
import { runCommand } from './run';
import {
  NETNS_PREFIX, NetnsPair, compileBpfText, namespaces, otherHarnessActive, requireNetwork, sweepStaleNamespaces, withNetnsPair,
} from './netns';

const PORT = 4000;
const kvCache = EXAMPLES.find((e) => e.name === 'kv-cache')!;

// Counts by being run: the kernel's run_cnt is the count, the program lets every frame through.
const COUNTER = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int count_frames(struct xdp_md *ctx) { return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
`;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bpfo-harness-'));
}

const show = (replies: (Buffer | null)[]) => replies.map((r) => (r ? encodePayload(r) : 'none'));

test('the kv-cache server in namespace B answers its script from namespace A byte for byte', async (t) => {
  if (!requireNetwork(t)) return;
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { binary } = buildExample(kvCache, dir);
  const requests = readRequests(kvCache).map((r) => r.bytes);
  const expected = readReplies(kvCache);
  await withNetnsPair(t, async (pair) => {
    await pair.startServer(binary, [String(PORT)], { transport: 'udp', port: PORT });
    const { replies } = await pair.sendScript({ transport: 'udp', port: PORT, requests, expected });
    assert.deepEqual(show(replies), show(expected));
    assert.ok(replies.every((r, i) => (r === null ? expected[i] === null : expected[i] !== null && r.equals(expected[i]!))));
  });
});

test('an XDP program on b0 runs once per request sent, and the server still answers through it', async (t) => {
  if (!requireNetwork(t)) return;
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const object = await compileBpfText(dir, 'count_frames.bpf.c', COUNTER);
  const { binary } = buildExample(kvCache, dir);
  const requests = readRequests(kvCache).map((r) => r.bytes);
  const expected = readReplies(kvCache);
  const release = enableBpfStats(otherHarnessActive);
  t.after(release);
  await withNetnsPair(t, async (pair) => {
    const id = await pair.attachXdp(object, { program: 'count_frames' });
    assert.equal((await programStats(id)).runCount, 0, 'nothing ran before the script');
    await pair.startServer(binary, [String(PORT)], { transport: 'udp', port: PORT });
    const { replies } = await pair.sendScript({ transport: 'udp', port: PORT, requests, expected });
    assert.deepEqual(show(replies), show(expected));
    const stats = await programStats(id);
    assert.equal(stats.name, 'count_frames');
    assert.equal(stats.runCount, requests.length);
    await pair.detachXdp();
    assert.equal(await pair.xdpProgramId(), undefined);
  });
});

test('XDP_TX on b0 answers in the kernel once the peer runs an XDP_PASS program', async (t) => {
  if (!requireNetwork(t)) return;
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The calibration's reflector: it answers every UDP datagram by sending the frame back with
  // both ends swapped (the checksums stay right: a swap does not change a ones'-complement sum).
  const object = await compileBpfText(dir, 'reflect_udp.bpf.c', VETH_XDP_C);
  const release = enableBpfStats(otherHarnessActive);
  t.after(release);
  await withNetnsPair(t, async (pair) => {
    const reflector = await pair.attachXdp(object, { program: 'cal_veth_reflect' });
    const peer = await pair.attachPassOnPeer();
    const requests = ['ping', 'a longer datagram of text', 'x'].map((s) => Buffer.from(s));
    // No process listens on port 7 in B: every answer comes from the XDP program.
    assert.equal(await pair.portBound('udp', 7), false);
    const { replies } = await pair.sendScript({ transport: 'udp', port: 7, requests, expected: requests });
    assert.deepEqual(show(replies), show(requests));
    assert.equal((await programStats(reflector)).runCount, requests.length);
    assert.equal((await programStats(peer)).runCount, requests.length, 'the peer saw each reflected frame');
  });
});

test('namespaces go away after the test, also when its body throws, and stale ones of dead runs are swept', async (t) => {
  if (!requireNetwork(t)) return;
  const ours = () => namespaces().filter((n) => n.startsWith(NETNS_PREFIX));
  let names: string[] = [];
  await withNetnsPair(t, async (pair) => {
    names = [pair.client, pair.server];
    assert.deepEqual(ours().filter((n) => names.includes(n)).sort(), [...names].sort());
  });
  assert.deepEqual(ours().filter((n) => names.includes(n)), []);

  let thrown: string[] = [];
  await assert.rejects(
    withNetnsPair(t, async (pair) => {
      thrown = [pair.client, pair.server];
      await pair.startServer('sleep', ['30'], { transport: 'udp', port: 9, timeoutMs: 200 });
    }),
    /did not bind udp\/9/,
  );
  assert.deepEqual(ours().filter((n) => thrown.includes(n)), []);

  // A namespace named after a process that has exited, with something still running inside.
  const finished = spawn(process.execPath, ['-e', '']);
  const deadPid = await new Promise<number>((resolve) => finished.once('exit', () => resolve(finished.pid!)));
  const stale = `bpfo-${deadPid}-0-a`;
  await runCommand('ip', ['netns', 'add', stale]);
  const lingering = spawn('ip', ['netns', 'exec', stale, 'sleep', '60'], { stdio: 'ignore' });
  t.after(() => {
    lingering.kill('SIGKILL');
    return runCommand('ip', ['netns', 'del', stale], { allowFailure: true });
  });
  const lingeringExit = new Promise((resolve) => lingering.once('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const swept = await sweepStaleNamespaces();
  assert.ok(swept.includes(stale), `swept ${swept.join(', ')}`);
  assert.ok(!namespaces().includes(stale));
  await lingeringExit;
});

test('a pair cleans up after itself when destroyed directly', async (t) => {
  if (!requireNetwork(t)) return;
  const pair = await NetnsPair.create();
  t.after(() => pair.destroy());
  const { stdout } = await pair.exec('client', 'ip', ['-j', 'addr', 'show', 'dev', pair.clientIf]);
  assert.match(stdout, new RegExp(pair.clientAddress.replace(/\./g, '\\.')));
  await pair.destroy();
  await pair.destroy();
  assert.ok(!namespaces().includes(pair.client) && !namespaces().includes(pair.server));
});
