// The sweep for one example: in a fresh pair of network namespaces, the original server and
// then the split pair, each under the same mixes (kernel-answerable share 0 … 100%), CPU per
// request for the whole machine from /proc/stat, and for the split the kernel half's counters.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { machineCpuTimes, USER_HZ } from '../lib/procfs';
import { NetnsPair } from '../../test/e2e/netns';
import {
  buildOriginal,
  buildSplit,
  counterDelta,
  kernelCounters,
  ksoftirqdPids,
  runLoad,
  startInServerNamespace,
  type KernelCounters,
  type LoadOptions,
  type LoadResult,
  type RunningServer,
} from './processes';
import { mixWeights, type Scenario } from './scenarios';

export type Configuration = 'original' | 'split';

export interface Measurement {
  kernelShare: number;
  configuration: Configuration;
  load: LoadResult;
  /** Whole-machine busy CPU time per answered request, µs. */
  cpuUsPerRequest: number;
  /**
   * CPU of the load generator, the server and the ksoftirqd threads per answered request, µs:
   * the same traffic's cost without the rest of a machine shared with other work.
   */
  attributedUsPerRequest: number;
  /** Split only: what the kernel half did during the run (warm-up included). */
  kernel?: KernelCounters;
}

export interface ExampleSweep {
  example: string;
  kernelRequest: string;
  fallbackRequest: string;
  /** Busy CPU of the whole machine with nothing of ours running, µs per second, measured just before. */
  backgroundUsPerSecond: number;
  measurements: Measurement[];
}

const PORT = 4300;

function attributedPerRequest(load: LoadResult): number {
  const ns = load.clientCpuNs + load.pidCpuNs.reduce((a, b) => a + b, 0);
  return load.replies > 0 ? ns / 1000 / load.replies : NaN;
}

function cpuPerRequest(load: LoadResult): number {
  const hz = load.ticksPerSecond > 0 ? load.ticksPerSecond : USER_HZ;
  return load.replies > 0 ? (load.busyTicks * (1e6 / hz)) / load.replies : NaN;
}

/** Busy time of the whole machine over `ms` while this benchmark only sleeps. */
async function backgroundBusy(ms: number): Promise<number> {
  const before = machineCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineCpuTimes();
  return ((after.busy - before.busy) * (1e6 / USER_HZ)) / (ms / 1000);
}

function writeMix(dir: string, scenario: Scenario, share: number): string {
  const weights = mixWeights(share);
  const file = path.join(dir, `mix-${Math.round(share * 100)}.txt`);
  const lines = [];
  if (weights.kernel > 0) lines.push(`${weights.kernel} ${scenario.kernel.payload.toString('hex')}`);
  if (weights.fallback > 0) lines.push(`${weights.fallback} ${scenario.fallback.payload.toString('hex')}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function sweepOne(
  pair: NetnsPair,
  server: RunningServer,
  configuration: Configuration,
  mixes: { share: number; file: string }[],
  loadgen: string,
  options: LoadOptions,
  xdpId: number | undefined,
  log: (line: string) => void,
): Promise<Measurement[]> {
  const results: Measurement[] = [];
  for (const mix of mixes) {
    const before = xdpId !== undefined ? await kernelCounters(xdpId) : undefined;
    const pid = server.child.pid;
    const load = await runLoad(pair, loadgen, PORT, mix.file, options, [...(pid ? [pid] : []), ...ksoftirqdPids()]);
    const kernel = xdpId !== undefined ? counterDelta(await kernelCounters(xdpId), before!) : undefined;
    if (server.child.exitCode !== null) throw new Error(`the ${configuration} server exited during the run:\n${server.log()}`);
    const measurement: Measurement = {
      kernelShare: mix.share,
      configuration,
      load,
      cpuUsPerRequest: cpuPerRequest(load),
      attributedUsPerRequest: attributedPerRequest(load),
      ...(kernel ? { kernel } : {}),
    };
    results.push(measurement);
    const answered = kernel ? `, kernel answered ${kernel.answered}/${kernel.runCount}${kernel.growFailed ? ` (${kernel.growFailed} could not grow)` : ''}` : '';
    log(
      `    ${configuration.padEnd(8)} ${String(Math.round(mix.share * 100)).padStart(3)}% kernel-answerable: ${measurement.cpuUsPerRequest.toFixed(2)} CPU-µs/request (machine), ${measurement.attributedUsPerRequest.toFixed(2)} (client+server+ksoftirqd), ${load.replies} replies in ${load.seconds.toFixed(1)} s, ${load.timeouts} timeouts${answered}`,
    );
  }
  return results;
}

/**
 * Measures one example. The split program is built before the namespaces exist; a split that
 * cannot be generated or built throws with the reason, and nothing is measured for it.
 */
export async function measureExample(
  scenario: Scenario,
  shares: number[],
  context: { root: string; workDir: string; loadgen: string; options: LoadOptions; log: (line: string) => void },
): Promise<ExampleSweep> {
  const dir = path.join(context.workDir, scenario.example);
  mkdirSync(path.join(dir, 'original'), { recursive: true });
  const splitProgram = buildSplit(context.root, scenario.example, scenario.handler, path.join(dir, 'split'));
  const original = buildOriginal(context.root, scenario.example, path.join(dir, 'original'));
  const mixes = shares.map((share) => ({ share, file: writeMix(dir, scenario, share) }));
  const sweep: ExampleSweep = {
    example: scenario.example,
    kernelRequest: scenario.kernel.label,
    fallbackRequest: scenario.fallback.label,
    backgroundUsPerSecond: await backgroundBusy(1000),
    measurements: [],
  };
  const pair = await NetnsPair.create();
  try {
    // XDP_TX on veth needs a program on the peer; it runs in both configurations so that they differ only in b0's program.
    await pair.attachPassOnPeer('client');
    const plain = await startInServerNamespace(pair, original, [String(PORT)], { port: PORT, logFile: path.join(dir, 'original.log'), timeoutMs: 10_000 });
    try {
      sweep.measurements.push(...(await sweepOne(pair, plain, 'original', mixes, context.loadgen, context.options, undefined, context.log)));
    } finally {
      await plain.stop();
    }
    const split = await startInServerNamespace(pair, 'env', [`BPF_OFFLOAD_IFACE=${pair.serverIf}`, splitProgram, String(PORT)], {
      port: PORT,
      logFile: path.join(dir, 'split.log'),
      ready: /bpf-offload: .*attached to/,
      failed: /bpf-offload: (?!.*attached to)/,
      timeoutMs: 150_000,
    });
    try {
      const xdpId = await pair.xdpProgramId('server');
      if (xdpId === undefined) throw new Error(`the split program reported its kernel half attached, but b0 has no XDP program:\n${split.log()}`);
      sweep.measurements.push(...(await sweepOne(pair, split, 'split', mixes, context.loadgen, context.options, xdpId, context.log)));
    } finally {
      await split.stop();
    }
  } finally {
    await pair.destroy();
  }
  return sweep;
}
