// Runs a system tool (ip, ethtool, cc, bpftool ...) with an argument array (no shell), bounded in
// time and output, optionally abortable, and fails with an error that names the command and what
// it printed. The veth pair, the calibration and the network tests all run their tools through it.
import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  timeoutMs?: number;
  /** Resolve with the result instead of rejecting when the exit code is not 0. */
  allowFailure?: boolean;
  /** Kills the command and rejects with an AbortError. */
  signal?: AbortSignal;
  cwd?: string;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 20_000;

export class CommandError extends Error {
  constructor(readonly command: string[], readonly result: CommandResult) {
    super(`${command.join(' ')} exited with ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  }
}

export function runCommand(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, timeout: timeoutMs, signal: options.signal, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const failure = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      if (failure?.name === 'AbortError') {
        reject(failure);
        return;
      }
      if (failure && typeof failure.code === 'string') {
        reject(new Error(`${command} could not be run: ${failure.message}`));
        return;
      }
      const code = failure ? (typeof failure.code === 'number' ? failure.code : null) : 0;
      const result = { code, stdout, stderr: failure?.killed ? `${stderr}\n(killed after ${timeoutMs} ms)` : stderr };
      if (code !== 0 && !options.allowFailure) reject(new CommandError([command, ...args], result));
      else resolve(result);
    });
  });
}
