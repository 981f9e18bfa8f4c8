// The device part of the calibration: what XDP costs per request on a real device of this
// machine, measured end to end. Two network namespaces joined by a veth pair; a load generator
// in one keeps requests in flight against the other, which answers them in one of five ways,
// interleaved round by round so that drifting background load hits all of them alike:
//   user      a userspace UDP echo server, nothing on the server's device;
//   pass      the same with an XDP program that only returns XDP_PASS (what a fallback request pays);
//   reflect   an XDP program that answers every datagram itself with XDP_TX (a minimal kernel answer);
//   busyUser  an echo server that spends a fixed amount of CPU on each request, so that it, not the
//             load generator, limits the rate (requests queue up at its socket, as at the example
//             servers'), nothing on its device;
//   busyPass  the same with the XDP_PASS program: what a request handed over to a busy server pays.
// On veth what a passing program adds depends on how loaded the receiving server is, hence both.
// CPU per request counts the load generator, the echo server and the ksoftirqd and kworker threads
// (/proc/PID/schedstat): the request traffic's cost, less sensitive to other work on the machine
// than its busy time. Published hook figures come from native NIC drivers; on veth the hook
// converts each skb into an xdp_buff and XDP_TX makes the peer build a packet again, which
// only a measurement on the device sees. The pair is vethPair.ts, the load generator and echo
// servers loadGenerator.ts: the network tests and the offload benchmark use the same ones.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CostParameter, ParameterName } from '../analysis/cost/parameters';
import { VETH_BUSY_SPIN_NS, VETH_DEFAULT_INFLIGHT, VETH_SK_SKB_C, VETH_XDP_C } from './calibrateVethSources';
import { runCommand } from './command';
import { attributedCpuNs, compileLoadGenerator, kernelWorkerPids, runLoad, startEchoServer, type LoadResult } from './loadGenerator';
import { withVethPair } from './vethPair';

export type VethConfiguration = 'user' | 'pass' | 'reflect';

/** CPU ns per request of each configuration in one round. */
export type VethRound = Record<VethConfiguration, number>;

/** One round of the saturated echo server, without and with the XDP_PASS program. */
export interface BusyVethRound {
  /** CPU ns per request. */
  user: number;
  pass: number;
  /** The echo server's CPU time over each run's length (1: it never slept). */
  userServerShare: number;
  passServerShare: number;
}

export interface VethMeasurement {
  rounds: VethRound[];
  /** The plain echo server's CPU time over each user run's length, round by round. */
  serverShares?: number[];
  /** The same pair of runs against an echo server spending spinNs of CPU on every request. */
  busy?: { spinNs: number; rounds: BusyVethRound[] };
  inflight: number;
  secondsPerRun: number;
  /** Translated instructions of the reflector (every one runs for a UDP datagram). */
  reflectInstructions: number;
  /** The same over one TCP connection with sk_skb verdict programs; absent when it could not be measured. */
  skSkb?: { rounds: SkSkbRound[]; redirectInstructions: number };
  /** Why the sk_skb part was not measured. */
  skSkbSkipped?: string;
}

export type SkSkbConfiguration = 'user' | 'pass' | 'redirect';

/**
 * CPU ns per request over TCP: a userspace echo server; the same with an sk_skb verdict that
 * returns SK_PASS on its socket; a verdict that redirects every segment back out (a kernel answer).
 */
export type SkSkbRound = Record<SkSkbConfiguration, number>;

export interface VethOptions {
  cc: string;
  clang: string;
  bpftool: string;
  includeArch: string;
  rounds: number;
  secondsPerRun: number;
  inflight?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
}

const PORT = 4399;
/** The saturated echo server's port; the TCP echo servers take PORT + 1 … 3. */
const BUSY_PORT = PORT + 4;

/** A UDP run's configuration: the three of a VethRound and the saturated server's two. */
type RunConfiguration = VethConfiguration | 'busyUser' | 'busyPass';

const percent = (share: number) => `${Math.round(share * 100)}%`;

async function run(file: string, args: string[], timeoutMs = 30_000, signal?: AbortSignal): Promise<string> {
  return (await runCommand(file, args, { timeoutMs, signal })).stdout;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU ns per reply of one load run (the load generator's and the listed tasks'), and the first task's share of the run's time. */
function perReply(result: LoadResult): { ns: number; serverShare: number } {
  if (result.replies <= 0) throw new Error(`the load generator got no replies: ${JSON.stringify(result)}`);
  return { ns: attributedCpuNs(result) / result.replies, serverShare: result.seconds > 0 ? (result.pidCpuNs[0] ?? 0) / 1e9 / result.seconds : 0 };
}

/** Builds the namespaces, measures `rounds` rounds of the five UDP configurations and of the three TCP ones, removes everything. */
export async function measureVeth(dir: string, options: VethOptions): Promise<VethMeasurement> {
  const inflight = options.inflight ?? VETH_DEFAULT_INFLIGHT;
  const xdpSource = path.join(dir, 'calveth.bpf.c');
  const xdpObject = path.join(dir, 'calveth.bpf.o');
  await fs.writeFile(xdpSource, VETH_XDP_C);
  const skSkbSource = path.join(dir, 'calveth_sk.bpf.c');
  const skSkbObject = path.join(dir, 'calveth_sk.bpf.o');
  await fs.writeFile(skSkbSource, VETH_SK_SKB_C);
  const clangBpf = (source: string, object: string) =>
    run(options.clang, ['-O2', '-g', '-target', 'bpf', options.includeArch, '-c', source, '-o', object], 120_000, options.signal);
  // Without libbpf's headers and library the XDP part still runs; the sk_skb part needs them.
  const loadgen = await compileLoadGenerator(dir, options.cc, { sockmap: true, signal: options.signal });
  let skSkbSkipped = loadgen.sockmapMissing && `sk_skb on veth: not measured (${loadgen.sockmapMissing})`;
  if (!skSkbSkipped) {
    try {
      await clangBpf(skSkbSource, skSkbObject);
    } catch (error) {
      skSkbSkipped = `sk_skb on veth: not measured (${(error as Error).message.split('\n')[0]})`;
    }
  }
  await clangBpf(xdpSource, xdpObject);

  // Named like the test harness's namespaces (bpfo-<pid>-...), so a run killed half-way is swept by the next.
  return withVethPair({ prefix: `bpfo-${process.pid}-cal-`, clientAddress: '10.201.0.1', serverAddress: '10.201.0.2', signal: options.signal }, async (pair) => {
    const startServer = (args: string[]) => startEchoServer(pair, loadgen.binary, args);
    const load = async (transport: 'udp' | 'tcp', port: number, pids: number[]) =>
      perReply(
        await runLoad(pair, loadgen.binary, {
          port, transport, inflight, seconds: options.secondsPerRun,
          timeoutMs: 100, warmupSeconds: 0.2, ...(transport === 'tcp' ? { replyBytes: 64 } : {}), pids,
        }),
      );
    await pair.attachXdp(xdpObject, { side: 'client', program: 'cal_peer_pass' });
    const udpTasks = [await startServer(['echo', String(PORT)]), ...kernelWorkerPids()];
    const busyTasks = [await startServer(['echo', String(BUSY_PORT), String(VETH_BUSY_SPIN_NS)]), ...kernelWorkerPids()];

    const attach = async (configuration: RunConfiguration) => {
      if (configuration === 'user' || configuration === 'busyUser') await pair.detachXdp('server');
      // replace: swaps the program on the device in one step.
      else await pair.attachXdp(xdpObject, { program: configuration === 'reflect' ? 'cal_veth_reflect' : 'cal_veth_pass', replace: true });
    };
    await attach('reflect');
    const progId = await pair.xdpProgramId('server');
    const info = progId === undefined ? {} : (JSON.parse(await run(options.bpftool, ['--json', 'prog', 'show', 'id', String(progId)])) as { bytes_xlated?: number });
    const reflectInstructions = (info.bytes_xlated ?? 0) / 8;

    const order: RunConfiguration[] = ['user', 'pass', 'reflect', 'busyUser', 'busyPass'];
    const rounds: VethRound[] = [];
    const busyRounds: BusyVethRound[] = [];
    const serverShares: number[] = [];
    const µs = (ns: number) => (ns / 1000).toFixed(2);
    for (let r = 0; r < options.rounds; r++) {
      const runs = {} as Record<RunConfiguration, { ns: number; serverShare: number }>;
      // Each round starts with another configuration, so a trend in the background load favours none.
      for (let k = 0; k < order.length; k++) {
        const configuration = order[(r + k) % order.length];
        await attach(configuration);
        const busy = configuration === 'busyUser' || configuration === 'busyPass';
        runs[configuration] = await load('udp', busy ? BUSY_PORT : PORT, busy ? busyTasks : udpTasks);
      }
      const round: VethRound = { user: runs.user.ns, pass: runs.pass.ns, reflect: runs.reflect.ns };
      const busyRound: BusyVethRound = { user: runs.busyUser.ns, pass: runs.busyPass.ns, userServerShare: runs.busyUser.serverShare, passServerShare: runs.busyPass.serverShare };
      options.log(
        `veth round ${r + 1}/${options.rounds}: userspace echo ${µs(round.user)} µs/request, with XDP_PASS ${µs(round.pass)}, XDP_TX reflector ${µs(round.reflect)}; ` +
          `saturated echo (${VETH_BUSY_SPIN_NS} ns of work per request, server on the CPU ${percent(busyRound.userServerShare)} / ${percent(busyRound.passServerShare)} of the time) ${µs(busyRound.user)}, with XDP_PASS ${µs(busyRound.pass)}`,
      );
      rounds.push(round);
      busyRounds.push(busyRound);
      serverShares.push(runs.user.serverShare);
    }
    const result: VethMeasurement = { rounds, serverShares, busy: { spinNs: VETH_BUSY_SPIN_NS, rounds: busyRounds }, inflight, secondsPerRun: options.secondsPerRun, reflectInstructions };
    if (skSkbSkipped) return { ...result, skSkbSkipped };
    await pair.detachXdp('server');
    try {
      // Three TCP echo servers, one per configuration, each on its own port.
      const ports: Record<SkSkbConfiguration, number> = { user: PORT + 1, pass: PORT + 2, redirect: PORT + 3 };
      const pids: Record<SkSkbConfiguration, number> = {
        user: await startServer(['echo-tcp', String(ports.user)]),
        pass: await startServer(['echo-tcp', String(ports.pass), skSkbObject, 'cal_sk_pass']),
        redirect: await startServer(['echo-tcp', String(ports.redirect), skSkbObject, 'cal_sk_redirect']),
      };
      const programs = JSON.parse(await run(options.bpftool, ['--json', 'prog', 'show'])) as { name?: string; bytes_xlated?: number }[];
      const redirectInstructions = (programs.find((p) => p.name === 'cal_sk_redirect')?.bytes_xlated ?? 0) / 8;
      const skRounds: SkSkbRound[] = [];
      const skOrder: SkSkbConfiguration[] = ['user', 'pass', 'redirect'];
      for (let r = 0; r < options.rounds; r++) {
        const round = {} as SkSkbRound;
        for (let k = 0; k < skOrder.length; k++) {
          const configuration = skOrder[(r + k) % skOrder.length];
          round[configuration] = (await load('tcp', ports[configuration], [pids[configuration], ...kernelWorkerPids()])).ns;
        }
        options.log(`veth TCP round ${r + 1}/${options.rounds}: userspace echo ${(round.user / 1000).toFixed(2)} µs/request, with an SK_PASS verdict ${(round.pass / 1000).toFixed(2)}, sk_skb redirect ${(round.redirect / 1000).toFixed(2)}`);
        skRounds.push(round);
      }
      return { ...result, skSkb: { rounds: skRounds, redirectInstructions } };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return { ...result, skSkbSkipped: `sk_skb on veth: measurement failed: ${(error as Error).message}` };
    }
  });
}

/**
 * A hook's entry cost from the rounds' (pass − user) differences: their median, kept below zero
 * only when every round measured the program cheaper than none (then it is no accident of the
 * load); otherwise a negative median is noise around zero and 0 is used.
 */
export function keptHook(differences: number[]): number {
  const m = median(differences);
  return m >= 0 || differences.every((d) => d < 0) ? m : 0;
}

function hookNote(differences: number[]): string {
  const m = median(differences);
  if (m >= 0) return '';
  return differences.every((d) => d < 0)
    ? '; every round measured it cheaper than no program (veth receives through its own NAPI ring once a program is attached), so the negative figure is kept'
    : '; below zero, but not in every round: taken as 0';
}

export interface VethDerivation {
  parameters: Partial<Record<ParameterName, CostParameter>>;
  measurements: Record<string, { ns: number; source: string }>;
}

/**
 * The model's XDP parameters from a device measurement.
 *   hookEntryXdp = median(pass − user): what the XDP hook adds to a request that goes on to userspace.
 *   hookEntryXdpBusy = median(busy pass − busy user) over the rounds in which the server was saturated:
 *                  the same for a busy server (busyHookParameter).
 *   xdpTransmit  = the rest of a kernel answer's cost, chosen so that the model prices the reflector's
 *                  saving over the echo server as measured: U − hook − insns × bpfInstruction − xdpTransmit
 *                  = median(user − reflect), where U is the model's userspace cost of a request with no
 *                  handler work (stack + wake-up + receive and send syscalls, as calibrated).
 * xdpTransmit may not go below 0 (when the measurement says less, 0 is used and the source says
 * what was measured); the hook entry only when every round agrees (keptHook).
 */
export function vethParameters(
  measurement: VethMeasurement,
  model: { userspaceNs: number; bpfInstructionNs: number; stackTraversalNs?: number },
  here: string,
): VethDerivation {
  const { rounds } = measurement;
  if (rounds.length === 0) throw new Error('no veth rounds to derive parameters from');
  const hookRounds = rounds.map((r) => r.pass - r.user);
  const hook = keptHook(hookRounds);
  const saved = median(rounds.map((r) => r.user - r.reflect));
  const program = measurement.reflectInstructions * model.bpfInstructionNs;
  const transmit = model.userspaceNs - hook - program - saved;
  const setup = `${here}, veth pair between two network namespaces, ${measurement.inflight} UDP requests of 64 bytes in flight, ${rounds.length} interleaved rounds of ${measurement.secondsPerRun} s, CPU of client + server + ksoftirqd/kworker threads per request`;
  const clamped = (value: number) => (value < 0 ? ` (measured ${value.toFixed(0)} ns; a cost cannot be negative, so 0)` : '');
  const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}…${Math.max(...values).toFixed(0)} ns`;
  const derivation: VethDerivation = {
    parameters: {
      hookEntryXdp: {
        ns: hook,
        source: `${setup}: an XDP_PASS program on the server's device adds ${median(hookRounds).toFixed(0)} ns per request to a userspace echo server (median; rounds ${spread(hookRounds)})${hookNote(hookRounds)}`,
      },
      xdpTransmit: {
        ns: Math.max(0, transmit),
        source: `${setup}: an XDP_TX reflector (${measurement.reflectInstructions} instructions) saves ${saved.toFixed(0)} ns per request against the userspace echo server (median; rounds ${spread(rounds.map((r) => r.user - r.reflect))}); the model's userspace cost of such a request is ${model.userspaceNs.toFixed(0)} ns, so sending the answer from XDP costs the rest, end to end (the peer building the packet, the client receiving it)${clamped(transmit)}`,
      },
    },
    measurements: {
      vethUserspaceEcho: { ns: median(rounds.map((r) => r.user)), source: `${setup}: userspace UDP echo server, no XDP program on its device` },
      vethXdpPass: { ns: median(rounds.map((r) => r.pass)), source: `${setup}: the same with an XDP_PASS program on its device` },
      vethXdpReflect: { ns: median(rounds.map((r) => r.reflect)), source: `${setup}: an XDP_TX reflector answering instead of the echo server` },
    },
  };
  if (measurement.busy && measurement.busy.rounds.length > 0) busyHookParameter(measurement, setup, derivation, hook);
  if (measurement.skSkb && measurement.skSkb.rounds.length > 0) Object.assign(derivation.parameters, skSkbParameters(measurement, model, here, derivation));
  return derivation;
}

/** A round counts for the busy hook only when the echo server was on the CPU this share of both runs' time. */
const SATURATED_SHARE = 0.9;

/**
 * hookEntryXdpBusy = median(busy pass − busy user) over the rounds in which the echo server was
 * saturated, kept below zero as hookEntryXdp is. A round in which it was not (other work on the
 * machine taking its core) measures another regime: there the passing program measured up to a
 * microsecond cheaper on the machine this was written on, the opposite of a saturated server.
 * When no round qualifies the plain hook entry stands in, and the source says why.
 */
function busyHookParameter(measurement: VethMeasurement, setup: string, derivation: VethDerivation, plainHookNs: number): void {
  const { spinNs, rounds } = measurement.busy!;
  const saturated = rounds.filter((r) => Math.min(r.userServerShare, r.passServerShare) >= SATURATED_SHARE);
  const busy = median(rounds.flatMap((r) => [r.userServerShare, r.passServerShare]));
  const plain = measurement.serverShares?.length ? `; the plain echo server's: ${percent(median(measurement.serverShares))}` : '';
  const server = `a userspace echo server that spends ${spinNs} ns of CPU on every request, so that it and not the load generator limits the rate (on the CPU ${percent(busy)} of the runs' time, median${plain})`;
  const differencesOf = (list: BusyVethRound[]) => list.map((r) => r.pass - r.user);
  const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}…${Math.max(...values).toFixed(0)} ns`;
  if (saturated.length === 0) {
    const all = differencesOf(rounds);
    derivation.parameters.hookEntryXdpBusy = {
      ns: plainHookNs,
      source: `${setup}: against ${server}, the server was on the CPU less than ${percent(SATURATED_SHARE)} of the time in every round (other work on the machine?), so what an XDP_PASS program added there (${median(all).toFixed(0)} ns, median; rounds ${spread(all)}) is not a saturated server's: the plain echo server's hook entry (${plainHookNs.toFixed(0)} ns) stands in`,
    };
  } else {
    const differences = differencesOf(saturated);
    derivation.parameters.hookEntryXdpBusy = {
      ns: keptHook(differences),
      source: `${setup}: an XDP_PASS program on the server's device adds ${median(differences).toFixed(0)} ns per request to ${server} (median over the ${saturated.length} of ${rounds.length} rounds in which it was on the CPU at least ${percent(SATURATED_SHARE)} of both runs' time; those rounds ${spread(differences)})${hookNote(differences)}`,
    };
  }
  derivation.measurements.vethBusyUserspaceEcho = { ns: median(rounds.map((r) => r.user)), source: `${setup}: ${server}, no XDP program on its device` };
  derivation.measurements.vethBusyXdpPass = { ns: median(rounds.map((r) => r.pass)), source: `${setup}: the same saturated echo server with an XDP_PASS program on its device` };
}

/**
 * The sk_skb parameters from the TCP rounds, the same way: the hook entry is what an SK_PASS
 * verdict adds; the redirect is what the model must charge so that it prices the redirecting
 * echo's saving as measured. SK_SKB runs after the receive stack, so the userspace cost it can
 * save is U₀ without the stack traversal.
 */
function skSkbParameters(
  measurement: VethMeasurement,
  model: { userspaceNs: number; bpfInstructionNs: number; stackTraversalNs?: number },
  here: string,
  derivation: VethDerivation,
): Partial<Record<ParameterName, CostParameter>> {
  const { rounds, redirectInstructions } = measurement.skSkb!;
  const hookRounds = rounds.map((r) => r.pass - r.user);
  const hook = keptHook(hookRounds);
  const saved = median(rounds.map((r) => r.user - r.redirect));
  const savable = model.userspaceNs - (model.stackTraversalNs ?? 0);
  const redirect = savable - hook - redirectInstructions * model.bpfInstructionNs - saved;
  const setup = `${here}, veth pair between two network namespaces, one TCP connection with ${measurement.inflight} requests of 64 bytes in flight, ${rounds.length} interleaved rounds of ${measurement.secondsPerRun} s, CPU of client + server + ksoftirqd/kworker threads per request`;
  const clamped = (value: number) => (value < 0 ? ` (measured ${value.toFixed(0)} ns; a cost cannot be negative, so 0)` : '');
  const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}…${Math.max(...values).toFixed(0)} ns`;
  derivation.measurements.vethTcpUserspaceEcho = { ns: median(rounds.map((r) => r.user)), source: `${setup}: userspace TCP echo server` };
  derivation.measurements.vethSkSkbPass = { ns: median(rounds.map((r) => r.pass)), source: `${setup}: the same with an sk_skb verdict returning SK_PASS on its socket` };
  derivation.measurements.vethSkSkbRedirect = { ns: median(rounds.map((r) => r.redirect)), source: `${setup}: an sk_skb verdict redirecting every segment back out of the socket` };
  return {
    hookEntrySkSkb: {
      ns: hook,
      source: `${setup}: an SK_PASS verdict on the server's socket adds ${median(hookRounds).toFixed(0)} ns per request to a userspace TCP echo server (median; rounds ${spread(hookRounds)})${hookNote(hookRounds)}`,
    },
    skSkbRedirect: {
      ns: Math.max(0, redirect),
      source: `${setup}: a verdict that redirects every segment back (${redirectInstructions} instructions) saves ${saved.toFixed(0)} ns per request against the userspace echo server (median; rounds ${spread(rounds.map((r) => r.user - r.redirect))}); the model's userspace cost after the receive stack is ${savable.toFixed(0)} ns, so sending the answer with bpf_sk_redirect costs the rest, end to end (the socket's backlog work, the client receiving it)${clamped(redirect)}`,
    },
  };
}
