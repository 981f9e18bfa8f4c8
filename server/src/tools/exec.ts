// Runs an external program without a shell and turns every way it can fail to start into a
// plain error object, so callers (the CLI, the language server) never see a stack trace.
import { spawn } from 'node:child_process';

export const INSTALL_HINT = 'apt-get install clang llvm libbpf-dev bpftool';

export type ToolName = 'clang' | 'bpftool' | 'mount' | 'umount';

export interface ToolError {
  kind: 'missing-tool' | 'not-executable' | 'timeout' | 'not-privileged' | 'failed';
  tool: ToolName | 'bpffs';
  message: string;
  /** What to do about it, e.g. the apt-get line. */
  hint: string;
}

export interface ToolRun {
  /** Exit code; null when the program was killed (then `error` says why). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error?: ToolError;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
}

// A rejected loop at the 1M-instruction limit makes libbpf print a verifier log of 70 MB and
// more. What matters is at both ends (libbpf's messages and the log's start; the error and
// the summary at the end), so output is kept as a head and a tail with the middle dropped.
const HEAD_BYTES = 256 * 1024;
const TAIL_BYTES = 4 * 1024 * 1024;

class BoundedText {
  private head: Buffer[] = [];
  private headLength = 0;
  private tail: Buffer[] = [];
  private tailLength = 0;
  private dropped = 0;

  add(chunk: Buffer): void {
    if (this.headLength < HEAD_BYTES) {
      const take = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.head.push(take);
      this.headLength += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailLength += chunk.length;
    while (this.tailLength - this.tail[0].length >= TAIL_BYTES) {
      this.tailLength -= this.tail[0].length;
      this.dropped += this.tail[0].length;
      this.tail.shift();
    }
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    if (this.dropped === 0) return head + tail;
    // Cut at line boundaries so no half line looks like a message.
    const headEnd = head.lastIndexOf('\n') + 1;
    const tailStart = tail.indexOf('\n') + 1;
    return `${head.slice(0, headEnd)}... [${this.dropped} bytes of output omitted] ...\n${tail.slice(tailStart)}`;
  }
}

export function installHint(tool: ToolName): string {
  if (tool === 'mount' || tool === 'umount') return 'apt-get install mount';
  return INSTALL_HINT;
}

export function runTool(tool: ToolName, executable: string, args: string[], options: RunOptions = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    const stdout = new BoundedText();
    const stderr = new BoundedText();
    let settled = false;
    let timedOut = false;
    const finish = (run: ToolRun) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(run);
    };
    const child = spawn(executable, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      const base = { exitCode: null, stdout: stdout.text(), stderr: stderr.text() };
      if (err.code === 'ENOENT') return finish({ ...base, error: missingTool(tool, executable) });
      if (err.code === 'EACCES') {
        return finish({ ...base, error: { kind: 'not-executable', tool, message: `${tool} at ${executable} is not executable`, hint: installHint(tool) } });
      }
      finish({ ...base, error: { kind: 'failed', tool, message: `${tool} could not be run: ${err.message}`, hint: installHint(tool) } });
    });
    child.on('close', (code, signal) => {
      const base = { stdout: stdout.text(), stderr: stderr.text() };
      if (timedOut || code === null) {
        const why = timedOut ? 'did not finish in time' : `was killed (${signal})`;
        return finish({ ...base, exitCode: null, error: { kind: 'timeout', tool, message: `${tool} ${why}`, hint: 'Try a smaller program or a longer timeout.' } });
      }
      finish({ ...base, exitCode: code });
    });
  });
}

export function missingTool(tool: ToolName, executable: string): ToolError {
  return {
    kind: 'missing-tool',
    tool,
    message: `${tool} was not found (looked for ${executable})`,
    hint: `Install it with \`${installHint(tool)}\`, or set its path in the settings.`,
  };
}
