// Runs the built CLI (dist/cli.js, what `bin/bpf-offload` and the package run) as a child process.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '../../..');
const cliPath = path.join(repoRoot, 'dist', 'cli.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Run as this user (only root may); see copyBundle. */
  uid?: number;
  /** Another copy of the bundle to run. */
  cli?: string;
}

export function runCli(args: string[], options: RunOptions = {}): CliResult {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run node scripts/build.mjs`);
  const result = spawnSync(process.execPath, [options.cli ?? cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    uid: options.uid,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh directory holding the given files (relative path → content). */
export function writeTree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-cli-'));
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

/**
 * Copies the self-contained bundle (cli.js, the two wasm files and the load generator's C) into
 * a directory, for runs as another user who may not be able to read the checkout.
 */
export function copyBundle(directory: string): string {
  for (const name of ['cli.js', 'tree-sitter.wasm', 'tree-sitter-c.wasm', 'loadgen.c']) {
    fs.copyFileSync(path.join(repoRoot, 'dist', name), path.join(directory, name));
  }
  return path.join(directory, 'cli.js');
}

export function removeTree(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

export const DIAGNOSTIC_LINE = /^(.+):(\d+):(\d+): (error|warning|info|hint): (.+) \[([a-z0-9-]+)\]$/;

/** Asserts-friendly check that stderr is exactly one line with no stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  return lines.length === 1 && lines[0].startsWith('bpf-offload: ') && !/^\s+at /m.test(stderr);
}
