// Real network tests: two network namespaces made for one test, joined by a veth pair
// (server/src/tools/vethPair.ts, the product's own, which the calibration uses too). The server
// side (namespace B, device b0) is where an XDP program attaches; the client side (A, a0) sends
// a request script. What is here is the tests' part: skipping (or failing) where the kernel
// cannot be used, one pair per test with its own addresses and files, servers waited on until
// their port is bound, request scripts, sweeping the namespaces of dead test processes, and
// deleting this process's own when it is stopped from outside.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { compileBpf, findToolchain, privilege } from '../../server/src/tools';
import { deleteNamespace, namespaces, VethPair, type Side } from '../../server/src/tools/vethPair';
import type { ClientResult, ClientSpec } from './netnsClient';
import { MAX_REQUESTS } from './netnsClient';
import { findExecutable } from './run';

export { namespaces } from '../../server/src/tools/vethPair';
export type { Side } from '../../server/src/tools/vethPair';

export const NETNS_PREFIX = `bpfo-${process.pid}-`;
const STALE_NAME = /^bpfo-(\d+)-/;
export const KERNEL_REQUIRED = process.env.BPF_OFFLOAD_REQUIRE_KERNEL === '1';

export type Transport = 'udp' | 'tcp';

/** Why network tests cannot run here, or undefined. */
export function networkTestsUnavailable(): string | undefined {
  const rights = privilege();
  if (!rights.canLoad) return `network tests need root: ${rights.reason}`;
  for (const tool of ['ip', 'ss', 'sysctl', 'ethtool']) if (!findExecutable(tool)) return `${tool} is missing (apt-get install iproute2 procps ethtool)`;
  const found = findToolchain();
  if (!found.ok) return `${found.error.message}; ${found.error.hint}`;
  return undefined;
}

/** True when the test may go on; otherwise skips it, or fails when BPF_OFFLOAD_REQUIRE_KERNEL=1. */
export function requireNetwork(t: TestContext): boolean {
  const problem = networkTestsUnavailable();
  if (!problem) return true;
  if (KERNEL_REQUIRED) throw new Error(`BPF_OFFLOAD_REQUIRE_KERNEL=1 but the network tests cannot run: ${problem}`);
  t.skip(problem);
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when a live process other than this one owns bpfo-* namespaces (another test file is running). */
export function otherHarnessActive(): boolean {
  return namespaces().some((name) => {
    const pid = Number(STALE_NAME.exec(name)?.[1]);
    return pid > 0 && pid !== process.pid && alive(pid);
  });
}

/** Removes bpfo-<pid>-* namespaces (and what still runs in them) whose test process has died. */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const stale = namespaces().filter((name) => {
    const pid = Number(STALE_NAME.exec(name)?.[1]);
    return pid > 0 && pid !== process.pid && !alive(pid);
  });
  for (const name of stale) await deleteNamespace(name);
  return stale;
}

/** Writes `text` to `dir/name` and compiles it for BPF; the object's path, or throws with clang's output. */
export async function compileBpfText(dir: string, name: string, text: string): Promise<string> {
  const found = findToolchain();
  if (!found.ok) throw new Error(found.error.message);
  const source = join(dir, name);
  writeFileSync(source, text);
  const compiled = await compileBpf(found.toolchain, source, { outDir: dir });
  if (!compiled.ok) throw new Error(`${name} did not compile: ${compiled.output}`);
  return compiled.objectPath;
}

export interface ServerProcess {
  process: ChildProcess;
  /** What it wrote to stdout and stderr so far (bounded). */
  output(): string;
  /** SIGTERM, SIGKILL after 2 s; resolves with the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  transport: Transport;
  /** The port to wait for in `ss -uln`/`ss -tln` inside the namespace. */
  port: number;
  timeoutMs?: number;
}

export interface ScriptOptions {
  transport: Transport;
  port: number;
  requests: readonly Buffer[];
  /** Where a request expects no reply (null) it waits only silenceMs; omitted: every request waits replyTimeoutMs. */
  expected?: readonly (Buffer | null)[];
  replyTimeoutMs?: number;
  silenceMs?: number;
}

export interface ScriptResult {
  replies: (Buffer | null)[];
  closedByServer?: boolean;
}

const PASS_PROGRAM = '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\nSEC("xdp")\nint xdp_pass_peer(struct xdp_md *ctx) { return XDP_PASS; }\nchar LICENSE[] SEC("license") = "GPL";\n';

let pairCount = 0;
const livePairs = new Set<NetnsPair>();

// A test process stopped from outside (the runner's timeout, ^C) never reaches its finally
// blocks; its namespaces are deleted here, synchronously, before it goes. A SIGKILL still
// leaves them behind for the next run's sweepStaleNamespaces.
function deleteLiveNamespacesNow(): void {
  for (const pair of livePairs) {
    for (const ns of [pair.client, pair.server]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 });
      } catch {
        // already gone
      }
    }
  }
  livePairs.clear();
}

let exitHooksInstalled = false;
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', deleteLiveNamespacesNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      deleteLiveNamespacesNow();
      process.kill(process.pid, signal);
    });
  }
}

export class NetnsPair extends VethPair {
  private readonly processes = new Set<ServerProcess>();

  private constructor(
    n: number,
    /** A private directory for this pair's files (client specs, compiled helpers); removed by destroy(). */
    readonly tempDir: string,
  ) {
    // 10.200.<n/64>.<4*(n%64)>/30: distinct per pair of this process, though the namespaces would isolate equal ones too.
    const base = `10.200.${Math.floor(n / 64) % 256}.${(n % 64) * 4}`.split('.').map(Number);
    const host = (k: number) => `${base[0]}.${base[1]}.${base[2]}.${base[3] + k}`;
    super({ prefix: `${NETNS_PREFIX}${n}-`, clientAddress: host(1), serverAddress: host(2) });
  }

  /** Creates both namespaces and the link; on any failure removes what it made and rethrows. */
  static async create(): Promise<NetnsPair> {
    await sweepStaleNamespaces();
    const pair = new NetnsPair(pairCount++, mkdtempSync(join(tmpdir(), NETNS_PREFIX)));
    installExitHooks();
    livePairs.add(pair);
    return VethPair.setUp(pair);
  }

  /** XDP_TX on veth drops frames unless the peer device runs an XDP program too; this one passes everything. */
  async attachPassOnPeer(side: Side = 'client'): Promise<number> {
    return this.attachXdp(await compileBpfText(this.tempDir, 'xdp_pass_peer.bpf.c', PASS_PROGRAM), { side });
  }

  /** Starts `command args` in the server namespace and waits until the port is bound there. */
  async startServer(command: string, args: string[], options: StartOptions): Promise<ServerProcess> {
    const child = this.spawn('server', command, args, ['ignore', 'pipe', 'pipe']);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-64 * 1024);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.once('error', (err) => {
      output += `\n${err.message}`;
    });
    const handle: ServerProcess = {
      process: child,
      output: () => output,
      stop: async () => {
        this.processes.delete(handle);
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
        const code = await exited;
        clearTimeout(killer);
        return code;
      },
    };
    this.processes.add(handle);
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    while (!(await this.portBound(options.transport, options.port))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before binding ${options.transport}/${options.port}: ${output}`);
      }
      if (Date.now() > deadline) {
        await handle.stop();
        throw new Error(`${command} did not bind ${options.transport}/${options.port} in ${this.server}: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return handle;
  }

  /** Whether something listens on the port in the server namespace. */
  async portBound(transport: Transport, port: number): Promise<boolean> {
    const { stdout } = await this.exec('server', 'ss', ['-H', '-n', '-l', transport === 'udp' ? '-u' : '-t'], { allowFailure: true });
    return stdout.split('\n').some((line) => line.trim().split(/\s+/)[3]?.endsWith(`:${port}`));
  }

  /** Sends the requests from the client namespace, one after another, and returns each reply (null: none came). */
  async sendScript(options: ScriptOptions): Promise<ScriptResult> {
    if (options.requests.length > MAX_REQUESTS) throw new Error(`at most ${MAX_REQUESTS} requests per script`);
    const replyTimeoutMs = options.replyTimeoutMs ?? 2000;
    const silenceMs = options.silenceMs ?? 300;
    const spec: ClientSpec = {
      transport: options.transport,
      host: this.serverAddress,
      port: options.port,
      requests: options.requests.map((r) => r.toString('hex')),
      expected: options.requests.map((_, i) => {
        const e = options.expected?.[i];
        return e === null ? null : (e ?? Buffer.alloc(0)).toString('hex');
      }),
      replyTimeoutMs,
      silenceMs,
    };
    const specPath = join(this.tempDir, `script-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(specPath, JSON.stringify(spec));
    // Every request may wait its full timeout; beyond that (plus start-up) the client is stuck.
    const budget = 10_000 + options.requests.length * (replyTimeoutMs + 100) + (options.transport === 'tcp' ? 1000 : 0);
    const { stdout } = await this.exec('client', process.execPath, [join(__dirname, 'netnsClient.js'), specPath], { timeoutMs: budget });
    const result = JSON.parse(stdout) as ClientResult;
    return {
      replies: result.replies.map((h) => (h === null ? null : Buffer.from(h, 'hex'))),
      closedByServer: result.closedByServer,
    };
  }

  /** Stops every server it started (SIGTERM first), deletes both namespaces and its files. Safe to call twice. */
  async destroy(): Promise<void> {
    for (const handle of [...this.processes]) await handle.stop().catch(() => undefined);
    await super.destroy();
    livePairs.delete(this);
    rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/**
 * A pair for one test: destroyed when `body` ends, however it ends, and again from t.after in
 * case the test is cancelled while `body` still runs.
 */
export async function withNetnsPair<T>(t: TestContext, body: (pair: NetnsPair) => Promise<T>): Promise<T> {
  const pair = await NetnsPair.create();
  t.after(() => pair.destroy());
  try {
    return await body(pair);
  } finally {
    await pair.destroy();
  }
}
