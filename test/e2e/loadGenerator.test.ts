// The one load generator (server/src/tools/loadGenerator.ts) against its own echo servers over
// a veth pair, in the modes the calibration and the offload benchmark use: UDP with a weighted
// mix and a warm-up, TCP counting replies per line and per fixed number of bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VETH_SK_SKB_C } from '../../server/src/tools/calibrateVethSources';
import { compileLoadGenerator, loadArguments, parseLoadResult, runLoad, startEchoServer } from '../../server/src/tools/loadGenerator';
import { withVethPair } from '../../server/src/tools/vethPair';
import { compileBpfText, NETNS_PREFIX, requireNetwork } from './netns';

test('loadArguments puts the options before HOST PORT and leaves out what is not given', () => {
  assert.deepEqual(loadArguments({ host: '10.0.0.2', port: 7, transport: 'udp', inflight: 32, seconds: 2 }), ['load', '--inflight', '32', '--seconds', '2', '10.0.0.2', '7']);
  assert.deepEqual(
    loadArguments({ host: '10.0.0.2', port: 7, transport: 'tcp', inflight: 8, seconds: 0.5, maxRequests: 10, timeoutMs: 200, warmupRequests: 5, warmupSeconds: 1, replyBytes: 64, mixFile: '/m', pids: [3, 4] }),
    ['load', '--tcp', '--inflight', '8', '--seconds', '0.5', '--max-requests', '10', '--timeout-ms', '200', '--warmup-requests', '5', '--warmup-seconds', '1', '--reply-bytes', '64', '--mix', '/m', '--pids', '3,4', '10.0.0.2', '7'],
  );
});

test('parseLoadResult refuses output that is not the JSON result', () => {
  assert.throws(() => parseLoadResult('loadgen: connect: refused\n'), /printed no result: loadgen: connect/);
  assert.throws(() => parseLoadResult('{"sent":1}'), /printed no result/);
});

test('UDP and TCP load against the echo servers: every request answered, the mix kept, the warm-up apart, the tasks measured', async (t) => {
  if (!requireNetwork(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-loadgen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { binary } = await compileLoadGenerator(dir, 'cc', { sockmap: false });
  const mix = join(dir, 'mix.txt');
  // Two classes, 3:1; the TCP one ends each request with a newline, as the line-based servers answer.
  writeFileSync(mix, `3 ${Buffer.from('get a\n').toString('hex')}\n1 ${Buffer.from('set a 1\n').toString('hex')}\n`);
  await withVethPair({ prefix: `${NETNS_PREFIX}lg-`, clientAddress: '10.204.0.1', serverAddress: '10.204.0.2' }, async (pair) => {
    const udpEcho = await startEchoServer(pair, binary, ['echo', '4500']);
    const udp = await runLoad(pair, binary, { port: 4500, transport: 'udp', inflight: 16, seconds: 0.5, warmupRequests: 100, warmupSeconds: 5, mixFile: mix, pids: [udpEcho] });
    assert.ok(udp.replies > 100, JSON.stringify(udp));
    assert.equal(udp.replies + udp.timeouts, udp.sent);
    assert.equal(udp.warmup.sent, 100, 'the warm-up stops at its request count');
    assert.equal(udp.classSent[0] + udp.classSent[1], udp.sent);
    assert.ok(Math.abs(udp.classSent[0] - 3 * udp.classSent[1]) <= 4, `3:1 mix: ${udp.classSent}`);
    assert.equal(udp.pidCpuNs.length, 1);
    assert.ok(udp.pidCpuNs[0] > 0 && udp.clientCpuNs > 0, 'the echo server and the generator both ran');
    assert.ok(udp.seconds >= 0.5 && udp.ticksPerSecond > 0);

    await startEchoServer(pair, binary, ['echo-tcp', '4501']);
    const lines = await runLoad(pair, binary, { port: 4501, transport: 'tcp', inflight: 16, seconds: 0.3, mixFile: mix });
    assert.ok(lines.sent > 0);
    assert.deepEqual([lines.replies, lines.timeouts], [lines.sent, 0], 'a reply per line echoed');
    assert.equal(lines.warmup.sent, 0, 'no warm-up unless asked for');

    await startEchoServer(pair, binary, ['echo-tcp', '4502']);
    const bytes = await runLoad(pair, binary, { port: 4502, transport: 'tcp', inflight: 16, seconds: 0.3, maxRequests: 500, replyBytes: 64 });
    assert.deepEqual([bytes.sent, bytes.replies, bytes.timeouts], [500, 500, 0], 'a reply per 64 bytes of the 64-byte default request');
  });
});

test('echo-tcp refuses a verdict program when built without libbpf', async (t) => {
  if (!requireNetwork(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-loadgen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const build = await compileLoadGenerator(dir, 'cc', { sockmap: false });
  assert.equal(build.sockmap, false);
  await withVethPair({ prefix: `${NETNS_PREFIX}lg2-`, clientAddress: '10.204.0.5', serverAddress: '10.204.0.6' }, async (pair) => {
    const { code, stderr } = await pair.exec('server', build.binary, ['echo-tcp', '4503', '/nonexistent.o', 'cal_sk_pass'], { allowFailure: true });
    assert.equal(code, 3);
    assert.match(stderr, /built without libbpf, cannot attach cal_sk_pass/);
  });
});

test('built with libbpf, echo-tcp puts its sockets under the calibration\'s sk_skb verdict, which answers every request', async (t) => {
  if (!requireNetwork(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-loadgen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const build = await compileLoadGenerator(dir, 'cc', { sockmap: true });
  assert.equal(build.sockmap, true, build.sockmapMissing);
  const verdict = await compileBpfText(dir, 'verdict.bpf.c', VETH_SK_SKB_C);
  await withVethPair({ prefix: `${NETNS_PREFIX}lg3-`, clientAddress: '10.204.0.9', serverAddress: '10.204.0.10' }, async (pair) => {
    await startEchoServer(pair, build.binary, ['echo-tcp', '4504', verdict, 'cal_sk_redirect']);
    const result = await runLoad(pair, build.binary, { port: 4504, transport: 'tcp', inflight: 8, seconds: 0.3, maxRequests: 300, replyBytes: 64 });
    assert.deepEqual([result.sent, result.replies, result.timeouts], [300, 300, 0]);
  });
});
