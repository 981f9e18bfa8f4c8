// The bundled example servers (examples/<name>/) and their request scripts: reading the
// scripts, building a server outside the source tree, running it on loopback and replaying a
// script against it. Shared by every test that needs an example's golden replies.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export type Transport = 'udp' | 'tcp';
/** Where a request is expected to be answered once the server is split. */
export type AnsweredIn = 'kernel' | 'user';

export interface ExampleServer {
  name: string;
  transport: Transport;
  /** The function that handles one received request (what entry discovery should find). */
  handler: string;
  /** Directory holding <name>.c, Makefile, PROTOCOL.md, requests.txt, replies.txt. */
  dir: string;
}

export interface ScriptRequest {
  /** 1-based line in requests.txt, for messages. */
  line: number;
  answeredIn: AnsweredIn;
  bytes: Buffer;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

const example = (name: string, transport: Transport, handler: string): ExampleServer => ({
  name,
  transport,
  handler,
  dir: path.join(EXAMPLES_DIR, name),
});

export const EXAMPLES: readonly ExampleServer[] = [
  example('kv-cache', 'udp', 'handle_request'),
  example('dns-responder', 'udp', 'answer_query'),
  example('rate-limiter', 'udp', 'main'),
  example('stats-counter', 'udp', 'dispatch'),
  example('echo-rewrite', 'udp', 'rewrite_packet'),
  example('tcp-kv', 'tcp', 'handle_line'),
];

const TEXT_ESCAPES: Record<string, number> = { r: 0x0d, n: 0x0a, t: 0x09, '\\': 0x5c };

/** Decodes "text:..." (escapes \r \n \t \\ \xHH) or "hex:..." (pairs, spaces ignored). */
export function decodePayload(spec: string): Buffer {
  if (spec.startsWith('hex:')) {
    const digits = spec.slice(4).replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex payload: ${spec}`);
    return Buffer.from(digits, 'hex');
  }
  if (!spec.startsWith('text:')) throw new Error(`payload must start with text: or hex: (${spec})`);
  const text = spec.slice(5);
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = text[i + 1];
    if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (next !== undefined && next in TEXT_ESCAPES) {
      bytes.push(TEXT_ESCAPES[next]);
      i += 1;
    } else {
      throw new Error(`bad escape at column ${i} of ${spec}`);
    }
  }
  return Buffer.from(bytes);
}

/** The inverse of decodePayload, for readable assertion messages and for writing scripts. */
export function encodePayload(bytes: Buffer): string {
  const printable = bytes.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0d || b === 0x0a || b === 0x09);
  if (!printable) return `hex:${bytes.toString('hex')}`;
  let text = '';
  for (const b of bytes) {
    if (b === 0x0d) text += '\\r';
    else if (b === 0x0a) text += '\\n';
    else if (b === 0x09) text += '\\t';
    else if (b === 0x5c) text += '\\\\';
    else text += String.fromCharCode(b);
  }
  return `text:${text}`;
}

function scriptLines(file: string): { line: number; text: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((text, i) => ({ line: i + 1, text: text.replace(/\r$/, '') }))
    .filter(({ text }) => text.trim() !== '' && !text.startsWith('#'));
}

export function readRequests(server: ExampleServer): ScriptRequest[] {
  const file = path.join(server.dir, 'requests.txt');
  return scriptLines(file).map(({ line, text }) => {
    const match = /^(kernel|user) (.*)$/.exec(text);
    if (!match) throw new Error(`${file}:${line}: expected "kernel|user text:...|hex:..."`);
    return { line, answeredIn: match[1] as AnsweredIn, bytes: decodePayload(match[2]) };
  });
}

/** One entry per request: the reply bytes, or null where the server sends nothing. */
export function readReplies(server: ExampleServer): (Buffer | null)[] {
  const file = path.join(server.dir, 'replies.txt');
  return scriptLines(file).map(({ text }) => (text === 'none' ? null : decodePayload(text)));
}

/** Builds the example with its own Makefile into outDir; returns the binary and cc's stderr. */
export function buildExample(server: ExampleServer, outDir: string): { binary: string; warnings: string } {
  const env = { ...process.env };
  delete env.CFLAGS; // the Makefile's own flags are the ones under test
  const result = spawnSync('make', ['-s', '-C', server.dir, `O=${outDir}`], { env, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`make ${server.name} failed:\n${result.stderr}${result.stdout}`);
  return { binary: path.join(outDir, server.name), warnings: result.stderr.trim() };
}

export async function freePort(transport: Transport): Promise<number> {
  if (transport === 'tcp') {
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => probe.listen(0, '127.0.0.1', resolve).once('error', reject));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => probe.bind(0, '127.0.0.1', resolve).once('error', reject));
  const port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(resolve));
  return port;
}

export interface RunningServer {
  process: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL if it lingers; resolves with the exit code (null if killed). */
  stop(): Promise<number | null>;
}

/** Starts a server binary on a port and waits for its "listening on" line. */
export async function startServer(binary: string, port: number, timeoutMs = 5000): Promise<RunningServer> {
  const child = spawn(binary, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${binary} did not start: ${stderr}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} exited with ${code} before listening: ${stderr}`));
    });
  });
  const server: RunningServer = {
    process: child,
    log: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
  try {
    await ready;
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** Collects incoming messages and hands them out one at a time, with a timeout. */
class Inbox<T> {
  private items: T[] = [];
  private waiter: ((item: T | null) => void) | null = null;

  push(item: T): void {
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = null;
      wake(item);
    } else {
      this.items.push(item);
    }
  }

  next(timeoutMs: number): Promise<T | null> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
    });
  }
}

export interface ReplayOptions {
  host?: string;
  /** How long to wait for a reply that is expected. */
  replyTimeoutMs?: number;
  /** How long to wait before concluding that no reply is coming (expected null). */
  silenceMs?: number;
}

/**
 * Sends the requests one at a time over UDP, each after the previous reply (or silence).
 * expected tells which requests are meant to get no reply, so only those wait out silenceMs.
 */
export async function replayUdp(
  port: number,
  requests: readonly Buffer[],
  expected: readonly (Buffer | null)[],
  options: ReplayOptions = {},
): Promise<(Buffer | null)[]> {
  const { host = '127.0.0.1', replyTimeoutMs = 3000, silenceMs = 300 } = options;
  const socket = dgram.createSocket('udp4');
  const inbox = new Inbox<Buffer>();
  socket.on('message', (msg) => inbox.push(msg));
  await new Promise<void>((resolve, reject) => socket.bind(0, resolve).once('error', reject));
  try {
    const replies: (Buffer | null)[] = [];
    for (let i = 0; i < requests.length; i++) {
      await new Promise<void>((resolve, reject) =>
        socket.send(requests[i], port, host, (err) => (err ? reject(err) : resolve())),
      );
      replies.push(await inbox.next(expected[i] === null ? silenceMs : replyTimeoutMs));
    }
    return replies;
  } finally {
    socket.close();
  }
}

/**
 * Sends the requests in order over one TCP connection; each reply is what arrives up to and
 * including the next "\n" (null on timeout; requests whose expected reply is null only wait
 * silenceMs). Also reports whether the server closed the connection after the last reply.
 */
export async function replayTcp(
  port: number,
  requests: readonly Buffer[],
  expected: readonly (Buffer | null)[] = [],
  options: ReplayOptions = {},
): Promise<{ replies: (Buffer | null)[]; closedByServer: boolean }> {
  const { host = '127.0.0.1', replyTimeoutMs = 3000, silenceMs = 300 } = options;
  const socket = net.connect(port, host);
  socket.setTimeout(replyTimeoutMs * 4, () => socket.destroy(new Error('tcp replay timed out')));
  let pending = Buffer.alloc(0);
  const lines = new Inbox<Buffer>();
  let closedByServer = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (let nl = pending.indexOf(0x0a); nl >= 0; nl = pending.indexOf(0x0a)) {
      lines.push(pending.subarray(0, nl + 1));
      pending = pending.subarray(nl + 1);
    }
  });
  socket.on('end', () => {
    closedByServer = true;
  });
  socket.on('error', () => undefined); // surfaces as missing replies
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cannot connect to ${host}:${port}`)), replyTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const replies: (Buffer | null)[] = [];
  for (let i = 0; i < requests.length; i++) {
    if (!socket.writable) {
      replies.push(null);
      continue;
    }
    socket.write(requests[i]);
    replies.push(await lines.next(expected[i] === null ? silenceMs : replyTimeoutMs));
  }
  // Give a server that promised to hang up the chance to do so before we do.
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 500))]);
  socket.destroy();
  await closed;
  return { replies, closedByServer };
}
