// The shared results file, docs/benchmarks.json: one record per benchmark section, each with the
// machine it ran on. Running one section replaces only its record, so docs/benchmarks.md is
// always rendered from the latest run of every section.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import type { RunCpu } from './otherWork';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryMiB: number;
  kernel: string;
  os: string;
  node: string;
}

export interface SectionRecord<T = unknown> {
  id: string;
  title: string;
  /** ISO time the run finished. */
  ranAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  /** One-minute load average before and after the run (the one after counts the run's own processes). */
  load?: { before: number; after: number };
  /** CPU time over the run, the machine's and the benchmark's own (otherWork.ts). */
  cpu?: RunCpu;
  /** Whatever the section measured; only the section itself reads it. */
  data: T;
  /** Set when the run failed; data may then be partial. */
  error?: string;
}

export interface ResultsFile {
  schema: 1;
  sections: Record<string, SectionRecord>;
}

export function machineInfo(): MachineInfo {
  let osName = `${os.type()} ${os.release()}`;
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    osName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? osName;
  } catch {
    // Not every system has /etc/os-release; the kernel name is enough then.
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    os: osName,
    node: process.version,
  };
}

export function loadResults(file: string): ResultsFile {
  if (!existsSync(file)) return { schema: 1, sections: {} };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResultsFile>;
  if (parsed.schema !== 1 || typeof parsed.sections !== 'object' || parsed.sections === null) {
    throw new Error(`${file} is not a results file of schema 1; delete it to start afresh`);
  }
  return parsed as ResultsFile;
}

export function saveResults(file: string, results: ResultsFile): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

/** The first line a command prints, or undefined when it cannot run (for tool versions). */
export function commandVersion(command: string, args: string[] = ['--version']): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  } catch {
    return undefined;
  }
}
