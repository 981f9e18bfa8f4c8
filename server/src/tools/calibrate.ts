// Measures the cost model's parameters on the user's machine and stores them in the workspace
// (.bpf-offload/calibration.json), where the model picks them up instead of published figures.
// Programs run with argument arrays, never through a shell. Callers must not run this in an
// untrusted workspace (it compiles and runs code, and may load BPF programs as root).
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CALIBRATION_FILE_VERSION,
  DEFAULT_PARAMETERS,
  parseCalibrationFile,
  type CalibrationFile,
  type CostParameter,
  type MachineInfo,
  type ParameterName,
} from '../analysis/cost/parameters';
import { USERSPACE_BENCHMARK_C, XDP_ALU_OPS, XDP_BENCHMARK_C, XDP_LOOKUPS } from './calibrateSources';
import { measureVeth, vethParameters } from './calibrateVeth';
import { runCommand } from './command';

export interface CalibrationOptions {
  /** Where to write .bpf-offload/calibration.json; nothing is written when omitted. */
  workspaceRoot?: string;
  /** Fewer repetitions: seconds instead of tens of seconds, noisier numbers. */
  fast?: boolean;
  /** 'auto' measures XDP when root, clang and bpftool are there; 'require' fails otherwise. */
  xdp?: 'auto' | 'require' | 'skip';
  /** Requests in flight while measuring XDP on a veth pair (default 32: a server under load). */
  vethInflight?: number;
  /** Executables (e.g. from settings); looked up on PATH when omitted. */
  cc?: string;
  clang?: string;
  bpftool?: string;
  signal?: AbortSignal;
  /** Progress lines, e.g. to an output channel. */
  log?: (line: string) => void;
}

export interface CalibrationResult {
  file: CalibrationFile;
  /** Absolute path of the written file, when workspaceRoot was given. */
  writtenTo?: string;
}

export class CalibrationError extends Error {}

export const CALIBRATION_RELATIVE_PATH = path.join('.bpf-offload', 'calibration.json');

export function calibrationPath(workspaceRoot: string): string {
  return path.join(workspaceRoot, CALIBRATION_RELATIVE_PATH);
}

/** The workspace's calibration, or undefined when there is none; throws CalibrationFormatError when it is malformed. */
export async function loadCalibration(workspaceRoot: string): Promise<CalibrationFile | undefined> {
  let text: string;
  try {
    text = await fs.readFile(calibrationPath(workspaceRoot), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseCalibrationFile(text);
}

/** runCommand's output; a failure is a CalibrationError (what the CLI and the command report), an abort stays an abort. */
async function run(file: string, args: string[], options: { cwd?: string; timeoutMs: number; signal?: AbortSignal }): Promise<string> {
  try {
    return (await runCommand(file, args, options)).stdout;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new CalibrationError(error instanceof Error ? error.message : String(error));
  }
}

async function findExecutable(explicit: string | undefined, names: string[]): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  // A setting may hold a bare name ("gcc-12") as well as a path.
  const wanted = explicit ? [explicit] : names;
  const candidates = wanted.flatMap((n) => (n.includes(path.sep) ? [n] : dirs.map((d) => path.join(d, n))));
  for (const candidate of candidates) {
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return { hostname: os.hostname(), kernel: os.release(), cpuModel: cpus[0]?.model, cpuCount: cpus.length, arch: os.arch() };
}

function parseNameValueLines(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+)\s+([\d.]+)$/.exec(line.trim());
    if (match) values.set(match[1], Number(match[2]));
  }
  return values;
}

interface Measured {
  parameters: Partial<Record<ParameterName, CostParameter>>;
  measurements: Record<string, { ns: number; source: string }>;
}

async function measureUserspace(dir: string, cc: string, reps: number, options: CalibrationOptions): Promise<Measured> {
  const source = path.join(dir, 'syscalls.c');
  const binary = path.join(dir, 'syscalls');
  await fs.writeFile(source, USERSPACE_BENCHMARK_C);
  await run(cc, ['-O2', '-o', binary, source], { timeoutMs: 60_000, signal: options.signal });
  const values = parseNameValueLines(await run(binary, [String(reps)], { timeoutMs: 300_000, signal: options.signal }));
  const need = (name: string) => {
    const v = values.get(name);
    if (v === undefined || !Number.isFinite(v)) throw new CalibrationError(`the syscall benchmark printed no "${name}" value`);
    return v;
  };
  const getppid = need('getppid');
  const sendto = need('sendto');
  const recvfrom = need('recvfrom');
  const rtt = need('udp_rtt');
  const here = `measured on this machine (${os.cpus()[0]?.model ?? 'unknown CPU'}, Linux ${os.release()})`;
  const stack = Math.max(0, sendto - recvfrom);
  const wakeup = Math.max(0, rtt / 2 - sendto - recvfrom);
  return {
    parameters: {
      recvSyscall: { ns: recvfrom, source: `${here}: recvfrom of a queued 64-byte UDP datagram on loopback, mean of ${reps}` },
      sendSyscall: {
        ns: recvfrom,
        source: `${here}: the send syscall's socket layer assumed to cost what recvfrom does (${recvfrom.toFixed(0)} ns); the rest of sendto is in stackTraversal`,
      },
      stackTraversal: {
        ns: stack,
        source: `${here}: sendto over loopback (${sendto.toFixed(0)} ns, which runs the transmit and the receive path up to the socket) minus recvfrom (${recvfrom.toFixed(0)} ns)`,
      },
      wakeup: {
        ns: wakeup,
        source: `${here}: half a blocking UDP round trip with another process over loopback (${(rtt / 2).toFixed(0)} ns) minus one sendto and one recvfrom; includes scheduler latency, some of it idle time`,
      },
    },
    measurements: {
      getppid: { ns: getppid, source: `${here}: getppid() loop, the bare kernel crossing` },
      sendtoLoopback: { ns: sendto, source: `${here}: sendto of 64 bytes to a loopback UDP socket` },
      udpRoundTrip: { ns: rtt, source: `${here}: blocking UDP request/response with another process over loopback` },
    },
  };
}

const MULTIARCH: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu' };

function parseDuration(output: string, program: string): number {
  const match = /duration \(average\):\s*([\d.]+)\s*ns/.exec(output);
  if (!match) throw new CalibrationError(`bpftool prog run ${program}: no "duration (average)" in its output: ${output.trim()}`);
  return Number(match[1]);
}

async function measureXdp(dir: string, clang: string, bpftool: string, repeat: number, options: CalibrationOptions): Promise<Measured> {
  const source = path.join(dir, 'cal.bpf.c');
  const object = path.join(dir, 'cal.bpf.o');
  await fs.writeFile(source, XDP_BENCHMARK_C);
  const includeArch = `-I/usr/include/${MULTIARCH[process.arch] ?? `${process.arch}-linux-gnu`}`;
  await run(clang, ['-O2', '-g', '-target', 'bpf', includeArch, '-c', source, '-o', object], { timeoutMs: 120_000, signal: options.signal });
  const packet = path.join(dir, 'packet.bin');
  await fs.writeFile(packet, Buffer.alloc(64));
  // A bpffs of our own, so that nothing is pinned in the system's /sys/fs/bpf.
  const bpffs = path.join(dir, 'bpffs');
  await fs.mkdir(bpffs);
  await run('mount', ['-t', 'bpf', 'bpf', bpffs], { timeoutMs: 10_000 });
  try {
    const progs = path.join(bpffs, 'progs');
    const maps = path.join(bpffs, 'maps');
    await run(bpftool, ['prog', 'loadall', object, progs, 'pinmaps', maps], { timeoutMs: 60_000, signal: options.signal });
    await run(bpftool, ['map', 'update', 'pinned', path.join(maps, 'cal_hash'), 'key', '0', '0', '0', '0', 'value', '1', '0', '0', '0', '0', '0', '0', '0'], { timeoutMs: 10_000 });
    const measure = async (name: string) => {
      const pinned = path.join(progs, name);
      const out = await run(bpftool, ['prog', 'run', 'pinned', pinned, 'data_in', packet, 'repeat', String(repeat)], { timeoutMs: 120_000, signal: options.signal });
      const info = JSON.parse(await run(bpftool, ['--json', 'prog', 'show', 'pinned', pinned], { timeoutMs: 10_000 })) as { bytes_xlated?: number };
      return { ns: parseDuration(out, name), instructions: (info.bytes_xlated ?? 0) / 8 };
    };
    const empty = await measure('cal_empty');
    const alu = await measure('cal_alu');
    const array = await measure('cal_array_lookup');
    const hash = await measure('cal_hash_lookup');
    const extraInsns = alu.instructions - empty.instructions;
    if (extraInsns < XDP_ALU_OPS) throw new CalibrationError(`the ALU benchmark has ${extraInsns} instructions, fewer than its ${XDP_ALU_OPS} operations: clang folded it`);
    const perInsn = Math.max(0, alu.ns - empty.ns) / extraInsns;
    const here = `measured on this machine (${os.cpus()[0]?.model ?? 'unknown CPU'}, Linux ${os.release()}) with BPF_PROG_TEST_RUN (bpftool prog run, repeat ${repeat})`;
    return {
      parameters: {
        bpfInstruction: {
          ns: perInsn,
          source: `${here}: ${extraInsns} straight-line add/xor instructions cost ${(alu.ns - empty.ns).toFixed(0)} ns over an empty program; dependent ALU chain, no memory access`,
        },
        mapLookupArray: {
          ns: Math.max(0, array.ns - empty.ns) / XDP_LOOKUPS,
          source: `${here}: ${XDP_LOOKUPS} array lookups of a present key, with the null check and use of the value`,
        },
        mapLookupHash: {
          ns: Math.max(0, hash.ns - empty.ns) / XDP_LOOKUPS,
          source: `${here}: ${XDP_LOOKUPS} hash lookups (4-byte key, present), with the null check and use of the value`,
        },
      },
      measurements: {
        xdpTestRunEmpty: { ns: empty.ns, source: `${here}: an XDP program that returns XDP_PASS; test-run overhead, not the driver's hook entry` },
      },
    };
  } finally {
    await run('umount', [bpffs], { timeoutMs: 10_000 }).catch(() => undefined);
  }
}

/** The XDP hook and XDP_TX on a veth pair (calibrateVeth.ts); needs ip and ethtool besides the XDP tools. */
async function calibrateOnVeth(
  dir: string,
  file: CalibrationFile,
  tools: { cc: string; clang: string; bpftool: string; mode: 'auto' | 'require' },
  options: CalibrationOptions,
  log: (line: string) => void,
): Promise<void> {
  const missing = [!(await findExecutable(undefined, ['ip'])) && 'ip (iproute2)', !(await findExecutable(undefined, ['ethtool'])) && 'ethtool'].filter(Boolean);
  if (missing.length > 0) {
    const why = `XDP on veth: not measured (needs ${missing.join(', ')})`;
    if (tools.mode === 'require') throw new CalibrationError(why);
    file.skipped!.push(why);
    return;
  }
  const rounds = options.fast ? 3 : 7;
  const secondsPerRun = options.fast ? 0.5 : 2;
  log(`measuring on a veth pair: UDP echo, XDP_PASS, XDP_TX reflector, saturated UDP echo with and without XDP_PASS; TCP echo, SK_PASS verdict, sk_skb redirect (${rounds} rounds of ${secondsPerRun} s each)`);
  try {
    const measurement = await measureVeth(dir, {
      ...tools,
      includeArch: `-I/usr/include/${MULTIARCH[process.arch] ?? `${process.arch}-linux-gnu`}`,
      rounds,
      secondsPerRun,
      inflight: options.vethInflight,
      signal: options.signal,
      log,
    });
    const ns = (name: ParameterName) => file.parameters[name]?.ns ?? DEFAULT_PARAMETERS[name].ns;
    const userspaceNs = ns('stackTraversal') + ns('wakeup') + ns('recvSyscall') + ns('sendSyscall');
    const here = `measured on this machine (${os.cpus()[0]?.model ?? 'unknown CPU'}, Linux ${os.release()})`;
    const derived = vethParameters(measurement, { userspaceNs, bpfInstructionNs: ns('bpfInstruction'), stackTraversalNs: ns('stackTraversal') }, here);
    Object.assign(file.parameters, derived.parameters);
    Object.assign(file.measurements!, derived.measurements);
    if (measurement.skSkbSkipped) file.skipped!.push(measurement.skSkbSkipped);
  } catch (error) {
    if (tools.mode === 'require') throw error;
    file.skipped!.push(`XDP on veth: measurement failed: ${(error as Error).message}`);
  }
}

// Means of thousands of runs carry no meaning past a hundredth of a nanosecond.
function roundValues(file: CalibrationFile): void {
  const round = (ns: number) => Math.round(ns * 100) / 100;
  for (const p of Object.values(file.parameters)) if (p) p.ns = round(p.ns);
  for (const m of Object.values(file.measurements ?? {})) m.ns = round(m.ns);
}

/** Runs the measurements; writes the calibration file when workspaceRoot is given. */
export async function runCalibration(options: CalibrationOptions = {}): Promise<CalibrationResult> {
  const log = options.log ?? (() => undefined);
  const cc = await findExecutable(options.cc, ['cc', 'gcc', 'clang']);
  if (!cc) throw new CalibrationError('no C compiler found (cc, gcc or clang): the syscall benchmark cannot be built');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bpf-offload-calibrate-'));
  const file: CalibrationFile = { version: CALIBRATION_FILE_VERSION, machine: machineInfo(), measuredAt: new Date().toISOString(), parameters: {}, measurements: {}, skipped: [] };
  try {
    const reps = options.fast ? 20_000 : 400_000;
    log(`measuring syscalls and loopback UDP (${reps} repetitions) with ${cc}`);
    const user = await measureUserspace(dir, cc, reps, options);
    Object.assign(file.parameters, user.parameters);
    Object.assign(file.measurements!, user.measurements);

    const mode = options.xdp ?? 'auto';
    if (mode === 'skip') {
      file.skipped!.push('XDP: skipped on request');
    } else {
      const clang = await findExecutable(options.clang, ['clang', 'clang-14', 'clang-15', 'clang-16']);
      const bpftool = await findExecutable(options.bpftool, ['bpftool']);
      const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      const missing = [!isRoot && 'root privileges', !clang && 'clang', !bpftool && 'bpftool'].filter(Boolean);
      if (missing.length > 0) {
        const why = `XDP: not measured (needs ${missing.join(', ')})`;
        if (mode === 'require') throw new CalibrationError(why);
        file.skipped!.push(why);
      } else {
        const repeat = options.fast ? 20_000 : 1_000_000;
        log(`measuring XDP programs with bpftool prog run (repeat ${repeat})`);
        try {
          const xdp = await measureXdp(dir, clang!, bpftool!, repeat, options);
          Object.assign(file.parameters, xdp.parameters);
          Object.assign(file.measurements!, xdp.measurements);
        } catch (error) {
          if (mode === 'require') throw error;
          file.skipped!.push(`XDP: measurement failed: ${(error as Error).message}`);
        }
        await calibrateOnVeth(dir, file, { cc, clang: clang!, bpftool: bpftool!, mode }, options, log);
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  roundValues(file);
  let writtenTo: string | undefined;
  if (options.workspaceRoot) {
    writtenTo = calibrationPath(options.workspaceRoot);
    await fs.mkdir(path.dirname(writtenTo), { recursive: true });
    await fs.writeFile(writtenTo, JSON.stringify(file, null, 2) + '\n');
    log(`wrote ${writtenTo}`);
  }
  return { file, writtenTo };
}
