// A minimal LSP client for tests: spawns the built server as a child process and speaks
// JSON-RPC over its stdio, answering the requests a real editor would answer.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import type { Diagnostic, InitializeParams, InitializeResult } from 'vscode-languageserver/node';

export const SERVER_JS = join(__dirname, '..', '..', '..', 'dist', 'server.js');

export interface Published {
  uri: string;
  version?: number;
  diagnostics: Diagnostic[];
}

export class LspTestClient {
  readonly child: ChildProcess;
  readonly connection: MessageConnection;
  readonly published: Published[] = [];
  readonly logs: string[] = [];
  readonly stderr: string[] = [];
  private waiters: (() => void)[] = [];
  /** What workspace/configuration answers for the `bpfOffload` section. */
  configuration: Record<string, unknown> = {};
  readonly exited: Promise<number | null>;

  constructor(args: string[] = ['--stdio']) {
    this.child = spawn(process.execPath, [SERVER_JS, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.child.on('exit', () => this.wake());
    this.child.stderr!.on('data', (chunk) => this.stderr.push(String(chunk)));
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => this.configuration));
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onNotification('textDocument/publishDiagnostics', (p: Published) => {
      this.published.push(p);
      this.wake();
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.wake();
    });
    this.connection.listen();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once `predicate` holds on what has arrived; rejects if the server exits first. */
  async waitFor<T>(what: string, predicate: () => T | undefined | false): Promise<T> {
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (this.child.exitCode !== null) throw new Error(`server exited (${this.child.exitCode}) while waiting for ${what}\n${this.stderr.join('')}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  diagnosticsFor(uri: string, version: number): Promise<Published> {
    return this.waitFor(`diagnostics for ${uri} v${version}`, () => this.published.find((p) => p.uri === uri && p.version === version));
  }

  logged(pattern: RegExp): Promise<string> {
    return this.waitFor(`a log line matching ${pattern}`, () => this.logs.find((l) => pattern.test(l)));
  }

  async initialize(overrides: Partial<InitializeParams> = {}): Promise<InitializeResult> {
    const params: InitializeParams = {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } },
        window: { workDoneProgress: true },
      },
      ...overrides,
    };
    const result = (await this.connection.sendRequest('initialize', params)) as InitializeResult;
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text } });
  }

  change(uri: string, version: number, contentChanges: unknown[]): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  /** shutdown + exit; resolves with the process exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) {
      try {
        await Promise.race([this.connection.sendRequest('shutdown'), this.exited]);
        await this.connection.sendNotification('exit');
      } catch {
        this.child.kill();
      }
    }
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
    this.connection.dispose();
  }
}
