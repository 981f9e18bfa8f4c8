// Building and running the programs of the offload benchmark: the load generator (the
// product's, server/src/tools/loadGenerator.ts, which the calibration runs too), the original
// example server, the split pair (`bpf-offload split` + make), servers in the server
// namespace with their output in a file (a log line per request must not cost this process
// CPU, which the machine-wide measurement would count), and the kernel half's counters.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { STATS_MAP_NAME } from '../../server/src/analysis/codegen/contract';
import { findToolchain } from '../../server/src/tools';
import { runLoad as runLoadInPair, type LoadResult } from '../../server/src/tools/loadGenerator';
import type { NetnsPair } from '../../test/e2e/netns';
import { runCommand } from '../../test/e2e/run';

function checked(command: string, args: string[], what: string, timeoutMs: number): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${(result.stderr + result.stdout).trim().slice(-3000)}`);
  return result.stdout;
}

export function buildOriginal(root: string, example: string, outDir: string): string {
  const env = { ...process.env };
  delete env.CFLAGS; // the example's own Makefile flags, as its tests build it
  const result = spawnSync('make', ['-s', '-C', path.join(root, 'examples', example), `O=${outDir}`], { env, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`make ${example} failed:\n${result.stderr}${result.stdout}`);
  return path.join(outDir, example);
}

/** Splits the example with the CLI and builds the pair; the CLI's own message when it refuses. */
export function buildSplit(root: string, example: string, handler: string, outDir: string, hook?: string): string {
  const source = path.join(root, 'examples', example, `${example}.c`);
  const split = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'split', source, '--entry', handler, ...(hook ? ['--hook', hook] : []), '--out', outDir, '--force'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (split.status !== 0) throw new Error((split.stderr || split.stdout).trim().replace(/^bpf-offload: split: /, ''));
  checked('make', ['-s', '-C', outDir], `make in the split of ${example}`, 300_000);
  return path.join(outDir, example);
}

export interface RunningServer {
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `command args` in the server namespace, its output going to logFile, and waits until
 * the port is bound and, when given, `ready` matches the log (the split program prints a line
 * once its kernel half is attached; the verifier may take a while before that).
 */
export async function startInServerNamespace(
  pair: NetnsPair,
  command: string,
  args: string[],
  options: { port: number; transport?: 'udp' | 'tcp'; logFile: string; ready?: RegExp; failed?: RegExp; timeoutMs: number },
): Promise<RunningServer> {
  const fd = openSync(options.logFile, 'w');
  const child = pair.spawn('server', command, args, ['ignore', fd, fd]);
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => readFileSync(options.logFile, 'utf8').slice(-8000);
  const server: RunningServer = {
    child,
    log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${path.basename(args[args.length - 2] ?? command)} exited (${child.exitCode ?? child.signalCode}) while starting: ${startFailure(log())}`);
    }
    const text = log();
    if (options.failed?.test(text)) {
      // Wait for the whole refusal (the verifier's log comes after libbpf's first line).
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.stop();
      throw new Error(`${path.basename(args[args.length - 2] ?? command)} did not start: ${startFailure(log())}`);
    }
    if ((!options.ready || options.ready.test(text)) && (await pair.portBound(options.transport ?? 'udp', options.port))) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${path.basename(command)} was not ready after ${options.timeoutMs / 1000} s:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The loader's own message and libbpf's verdict, without the verifier's instruction dump. */
export function startFailure(log: string): string {
  const lines = log.split('\n').filter((l) => /^bpf-offload:|^libbpf: .*(failed|error)|^(processed|BPF program is too large)/i.test(l));
  return (lines.length ? lines : log.split('\n').slice(-10)).join(' / ').slice(0, 800);
}

export interface KernelCounters {
  /** Program runs (bpf_stats run_cnt): every request that reached b0 (XDP), every segment received (sk_skb). */
  runCount: number;
  runTimeNs: number;
  /** The generated program's stats map: answered in the kernel, handed to userspace, reply could not grow. */
  answered: number;
  handedOver: number;
  growFailed: number;
}

function counterValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return Number(Buffer.from(value.map((b) => Number(b))).readBigUInt64LE(0));
  throw new Error(`unexpected counter value ${JSON.stringify(value)}`);
}

/** The newest program called `name` loaded since `sinceMs` (an sk_skb program has no device to ask). */
export async function newestProgram(name: string, sinceMs: number): Promise<number | undefined> {
  const found = findToolchain();
  if (!found.ok) throw new Error(found.error.message);
  const programs = JSON.parse((await runCommand(found.toolchain.bpftool, ['prog', 'show', '--json'])).stdout) as { id: number; name?: string; loaded_at?: number }[];
  const ours = programs.filter((p) => p.name === name && (p.loaded_at ?? 0) * 1000 >= sinceMs - 1000);
  return ours.length ? Math.max(...ours.map((p) => p.id)) : undefined;
}

/** Run counters and the stats map of program `id` (per-CPU values summed). */
export async function kernelCounters(id: number): Promise<KernelCounters> {
  const found = findToolchain();
  if (!found.ok) throw new Error(found.error.message);
  const tool = found.toolchain.bpftool;
  const prog = JSON.parse((await runCommand(tool, ['prog', 'show', 'id', String(id), '--json'])).stdout) as {
    run_cnt?: number;
    run_time_ns?: number;
    map_ids?: number[];
  };
  let stats: number[] = [];
  for (const mapId of prog.map_ids ?? []) {
    const map = JSON.parse((await runCommand(tool, ['map', 'show', 'id', String(mapId), '--json'])).stdout) as { name: string };
    // The kernel keeps 15 characters of a map's name.
    if (!STATS_MAP_NAME.startsWith(map.name)) continue;
    const dump = JSON.parse((await runCommand(tool, ['map', 'dump', 'id', String(mapId), '--json'])).stdout) as unknown[];
    stats = dump.map((entry) => {
      const record = entry as { values?: { value: unknown }[]; formatted?: { values: { value: unknown }[] } };
      return (record.formatted?.values ?? record.values ?? []).reduce((sum, v) => sum + counterValue(v.value), 0);
    });
  }
  return { runCount: prog.run_cnt ?? 0, runTimeNs: prog.run_time_ns ?? 0, answered: stats[0] ?? 0, handedOver: stats[1] ?? 0, growFailed: stats[2] ?? 0 };
}

export function counterDelta(after: KernelCounters, before: KernelCounters): KernelCounters {
  return {
    runCount: after.runCount - before.runCount,
    runTimeNs: after.runTimeNs - before.runTimeNs,
    answered: after.answered - before.answered,
    handedOver: after.handedOver - before.handedOver,
    growFailed: after.growFailed - before.growFailed,
  };
}

export interface LoadOptions {
  inflight: number;
  maxRequests: number;
  seconds: number;
  timeoutMs: number;
  warmup: number;
}

/** Runs the load generator in the client namespace against a server's address. */
export async function runLoad(
  pair: NetnsPair,
  loadgen: string,
  target: { address: string; port: number; transport: 'udp' | 'tcp' },
  mixFile: string,
  options: LoadOptions,
  pids: number[],
): Promise<LoadResult> {
  return runLoadInPair(pair, loadgen, {
    host: target.address,
    port: target.port,
    transport: target.transport,
    inflight: options.inflight,
    seconds: options.seconds,
    maxRequests: options.maxRequests,
    timeoutMs: options.timeoutMs,
    // The warm-up has the run's own time limit.
    warmupRequests: options.warmup,
    warmupSeconds: options.seconds,
    mixFile,
    pids,
  });
}
