// The product's veth pair (server/src/tools/vethPair.ts) on its own, as the calibration uses it:
// what it sets up, and that it removes everything also when its setup fails or its caller aborts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { namespaces, VethPair, withVethPair } from '../../server/src/tools/vethPair';
import { compileBpfText, NETNS_PREFIX, requireNetwork } from './netns';
import { runCommand } from './run';

const PASS = '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\nSEC("xdp") int pass_a(struct xdp_md *ctx) { return XDP_PASS; }\nSEC("xdp") int pass_b(struct xdp_md *ctx) { return XDP_PASS; }\nchar LICENSE[] SEC("license") = "GPL";\n';

// A datagram from the client namespace to `address` and back (no ping on every machine).
const ECHO = "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(m,r.port,r.address));s.bind(4600)";
const ASK = "const s=require('dgram').createSocket('udp4');s.on('message',()=>process.exit(0));s.send('x',4600,process.argv[1]);setTimeout(()=>process.exit(1),2000)";

async function roundTrip(pair: VethPair, address: string): Promise<boolean> {
  const echo = pair.spawn('server', process.execPath, ['-e', ECHO]);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return (await pair.exec('client', process.execPath, ['-e', ASK, address], { allowFailure: true })).code === 0;
  } finally {
    echo.kill('SIGKILL');
  }
}

const ours = (prefix: string) => namespaces().filter((n) => n.startsWith(prefix));

test('a pair has two namespaces with lo up, no IPv6, addressed devices, permanent neighbours; destroy removes them', async (t) => {
  if (!requireNetwork(t)) return;
  const prefix = `${NETNS_PREFIX}vp1-`;
  const pair = await VethPair.create({ prefix, clientAddress: '10.203.0.1', serverAddress: '10.203.0.2' });
  t.after(() => pair.destroy());
  assert.deepEqual(ours(prefix), [`${prefix}a`, `${prefix}b`]);
  for (const side of ['client', 'server'] as const) {
    const [self, peer] = side === 'client' ? [pair.clientAddress, pair.serverAddress] : [pair.serverAddress, pair.clientAddress];
    const lo = JSON.parse((await pair.exec(side, 'ip', ['-j', 'link', 'show', 'dev', 'lo'])).stdout) as { flags: string[] }[];
    assert.ok(lo[0].flags.includes('UP'), `lo is up in the ${side} namespace`);
    assert.equal((await pair.exec(side, 'sysctl', ['-n', 'net.ipv6.conf.all.disable_ipv6'])).stdout.trim(), '1');
    const addr = JSON.parse((await pair.exec(side, 'ip', ['-j', 'addr', 'show', 'dev', pair.device(side)])).stdout) as { operstate: string; addr_info: { local: string; prefixlen: number }[] }[];
    assert.deepEqual(addr[0].addr_info.map((a) => `${a.local}/${a.prefixlen}`), [`${self}/30`]);
    assert.equal(addr[0].operstate, 'UP');
    const neighbours = JSON.parse((await pair.exec(side, 'ip', ['-j', 'neigh', 'show', 'dev', pair.device(side)])).stdout) as { dst: string; lladdr: string; state: string[] }[];
    const otherSide = side === 'client' ? 'server' : 'client';
    assert.deepEqual(neighbours.map((n) => [n.dst, n.lladdr, n.state]), [[peer, await pair.macOf(otherSide), ['PERMANENT']]]);
  }
  assert.ok(await roundTrip(pair, pair.serverAddress), 'a datagram goes to the server side and back');
  await pair.destroy();
  await pair.destroy();
  assert.deepEqual(ours(prefix), []);
});

test('XDP programs attach by name, are replaced in one step, and come off again, on a second link too', async (t) => {
  if (!requireNetwork(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-vethpair-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const object = await compileBpfText(dir, 'pass.bpf.c', PASS);
  await withVethPair({ prefix: `${NETNS_PREFIX}vp2-`, clientAddress: '10.203.0.5', serverAddress: '10.203.0.6' }, async (pair) => {
    const first = await pair.attachXdp(object, { program: 'pass_a' });
    await assert.rejects(pair.attachXdp(object, { program: 'pass_b' }), /exited with/, 'without replace, ip refuses a second program');
    const second = await pair.attachXdp(object, { program: 'pass_b', replace: true });
    assert.notEqual(second, first);
    assert.equal(await pair.xdpProgramId('server'), second);
    await pair.detachXdp('server');
    assert.equal(await pair.xdpProgramId('server'), undefined);

    await pair.addLink({ clientIf: 'a1', serverIf: 'b1', clientAddress: '10.203.1.1', serverAddress: '10.203.1.2' });
    assert.ok(await roundTrip(pair, '10.203.1.2'), 'the second link carries traffic');
    const onA1 = await pair.attachXdp(object, { side: 'client', device: 'a1' });
    assert.equal(await pair.xdpProgramId('client', 'a1'), onA1);
    assert.equal(await pair.xdpProgramId('client'), undefined, 'a0 has none');
  });
});

test('a setup that fails half-way removes the namespaces it made', async (t) => {
  if (!requireNetwork(t)) return;
  const prefix = `${NETNS_PREFIX}vp3-`;
  await assert.rejects(VethPair.create({ prefix, clientAddress: '10.203.0.300', serverAddress: '10.203.0.10' }), /addr add/);
  assert.deepEqual(ours(prefix), []);
});

test('an abort stops the running command, kills what the pair started and removes the namespaces', async (t) => {
  if (!requireNetwork(t)) return;
  const prefix = `${NETNS_PREFIX}vp4-`;
  const abort = new AbortController();
  let sleeper: number | undefined;
  const started = Date.now();
  await assert.rejects(
    withVethPair({ prefix, clientAddress: '10.203.0.13', serverAddress: '10.203.0.14', signal: abort.signal }, async (pair) => {
      sleeper = pair.spawn('server', 'sleep', ['60']).pid;
      setTimeout(() => abort.abort(), 200);
      await pair.exec('client', 'sleep', ['30'], { timeoutMs: 60_000 });
    }),
    { name: 'AbortError' },
  );
  assert.ok(Date.now() - started < 10_000, 'the abort ended the command');
  assert.deepEqual(ours(prefix), []);
  assert.ok(sleeper !== undefined);
  const { code } = await runCommand('kill', ['-0', String(sleeper)], { allowFailure: true });
  assert.notEqual(code, 0, 'the process the pair started is gone');
});
