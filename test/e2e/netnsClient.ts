// The client half of a network test: run inside the client namespace by NetnsPair.sendScript
// (`ip netns exec A node netnsClient.js SPEC.json`), it replays a request script with the same
// replay code the loopback tests use and prints the replies as JSON on stdout.
import { readFileSync } from 'node:fs';
import { replayTcp, replayUdp } from '../examples/example-servers';

export interface ClientSpec {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
  /** Hex of each request. */
  requests: string[];
  /** Hex of each expected reply, or null where none is expected (only that request waits out silenceMs). */
  expected: (string | null)[];
  replyTimeoutMs: number;
  silenceMs: number;
}

export interface ClientResult {
  /** Hex of each reply, null where none came. */
  replies: (string | null)[];
  /** TCP only: the server closed the connection after the last reply. */
  closedByServer?: boolean;
}

export const MAX_REQUESTS = 10_000;

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ClientSpec;
  if (spec.requests.length > MAX_REQUESTS) throw new Error(`at most ${MAX_REQUESTS} requests, got ${spec.requests.length}`);
  const requests = spec.requests.map((h) => Buffer.from(h, 'hex'));
  const expected = spec.expected.map((h) => (h === null ? null : Buffer.from(h, 'hex')));
  const options = { host: spec.host, replyTimeoutMs: spec.replyTimeoutMs, silenceMs: spec.silenceMs };
  const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
  let result: ClientResult;
  if (spec.transport === 'udp') {
    result = { replies: (await replayUdp(spec.port, requests, expected, options)).map(hex) };
  } else {
    const tcp = await replayTcp(spec.port, requests, expected, options);
    result = { replies: tcp.replies.map(hex), closedByServer: tcp.closedByServer };
  }
  process.stdout.write(JSON.stringify(result));
}

// Bundled into the benchmark, this file shares the bundle's module: the file name tells them apart.
if (require.main === module && /netnsClient\.js$/.test(process.argv[1] ?? '')) {
  main().catch((err: Error) => {
    process.stderr.write(`netnsClient: ${err.message}\n`);
    process.exit(1);
  });
}
