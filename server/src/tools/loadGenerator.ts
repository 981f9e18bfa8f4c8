// Building the load generator (loadgen.c), its `load` command line, and reading
// what it prints. The calibration's veth part and the offload benchmark both go through here.
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from './command';
import type { VethPair } from './vethPair';

export interface LoadGeneratorBuild {
  binary: string;
  /** Whether echo-tcp can attach an sk_skb verdict (built with libbpf). */
  sockmap: boolean;
  /** Why it was built without libbpf, when sockmap was wanted. */
  sockmapMissing?: string;
}

const SOURCE_NAME = 'loadgen.c';

/**
 * The load generator's C source: beside this code when it is a bundle (the build copies it into
 * dist/) or the TypeScript source itself; otherwise in the source tree above it, where tsc's
 * output (out/, the tests) and the benchmark's bundle (.cache/bench/) sit.
 */
export function loadGeneratorSourcePath(): string {
  const beside = path.join(__dirname, SOURCE_NAME);
  if (existsSync(beside)) return beside;
  for (let dir = __dirname; ; ) {
    const inTree = path.join(dir, 'server', 'src', 'tools', SOURCE_NAME);
    if (existsSync(inTree)) return inTree;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${SOURCE_NAME} (the load generator's source) is neither beside ${__dirname} nor in a source tree above it`);
    dir = parent;
  }
}

/**
 * Copies the source into `dir` and compiles it with `cc`. With `sockmap` it links libbpf, and
 * falls back to a build without it (echo-tcp then refuses a verdict program) when that fails.
 */
export async function compileLoadGenerator(dir: string, cc: string, options: { sockmap: boolean; signal?: AbortSignal }): Promise<LoadGeneratorBuild> {
  const source = path.join(dir, 'loadgen.c');
  const binary = path.join(dir, 'loadgen');
  await fs.copyFile(loadGeneratorSourcePath(), source);
  const compile = (args: string[]) => runCommand(cc, ['-O2', '-Wall', '-o', binary, source, ...args], { timeoutMs: 60_000, signal: options.signal });
  if (options.sockmap) {
    try {
      await compile(['-lbpf']);
      return { binary, sockmap: true };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      await compile(['-DLOADGEN_NO_BPF']);
      return { binary, sockmap: false, sockmapMissing: (error as Error).message.split('\n')[0] };
    }
  }
  await compile(['-DLOADGEN_NO_BPF']);
  return { binary, sockmap: false };
}

export interface LoadRequest {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  inflight: number;
  seconds: number;
  maxRequests?: number;
  /** A silence this long writes off the requests in flight. */
  timeoutMs?: number;
  warmupRequests?: number;
  warmupSeconds?: number;
  /** TCP: a reply per this many bytes received (an echo); otherwise a reply per line. */
  replyBytes?: number;
  /** "<weight> <hex payload>" lines; otherwise 64 bytes of 'c'. */
  mixFile?: string;
  /** Tasks whose CPU time over the measured interval is reported (pidCpuNs, in this order). */
  pids?: number[];
}

/** The arguments of `loadgen load` for a request. */
export function loadArguments(request: LoadRequest): string[] {
  const args = ['load'];
  if (request.transport === 'tcp') args.push('--tcp');
  args.push('--inflight', String(request.inflight), '--seconds', String(request.seconds));
  const optional: [string, number | string | undefined][] = [
    ['--max-requests', request.maxRequests],
    ['--timeout-ms', request.timeoutMs],
    ['--warmup-requests', request.warmupRequests],
    ['--warmup-seconds', request.warmupSeconds],
    ['--reply-bytes', request.replyBytes],
    ['--mix', request.mixFile],
    ['--pids', request.pids?.length ? request.pids.join(',') : undefined],
  ];
  for (const [flag, value] of optional) if (value !== undefined) args.push(flag, String(value));
  args.push(request.host, String(request.port));
  return args;
}

export interface LoadResult {
  sent: number;
  replies: number;
  /** Requests written off after a silence of the timeout. */
  timeouts: number;
  seconds: number;
  busyTicks: number;
  totalTicks: number;
  ticksPerSecond: number;
  warmup: { sent: number; replies: number; timeouts: number };
  /** Requests of each mix class sent in the measured interval. */
  classSent: number[];
  /** CPU time of the load generator itself over the measured interval. */
  clientCpuNs: number;
  /** CPU time of each of the request's pids over the interval, in their order. */
  pidCpuNs: number[];
}

/** The load generator's JSON line; throws with what it printed when that is not one. */
export function parseLoadResult(stdout: string): LoadResult {
  let parsed: LoadResult;
  try {
    parsed = JSON.parse(stdout) as LoadResult;
  } catch {
    throw new Error(`the load generator printed no result: ${stdout.trim().slice(0, 500)}`);
  }
  if (typeof parsed.replies !== 'number' || !Array.isArray(parsed.pidCpuNs)) throw new Error(`the load generator printed no result: ${stdout.trim().slice(0, 500)}`);
  return parsed;
}

/**
 * Runs `loadgen load` in the pair's client namespace, against its server address unless the
 * request names another (a second link of the pair), and reads the result. The budget covers
 * the warm-up and the stragglers' timeout besides the run itself.
 */
export async function runLoad(pair: VethPair, binary: string, request: Omit<LoadRequest, 'host'> & { host?: string }): Promise<LoadResult> {
  const warmup = request.warmupSeconds ?? 0;
  const timeoutMs = (request.seconds + warmup) * 1000 + (request.timeoutMs ?? 100) + 30_000;
  const { stdout } = await pair.exec('client', binary, loadArguments({ ...request, host: request.host ?? pair.serverAddress }), { timeoutMs });
  return parseLoadResult(stdout);
}

/** How long an echo server gets to bind its port before it is taken as running. */
const ECHO_START_MS = 300;

/**
 * Starts `loadgen echo PORT` or `loadgen echo-tcp PORT [OBJECT PROGRAM]` in the pair's server
 * namespace; its pid once it has had the time to bind (or an error with its exit code).
 */
export async function startEchoServer(pair: VethPair, binary: string, args: string[]): Promise<number> {
  const child = pair.spawn('server', binary, args);
  await new Promise((resolve) => setTimeout(resolve, ECHO_START_MS));
  if (child.exitCode !== null || child.pid === undefined) throw new Error(`loadgen ${args.join(' ')} exited (${child.exitCode})`);
  return child.pid;
}

/** CPU of the load generator and the listed tasks over the measured interval, ns. */
export function attributedCpuNs(result: LoadResult): number {
  return result.clientCpuNs + result.pidCpuNs.reduce((sum, ns) => sum + ns, 0);
}

/**
 * Kernel threads that run the traffic's deferred work: ksoftirqd (softirq work the interrupted
 * task could not finish) and the kworkers (sk_skb's redirect sends the reply from a workqueue).
 * Their time is charged to neither client nor server. Other work's kworkers count too, a small
 * overstatement on a busy machine, the same in every configuration.
 */
export function kernelWorkerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^(ksoftirqd|kworker)\//.test(readFileSync(`/proc/${entry}/comm`, 'utf8'))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
