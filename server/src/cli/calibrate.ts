// `bpf-offload calibrate`: measures the cost model's parameters on this machine (syscalls,
// loopback UDP, and as root XDP programs with BPF_PROG_TEST_RUN and on a veth pair) and writes them to
// WORKSPACE/.bpf-offload/calibration.json, where the editor and `analyze` pick them up.
// tools/calibrate.ts does the work; this file is the command line around it.
import * as fs from 'fs';
import * as path from 'path';
import { PARAMETER_NAMES } from '../analysis/cost/parameters';
import { CalibrationError, runCalibration, type CalibrationOptions, type CalibrationResult } from '../tools/calibrate';
import { INSTALL_HINT } from '../tools/exec';
import { UsageError } from './args';
import { InputError } from './inputs';

export const CALIBRATE_USAGE = `Usage: bpf-offload calibrate [--fast] [--xdp auto|require|skip] [--dir WORKSPACE] [--json]
Measures syscall, loopback UDP and (as root, with clang and bpftool) XDP program costs on this
machine, and (also with ip and ethtool) the XDP hook and XDP_TX answers end to end on a veth
pair between two network namespaces it creates and removes; writes them to
WORKSPACE/.bpf-offload/calibration.json for the cost model.
  --fast            fewer repetitions: seconds instead of tens of seconds, noisier numbers
  --xdp MODE        auto: measure XDP when possible (default); require: fail if it cannot be
                    measured; skip: do not try
  --dir WORKSPACE   the workspace folder to write into (default: the current directory)
  --json            print {"writtenTo": PATH, "calibration": {...the file...}} on stdout
Progress goes to stderr. Exit status: 0 written, 1 the measurement failed, 2 bad usage.`;

const XDP_MODES = ['auto', 'require', 'skip'] as const;

export interface CalibrateCommand {
  fast: boolean;
  xdp: (typeof XDP_MODES)[number];
  dir: string;
  json: boolean;
}

export interface CalibrateJson {
  writtenTo: string;
  calibration: CalibrationResult['file'];
}

export function parseCalibrateArgs(argv: string[]): CalibrateCommand | 'help' {
  const command: CalibrateCommand = { fast: false, xdp: 'auto', dir: '.', json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (name === '--help' || name === '-h') return 'help';
    if ((name === '--fast' || name === '--json') && eq > 0) throw new UsageError(`${name} takes no value`);
    if (name === '--fast') command.fast = true;
    else if (name === '--json') command.json = true;
    else if (name === '--dir') command.dir = value();
    else if (name === '--xdp') {
      const mode = value();
      if (!(XDP_MODES as readonly string[]).includes(mode)) throw new UsageError(`--xdp must be one of ${XDP_MODES.join(', ')}, not "${mode}"`);
      command.xdp = mode as CalibrateCommand['xdp'];
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${name} for calibrate (try calibrate --help)`);
    else throw new UsageError(`calibrate takes no FILE (got ${arg}); name the workspace with --dir`);
  }
  return command;
}

export async function runCalibrate(
  argv: string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
  calibrate: (options: CalibrationOptions) => Promise<CalibrationResult> = runCalibration,
): Promise<number> {
  const command = parseCalibrateArgs(argv);
  if (command === 'help') {
    io.stdout(CALIBRATE_USAGE + '\n');
    return 0;
  }
  const dir = path.resolve(command.dir);
  if (!isDirectory(dir)) throw new InputError(`--dir ${command.dir}: no such directory`);
  // Ctrl-C stops the measurement programs instead of leaving them running; nothing is written.
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const result = await calibrate({
      workspaceRoot: dir, fast: command.fast, xdp: command.xdp, signal: controller.signal,
      log: (line) => io.stderr(`calibrate: ${line}\n`),
    });
    const writtenTo = result.writtenTo ?? path.join(dir, '.bpf-offload', 'calibration.json');
    if (command.json) {
      const json: CalibrateJson = { writtenTo, calibration: result.file };
      io.stdout(JSON.stringify(json) + '\n');
    } else {
      io.stdout(formatCalibration(result, writtenTo));
    }
    return 0;
  } catch (error) {
    if (controller.signal.aborted) {
      io.stderr('bpf-offload: calibration interrupted; nothing was written\n');
      return 1;
    }
    if (error instanceof CalibrationError) {
      const hint = /compiler|clang|bpftool/i.test(error.message) ? ` (install the tools with: ${INSTALL_HINT})` : '';
      io.stderr(`bpf-offload: calibration failed: ${error.message.split('\n')[0]}${hint}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}

function formatCalibration(result: CalibrationResult, writtenTo: string): string {
  const { parameters, skipped } = result.file;
  const lines = [`wrote ${writtenTo}`];
  for (const name of PARAMETER_NAMES) {
    const p = parameters[name];
    if (p) lines.push(`  ${name.padEnd(18)} ${p.ns.toFixed(2).padStart(10)} ns  ${p.source}`);
  }
  for (const why of skipped ?? []) lines.push(`  skipped: ${why}`);
  return lines.join('\n') + '\n';
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
