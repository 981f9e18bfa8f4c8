// Runs system tools for the network tests: argument arrays only (no shell), bounded in time
// and output, and failures that name the command and what it printed.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  timeoutMs?: number;
  /** Resolve with the result instead of rejecting when the exit code is not 0. */
  allowFailure?: boolean;
}

export class CommandError extends Error {
  constructor(readonly command: string[], readonly result: CommandResult) {
    super(`${command.join(' ')} exited with ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  }
}

export function runCommand(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: options.timeoutMs ?? 20_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const failure = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      if (failure && typeof failure.code === 'string') {
        reject(new Error(`${command} could not be run: ${failure.message}`));
        return;
      }
      const code = failure ? (typeof failure.code === 'number' ? failure.code : null) : 0;
      const result = { code, stdout, stderr: failure?.killed ? `${stderr}\n(killed after ${options.timeoutMs ?? 20_000} ms)` : stderr };
      if (code !== 0 && !options.allowFailure) reject(new CommandError([command, ...args], result));
      else resolve(result);
    });
  });
}

/** The first executable `name` on PATH or in the sbin directories (where Debian puts ip and sysctl), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
