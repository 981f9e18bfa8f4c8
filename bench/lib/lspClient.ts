// A JSON-RPC client over a language server's stdio, written for measuring: every message is
// stamped with performance.now() the moment its bytes are parsed, before any dispatch, so a
// latency is the server's time plus pipe time and nothing of a client library's scheduling.
// It answers the few requests a real editor answers (configuration, capability registration,
// progress tokens) so servers behave as they do in an editor.
import { ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface Received {
  at: number;
  method?: string;
  id?: number | string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export interface PublishedDiagnostics {
  at: number;
  uri: string;
  version?: number;
  count: number;
}

export interface LspProcessOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** What workspace/configuration answers for every item (the server's settings section). */
  configuration?: unknown;
  /** A label for error messages ("ours", "clangd"). */
  label: string;
}

type Waiter = { check: () => boolean; resolve: () => void; reject: (error: Error) => void };

const HEADER_END = Buffer.from('\r\n\r\n');

export class LspProcess {
  readonly child: ChildProcess;
  readonly diagnostics: PublishedDiagnostics[] = [];
  /** window/logMessage notifications, in arrival order. */
  readonly logs: { at: number; message: string }[] = [];
  readonly progressEnded = new Set<string | number>();
  readonly stderrTail: string[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Received) => void; reject: (e: Error) => void }>();
  private waiters: Waiter[] = [];
  private exitCode: number | null | undefined;
  private received = 0;
  configuration: unknown;

  constructor(private readonly options: LspProcessOptions) {
    this.configuration = options.configuration ?? {};
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    // Only the tail is kept: clangd logs a lot, and the tail explains a crash.
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail.push(String(chunk));
      if (this.stderrTail.length > 50) this.stderrTail.shift();
    });
    this.child.stdin!.on('error', () => undefined);
    this.child.on('error', (error) => this.fail(new Error(`${options.label}: cannot start ${options.command}: ${error.message}`)));
    this.child.on('exit', (code) => {
      this.exitCode = code;
      this.fail(new Error(`${options.label} exited (code ${code}): ${this.stderrTail.join('').slice(-800)}`));
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.options.label} has no process id`);
    return this.child.pid;
  }

  request<T = unknown>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<Received>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ jsonrpc: '2.0', id, method, params });
    }).then((response) => {
      if (response.error) throw new Error(`${this.options.label}: ${method} failed: ${response.error.message}`);
      return response.result as T;
    });
  }

  notify(method: string, params: unknown): number {
    this.send({ jsonrpc: '2.0', method, params });
    return performance.now();
  }

  /** Resolves when `check` holds after some message arrived; rejects on timeout or exit. */
  waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.exitCode !== undefined) return Promise.reject(new Error(`${this.options.label} has exited; cannot wait for ${what}`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.options.label}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * The first diagnostics for `uri` published after index `from` for `minVersion` or later.
   * Publications without a version never match: servers send one when the client declares
   * versionSupport, and the unversioned ones are clears (clangd clears a closed file).
   */
  async diagnosticsFor(uri: string, minVersion: number, from: number, timeoutMs: number): Promise<PublishedDiagnostics> {
    let found: PublishedDiagnostics | undefined;
    const matches = (d: PublishedDiagnostics) => d.uri === uri && d.version !== undefined && d.version >= minVersion;
    await this.waitUntil(`diagnostics of ${uri} v${minVersion}`, () => {
      found = this.diagnostics.slice(from).find(matches);
      return found !== undefined;
    }, timeoutMs);
    return found!;
  }

  /** Resolves once no message has arrived for `quietMs`. */
  async quiet(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const before = this.received;
      await new Promise((r) => setTimeout(r, quietMs));
      if (this.received === before) return;
      if (performance.now() > deadline) throw new Error(`${this.options.label}: never went quiet within ${timeoutMs} ms`);
    }
  }

  async shutdown(timeoutMs = 5000): Promise<void> {
    if (this.exitCode !== undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      await Promise.race([this.request('shutdown', null), new Promise((_, reject) => setTimeout(() => reject(new Error('shutdown timeout')), timeoutMs))]);
      this.notify('exit', null);
    } catch {
      // A server that does not answer shutdown is killed below.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private send(message: unknown): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin!.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  private onData(chunk: Buffer): void {
    const at = performance.now();
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const headerEnd = this.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /Content-Length:\s*(\d+)/i.exec(header);
      if (!match) throw new Error(`${this.options.label}: message without Content-Length: ${header}`);
      const length = Number(match[1]);
      const start = headerEnd + HEADER_END.length;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString('utf8');
      this.buffer = this.buffer.subarray(start + length);
      this.dispatch({ at, ...(JSON.parse(body) as Omit<Received, 'at'>) });
    }
  }

  private dispatch(message: Received): void {
    this.received++;
    if (message.method === undefined && typeof message.id === 'number') {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      pending?.resolve(message);
    } else if (message.method !== undefined && message.id !== undefined) {
      this.answer(message);
    } else if (message.method === 'textDocument/publishDiagnostics') {
      const p = message.params as { uri: string; version?: number; diagnostics: unknown[] };
      this.diagnostics.push({ at: message.at, uri: p.uri, version: p.version, count: p.diagnostics.length });
    } else if (message.method === 'window/logMessage') {
      this.logs.push({ at: message.at, message: (message.params as { message: string }).message });
    } else if (message.method === '$/progress') {
      const p = message.params as { token: string | number; value?: { kind?: string } };
      if (p.value?.kind === 'end') this.progressEnded.add(p.token);
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (waiter.check()) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  private answer(request: Received): void {
    let result: unknown = null;
    if (request.method === 'workspace/configuration') {
      const items = (request.params as { items?: unknown[] })?.items ?? [];
      result = items.map(() => this.configuration);
    } else if (request.method === 'workspace/workspaceFolders') {
      result = null;
    }
    this.send({ jsonrpc: '2.0', id: request.id, result });
  }

  private fail(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}
