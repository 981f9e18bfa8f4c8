// The sweep for one example: in a fresh pair of network namespaces, the original server and the
// split pair run side by side, each reached over its own veth pair (the split's kernel half is
// on b0 only, so the original's requests meet no XDP program); runs of the two alternate point
// by point and round by round, so that the background load of a shared machine falls on both
// alike, and every point is repeated. CPU per request for the whole machine from /proc/stat and
// attributed to the traffic's tasks from /proc/PID/schedstat; for the split the kernel half's
// counters, which also pick the fallback request that really falls back.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { machineCpuTimes, USER_HZ, voluntarySwitches } from '../lib/procfs';
import { NetnsPair } from '../../test/e2e/netns';
import { ENV_ENABLE, SK_SKB_PROGRAM_NAME } from '../../server/src/analysis/codegen/contract';
import { attributedCpuNs, kernelWorkerPids, type LoadResult } from '../../server/src/tools/loadGenerator';
import type { VethLink } from '../../server/src/tools/vethPair';
import {
  buildOriginal,
  buildSplit,
  counterDelta,
  kernelCounters,
  newestProgram,
  runLoad,
  startFailure,
  startInServerNamespace,
  type KernelCounters,
  type LoadOptions,
  type RunningServer,
} from './processes';
import { mixWeights, type RequestClass, type Scenario } from './scenarios';

export type Configuration = 'original' | 'split';

export interface Measurement {
  kernelShare: number;
  configuration: Configuration;
  /** Which repetition of the sweep (0-based); original and split of one round ran back to back. */
  round: number;
  load: LoadResult;
  /** Whole-machine busy CPU time per answered request, µs. */
  cpuUsPerRequest: number;
  /**
   * CPU of the load generator, the server and the ksoftirqd and kworker threads per answered request, µs:
   * the same traffic's cost without the rest of a machine shared with other work.
   */
  attributedUsPerRequest: number;
  /** Split only: what the kernel half did during the run (warm-up included). */
  kernel?: KernelCounters;
  /**
   * How many times the server process went to sleep during the run, warm-up included as in the
   * kernel half's counters (its voluntary context switches); absent where /proc did not say.
   */
  serverSleeps?: number;
}

export interface FallbackProbe {
  label: string;
  answered: number;
  handedOver: number;
}

export interface ExampleSweep {
  example: string;
  kernelRequest: string;
  fallbackRequest: string;
  /** What the kernel half did with each candidate fallback request before the sweep. */
  fallbackProbes?: FallbackProbe[];
  rounds?: number;
  /** Busy CPU of the whole machine with nothing of ours running, µs per second, measured just before. */
  backgroundUsPerSecond: number;
  measurements: Measurement[];
}

const SPLIT_PORT = 4300;
const ORIGINAL_PORT = 4301;
// The original's own link: devices a1/b1, a private /30 (the namespaces isolate it from anything else).
const ORIGINAL_LINK: VethLink = { clientIf: 'a1', serverIf: 'b1', clientAddress: '10.202.0.1', serverAddress: '10.202.0.2' };

function attributedPerRequest(load: LoadResult): number {
  return load.replies > 0 ? attributedCpuNs(load) / 1000 / load.replies : NaN;
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

function writeMix(dir: string, name: string, classes: { weight: number; request: RequestClass }[]): string {
  const file = path.join(dir, `mix-${name}.txt`);
  const lines = classes.filter((c) => c.weight > 0).map((c) => `${c.weight} ${c.request.payload.toString('hex')}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface Target {
  configuration: Configuration;
  server: RunningServer;
  address: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** The kernel half's program (XDP on b0, or the sk_skb verdict program), whose counters are read around each run. */
  programId?: number;
}

async function measureOnce(
  pair: NetnsPair,
  target: Target,
  mix: { share: number; file: string },
  round: number,
  loadgen: string,
  options: LoadOptions,
): Promise<Measurement> {
  const before = target.programId !== undefined ? await kernelCounters(target.programId) : undefined;
  const pid = target.server.child.pid;
  const sleepsBefore = pid ? voluntarySwitches(pid) : undefined;
  const load = await runLoad(pair, loadgen, target, mix.file, options, [...(pid ? [pid] : []), ...kernelWorkerPids()]);
  const sleepsAfter = pid ? voluntarySwitches(pid) : undefined;
  const kernel = target.programId !== undefined ? counterDelta(await kernelCounters(target.programId), before!) : undefined;
  if (target.server.child.exitCode !== null) throw new Error(`the ${target.configuration} server exited during the run:\n${target.server.log()}`);
  return {
    kernelShare: mix.share,
    configuration: target.configuration,
    round,
    load,
    cpuUsPerRequest: cpuPerRequest(load),
    attributedUsPerRequest: attributedPerRequest(load),
    ...(kernel ? { kernel } : {}),
    ...(sleepsBefore !== undefined && sleepsAfter !== undefined ? { serverSleeps: sleepsAfter - sleepsBefore } : {}),
  };
}

/** The split's kernel half: XDP on b0, or for TCP the verdict program its first accepted connection attached. */
async function kernelProgram(
  pair: NetnsPair,
  split: Target,
  context: { dir: string; loadgen: string; options: LoadOptions; kernel: RequestClass; startedAt: number },
): Promise<number> {
  if (split.transport === 'udp') {
    const id = await pair.xdpProgramId('server');
    if (id === undefined) throw new Error(`the split program reported its kernel half attached, but b0 has no XDP program:\n${split.server.log()}`);
    return id;
  }
  const file = writeMix(context.dir, 'attach', [{ weight: 1, request: context.kernel }]);
  await measureOnce(pair, split, { share: 1, file }, -1, context.loadgen, { ...context.options, seconds: 0.2, warmup: 10 });
  if (!/bpf-offload: .*attached to/.test(split.server.log())) throw new Error(`the split program did not attach its kernel half at the first connection: ${startFailure(split.server.log())}`);
  const id = await newestProgram(SK_SKB_PROGRAM_NAME, context.startedAt);
  if (id === undefined) throw new Error(`the split program reported its kernel half attached, but no ${SK_SKB_PROGRAM_NAME} program is loaded`);
  return id;
}

/** Sends each candidate alone to the split for a moment; the first the kernel half hands over is the fallback. */
async function chooseFallback(
  pair: NetnsPair,
  split: Target,
  candidates: RequestClass[],
  dir: string,
  loadgen: string,
  options: LoadOptions,
): Promise<{ fallback: RequestClass; probes: FallbackProbe[] }> {
  const probes: FallbackProbe[] = [];
  for (const [i, candidate] of candidates.entries()) {
    const file = writeMix(dir, `probe-${i}`, [{ weight: 1, request: candidate }]);
    const m = await measureOnce(pair, split, { share: 0, file }, -1, loadgen, { ...options, seconds: 0.3, warmup: 100 });
    probes.push({ label: candidate.label, answered: m.kernel?.answered ?? 0, handedOver: m.kernel?.handedOver ?? 0 });
    if ((m.kernel?.handedOver ?? 0) > 0 && (m.kernel?.answered ?? 0) === 0) return { fallback: candidate, probes };
  }
  return { fallback: candidates[0], probes };
}

export interface MeasureContext {
  root: string;
  workDir: string;
  loadgen: string;
  options: LoadOptions;
  rounds: number;
  log: (line: string) => void;
}

/**
 * Measures one example. The split program is built before the namespaces exist; a split that
 * cannot be generated or built throws with the reason, and nothing is measured for it.
 */
export async function measureExample(scenario: Scenario, shares: number[], context: MeasureContext): Promise<ExampleSweep & { fallback: RequestClass }> {
  const dir = path.join(context.workDir, scenario.example);
  mkdirSync(path.join(dir, 'original'), { recursive: true });
  const splitProgram = buildSplit(context.root, scenario.example, scenario.handler, path.join(dir, 'split'), scenario.hook);
  const original = buildOriginal(context.root, scenario.example, path.join(dir, 'original'));
  const backgroundUsPerSecond = await backgroundBusy(1000);
  const pair = await NetnsPair.create();
  const servers: RunningServer[] = [];
  try {
    // XDP_TX on veth needs a program on the peer; both client devices get one, so the links differ only in b0's program.
    await pair.attachPassOnPeer('client');
    const passObject = path.join(pair.tempDir, 'xdp_pass_peer.bpf.o');
    // The original's own link, set up as a0/b0 are, with the same XDP_PASS program on its client side: the two links differ only in b0's program.
    await pair.addLink(ORIGINAL_LINK);
    await pair.attachXdp(passObject, { side: 'client', device: ORIGINAL_LINK.clientIf });
    const transport = scenario.transport ?? 'udp';
    const plain = await startInServerNamespace(pair, original, [String(ORIGINAL_PORT)], { port: ORIGINAL_PORT, transport, logFile: path.join(dir, 'original.log'), timeoutMs: 10_000 });
    servers.push(plain);
    const startedAt = Date.now();
    // sk_skb has no device: the split is switched on with BPF_OFFLOAD_ENABLE and attaches at its first accept().
    const split = await startInServerNamespace(pair, 'env', [transport === 'tcp' ? `${ENV_ENABLE}=1` : `BPF_OFFLOAD_IFACE=${pair.serverIf}`, splitProgram, String(SPLIT_PORT)], {
      port: SPLIT_PORT,
      transport,
      logFile: path.join(dir, 'split.log'),
      ...(transport === 'udp' ? { ready: /bpf-offload: .*attached to/ } : {}),
      failed: /bpf-offload: (?!.*attached to)/,
      timeoutMs: 150_000,
    });
    servers.push(split);
    const targets: Record<Configuration, Target> = {
      original: { configuration: 'original', server: plain, address: ORIGINAL_LINK.serverAddress, port: ORIGINAL_PORT, transport },
      split: { configuration: 'split', server: split, address: pair.serverAddress, port: SPLIT_PORT, transport },
    };
    targets.split.programId = await kernelProgram(pair, targets.split, { dir, loadgen: context.loadgen, options: context.options, kernel: scenario.kernel, startedAt });
    const { fallback, probes } = await chooseFallback(pair, targets.split, scenario.fallbacks, dir, context.loadgen, context.options);
    context.log(`    fallback request: ${fallback.label} (${probes.map((p) => `${p.label}: ${p.handedOver} handed over, ${p.answered} answered in the kernel`).join('; ')})`);
    const mixes = shares.map((share) => {
      const w = mixWeights(share);
      return { share, file: writeMix(dir, String(Math.round(share * 100)), [{ weight: w.kernel, request: scenario.kernel }, { weight: w.fallback, request: fallback }]) };
    });
    const measurements: Measurement[] = [];
    for (let round = 0; round < context.rounds; round++) {
      for (const mix of mixes) {
        // Alternate which configuration goes first, so that neither always follows the other.
        const order: Configuration[] = (round + mixes.indexOf(mix)) % 2 === 0 ? ['original', 'split'] : ['split', 'original'];
        const pairOfRuns: Measurement[] = [];
        for (const configuration of order) pairOfRuns.push(await measureOnce(pair, targets[configuration], mix, round, context.loadgen, context.options));
        measurements.push(...pairOfRuns);
        const o = pairOfRuns.find((m) => m.configuration === 'original')!;
        const s = pairOfRuns.find((m) => m.configuration === 'split')!;
        const answered = s.kernel ? `, kernel answered ${s.kernel.answered}/${s.kernel.runCount}` : '';
        context.log(
          `    round ${round + 1} ${String(Math.round(mix.share * 100)).padStart(3)}%: original ${o.attributedUsPerRequest.toFixed(2)} / split ${s.attributedUsPerRequest.toFixed(2)} µs attributed (machine ${o.cpuUsPerRequest.toFixed(2)} / ${s.cpuUsPerRequest.toFixed(2)})${answered}`,
        );
      }
    }
    return {
      example: scenario.example,
      kernelRequest: scenario.kernel.label,
      fallbackRequest: fallback.label,
      fallbackProbes: probes,
      rounds: context.rounds,
      backgroundUsPerSecond,
      measurements,
      fallback,
    };
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await pair.destroy();
  }
}
