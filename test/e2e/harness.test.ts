// Proves the network harness on real things: an example server answering its script across the
// veth pair, XDP run counters that equal the packets sent, XDP_TX with the peer's pass program,
// and namespaces that never outlive their test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileBpf, findToolchain } from '../../server/src/tools';
import { EXAMPLES, buildExample, encodePayload, readReplies, readRequests } from '../examples/example-servers';
import { enableBpfStats, programStats } from './bpfStats';
import { runCommand } from './run';
import {
  NETNS_PREFIX, NetnsPair, namespaces, otherHarnessActive, requireNetwork, sweepStaleNamespaces, withNetnsPair,
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

// Answers UDP to port 7 in the kernel by sending the frame back with both ends swapped; the
// checksums stay right because swapping fields does not change a ones'-complement sum.
const REFLECTOR = `#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
SEC("xdp")
int reflect_udp(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
        return XDP_PASS;
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > end || udp->dest != bpf_htons(7))
        return XDP_PASS;
    unsigned char mac[ETH_ALEN];
    __builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, mac, ETH_ALEN);
    __u32 addr = ip->saddr;
    ip->saddr = ip->daddr;
    ip->daddr = addr;
    __u16 port = udp->source;
    udp->source = udp->dest;
    udp->dest = port;
    return XDP_TX;
}
char LICENSE[] SEC("license") = "GPL";
`;

async function compileSource(dir: string, name: string, text: string): Promise<string> {
  const found = findToolchain();
  if (!found.ok) throw new Error(found.error.message);
  const source = join(dir, name);
  writeFileSync(source, text);
  const compiled = await compileBpf(found.toolchain, source, { outDir: dir });
  assert.ok(compiled.ok, compiled.output);
  return compiled.objectPath;
}

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
  const object = await compileSource(dir, 'count_frames.bpf.c', COUNTER);
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
  const object = await compileSource(dir, 'reflect_udp.bpf.c', REFLECTOR);
  const release = enableBpfStats(otherHarnessActive);
  t.after(release);
  await withNetnsPair(t, async (pair) => {
    const reflector = await pair.attachXdp(object, { program: 'reflect_udp' });
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
