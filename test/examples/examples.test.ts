// Every bundled example server builds warning-free with its own Makefile (outside the source
// tree), answers its request script on loopback with exactly the bytes in replies.txt, and
// stops cleanly on SIGTERM. The scripts are the golden references later split tests compare to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EXAMPLES,
  buildExample,
  decodePayload,
  encodePayload,
  freePort,
  readReplies,
  readRequests,
  replayTcp,
  replayUdp,
  startServer,
  type ExampleServer,
} from './example-servers';

const show = (reply: Buffer | null) => (reply === null ? 'none' : encodePayload(reply));

test('the script encoding decodes escapes and hex, and rejects what it does not know', () => {
  assert.deepEqual(decodePayload('text:GET a b\\r\\n\\x00\\\\'), Buffer.from('GET a b\r\n\x00\\', 'latin1'));
  assert.deepEqual(decodePayload('hex:00 ff 10'), Buffer.from([0, 255, 16]));
  assert.throws(() => decodePayload('text:bad \\q escape'), /bad escape/);
  assert.throws(() => decodePayload('hex:0f0'), /bad hex/);
  assert.throws(() => decodePayload('GET x'), /text: or hex:/);
  for (const bytes of [Buffer.from('VALUE x\r\n'), Buffer.from([1, 2, 0x0a]), Buffer.from('a\\b')]) {
    assert.deepEqual(decodePayload(encodePayload(bytes)), bytes);
  }
});

for (const server of EXAMPLES) {
  test(`${server.name}: the example is complete and its scripts are consistent`, () => {
    for (const file of [`${server.name}.c`, 'Makefile', 'PROTOCOL.md', 'requests.txt', 'replies.txt']) {
      assert.ok(existsSync(path.join(server.dir, file)), `${server.name}/${file} is missing`);
    }
    const requests = readRequests(server);
    const replies = readReplies(server);
    assert.equal(replies.length, requests.length, 'one reply line per request');
    assert.ok(requests.some((r) => r.answeredIn === 'kernel'), 'the script has kernel-answerable requests');
    assert.ok(requests.some((r) => r.answeredIn === 'user'), 'the script has requests that fall back');
    const source = readFileSync(path.join(server.dir, `${server.name}.c`), 'utf8');
    assert.match(source, new RegExp(`^[\\w ]*\\b${server.handler}\\(`, 'm'), `${server.handler} is defined`);
    assert.doesNotMatch(source, /bpf-offload:/, 'entries must be found by discovery, not annotations');
    const protocol = readFileSync(path.join(server.dir, 'PROTOCOL.md'), 'utf8');
    assert.ok(protocol.includes(server.handler), 'PROTOCOL.md names the handler');
  });

  test(`${server.name}: builds warning-free and answers requests.txt exactly as replies.txt says`, async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), `example-${server.name}-`));
    try {
      const { binary, warnings } = buildExample(server, outDir);
      assert.equal(warnings, '', 'cc -O2 -Wall -Wextra prints no warning');
      assert.ok(!existsSync(path.join(server.dir, server.name)), 'nothing is built inside the repository');
      await checkScript(server, binary);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
}

async function checkScript(server: ExampleServer, binary: string): Promise<void> {
  const requests = readRequests(server);
  const expected = readReplies(server);
  const port = await freePort(server.transport);
  const running = await startServer(binary, port);
  let exitCode: number | null;
  try {
    const bytes = requests.map((r) => r.bytes);
    let replies: (Buffer | null)[];
    if (server.transport === 'udp') {
      replies = await replayUdp(port, bytes, expected);
    } else {
      const session = await replayTcp(port, bytes, expected);
      replies = session.replies;
      // Every TCP script ends with QUIT, after which the server hangs up.
      assert.equal(session.closedByServer, true, 'the server closes the connection after QUIT');
    }
    requests.forEach((request, i) => {
      assert.equal(
        show(replies[i]),
        show(expected[i]),
        `requests.txt line ${request.line} (${encodePayload(request.bytes)}): server log:\n${running.log()}`,
      );
    });
  } finally {
    exitCode = await running.stop();
  }
  assert.equal(exitCode, 0, `${server.name} exits with 0 on SIGTERM; log:\n${running.log()}`);
}

test('tcp-kv answers pipelined lines in order and hangs up after QUIT', async () => {
  const server = EXAMPLES.find((e) => e.name === 'tcp-kv')!;
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'example-tcp-kv-'));
  try {
    const { binary } = buildExample(server, outDir);
    const port = await freePort('tcp');
    const running = await startServer(binary, port);
    try {
      // Pipelined: three lines in one write, answered in order.
      const first = await replayTcp(port, [Buffer.from('PING\r\nGET beta\nINFO\r\n'), Buffer.alloc(0), Buffer.alloc(0)]);
      assert.deepEqual(first.replies.map(show), [
        'text:PONG\\r\\n',
        'text:VALUE 22\\r\\n',
        'text:INFO connections=1 keys=5\\r\\n',
      ]);
      assert.equal(first.closedByServer, false);
      const second = await replayTcp(port, [Buffer.from('QUIT\r\n')]);
      assert.deepEqual(second.replies.map(show), ['text:BYE\\r\\n']);
      assert.equal(second.closedByServer, true);
    } finally {
      assert.equal(await running.stop(), 0);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
