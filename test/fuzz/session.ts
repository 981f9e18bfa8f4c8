// A fuzzing session against the real language server over stdio: random sequences of
// didOpen / didChange / didClose and requests on mutated real C, every request timed. Shared by
// the bounded test (test/fuzz/lspFuzz.test.ts) and the long run (scripts/fuzz-long.mjs).
import { readFileSync } from 'node:fs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspTestClient } from '../lsp/lspClient';
import type { CorpusFile } from './corpus';
import { editFragment, mutate } from './mutators';
import { Rng } from './prng';

/** What the issue asks of every request. */
export const ANSWER_LIMIT_MS = 2_000;
/** Past this a request counts as a hang and the session stops (the server is stuck, not slow). */
export const HANG_LIMIT_MS = 120_000;

export interface TimedRequest {
  method: string;
  /** e.g. "memcached/items.c [truncate, nulBytes] v7, 1234 lines". */
  target: string;
  ms: number;
  error?: string;
}

export interface SessionReport {
  seed: number;
  steps: number;
  requests: TimedRequest[];
  /** Error lines the server logged (its safety net caught something). */
  serverErrors: string[];
  /** Set when the server died or stopped answering. */
  failure?: string;
  /** The last steps before the end (action and target), for reproducing a failure. */
  history: string[];
}

interface Mirror {
  uri: string;
  source: string;
  document: TextDocument;
}

/** The resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

export class HangError extends Error {}

/** Sends a request and times it; a ResponseError is an answer, no answer within HANG_LIMIT_MS is not. */
export async function timedRequest(client: LspTestClient, method: string, params: unknown, target: string): Promise<TimedRequest & { result?: unknown }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${method} on ${target} got no answer within ${HANG_LIMIT_MS} ms`)), HANG_LIMIT_MS);
  });
  try {
    const result = await Promise.race([client.connection.sendRequest(method, params), hang, client.exited.then((code) => Promise.reject(new Error(`server exited (${code}) during ${method} on ${target}`)))]);
    return { method, target, ms: performance.now() - started, result };
  } catch (error) {
    if (error instanceof HangError || client.child.exitCode !== null) throw error;
    // A JSON-RPC error response (method not found, cancelled) is an answer.
    return { method, target, ms: performance.now() - started, error: String((error as Error).message ?? error).slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

const SERVER_ERROR = /failed|uncaught|unhandled|exception/i;

export interface SessionOptions {
  /** Wall-clock time for issuing random steps; what is in flight is awaited after it. */
  budgetMs: number;
  /** Stop after this many steps even within the budget (to replay a failing run's prefix). */
  maxSteps?: number;
  /**
   * How many documents over HUGE_LINES lines may be opened. Analysing one blocks the server for
   * half a minute, so a bounded run opens one; later ones are cut to their first lines.
   */
  hugeDocuments?: number;
}

const HUGE_LINES = 20_000;

export class FuzzSession {
  private readonly rng: Rng;
  /** For choices that depend on the server's answers: they must not shift the main sequence. */
  private readonly answerRng: Rng;
  private hugeOpened = 0;
  private hugeAllowed = Infinity;
  private readonly open = new Map<string, Mirror>();
  private readonly requests: TimedRequest[] = [];
  private pending: Promise<unknown>[] = [];
  private steps = 0;
  private uriCounter = 0;
  private lastAction: unknown;
  private readonly history: string[] = [];

  constructor(
    private readonly client: LspTestClient,
    private readonly corpus: CorpusFile[],
    readonly seed: number,
  ) {
    this.rng = new Rng(seed);
    this.answerRng = new Rng(seed ^ 0x5bd1e995);
  }

  /** Runs random steps until the budget is spent, then one final request that must be answered. */
  async run(options: SessionOptions): Promise<SessionReport> {
    const deadline = performance.now() + options.budgetMs;
    this.hugeAllowed = options.hugeDocuments ?? Infinity;
    let failure: string | undefined;
    try {
      while (performance.now() < deadline && this.steps < (options.maxSteps ?? Infinity)) {
        await this.step();
        this.steps++;
      }
      await Promise.all(this.pending);
      const final = this.open.values().next().value as Mirror | undefined;
      const uri = final?.uri ?? 'file:///fuzz/never-opened.c';
      this.requests.push(await timedRequest(this.client, 'textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }, `final request (${uri})`));
      if (this.client.child.exitCode !== null) failure = `server exited with ${this.client.child.exitCode}`;
    } catch (error) {
      failure = (error as Error).message;
    }
    const serverErrors = [...new Set(this.client.logs.filter((l) => SERVER_ERROR.test(l)).map((l) => l.split('\n').slice(0, 3).join(' | ').slice(0, 400)))];
    return { seed: this.seed, steps: this.steps, requests: this.requests, serverErrors, history: this.history.slice(-30), ...(failure ? { failure } : {}) };
  }

  private describe(mirror: Mirror): string {
    return `${mirror.source} v${mirror.document.version}, ${mirror.document.lineCount} lines`;
  }

  private async step(): Promise<void> {
    const rng = this.rng;
    const mirrors = [...this.open.values()];
    const action = mirrors.length === 0 ? 'open' : rng.weighted([
      [2, 'open'],
      [6, 'change'],
      [1, 'fullChange'],
      [1.5, 'close'],
      [3, 'hover'],
      [3, 'codeAction'],
      [1, 'resolve'],
      [1.5, 'codeLens'],
      [1, 'documentSymbol'],
      [0.5, 'unopened'],
      [1.5, 'pause'],
      [2, 'settle'],
    ] as const);
    const mirror = mirrors.length ? rng.pick(mirrors) : undefined;
    this.history.push(`${this.steps}: ${action}${mirror && action !== 'open' ? ` ${mirror.uri} (${this.describe(mirror)})` : ''}`);
    switch (action) {
      case 'open':
        return this.openDocument();
      case 'change':
        return this.changeDocument(mirror!);
      case 'fullChange':
        return this.replaceDocument(mirror!);
      case 'close':
        this.open.delete(mirror!.uri);
        return this.client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: mirror!.uri } });
      case 'hover':
        return this.request(mirror!, 'textDocument/hover', { textDocument: { uri: mirror!.uri }, position: this.position(mirror!) });
      case 'codeAction':
        return this.codeAction(mirror!);
      case 'resolve':
        if (this.lastAction) return this.request(mirror!, 'codeAction/resolve', this.lastAction);
        // Draws what request() would, so the sequence stays the same whatever the server answered.
        this.rng.chance(0.5);
        return;
      case 'codeLens':
        return this.request(mirror!, 'textDocument/codeLens', { textDocument: { uri: mirror!.uri } });
      case 'documentSymbol':
        // Not offered by the server: must still be answered (MethodNotFound), never ignored.
        return this.request(mirror!, 'textDocument/documentSymbol', { textDocument: { uri: mirror!.uri } });
      case 'unopened':
        return this.request(undefined, 'textDocument/hover', { textDocument: { uri: `file:///fuzz/ghost-${rng.int(1000)}.c` }, position: { line: rng.int(100), character: 0 } });
      case 'pause':
        // Lets debounced analyses start, so requests also arrive while one runs.
        await new Promise((resolve) => setTimeout(resolve, rng.int(300)));
        return;
      case 'settle':
        await Promise.all(this.pending);
        this.pending = [];
        return;
    }
  }

  private async openDocument(): Promise<void> {
    const rng = this.rng;
    const file = rng.pick(this.corpus);
    const mutated = rng.chance(0.8) ? mutate(file.text, rng) : { text: file.text, applied: [] };
    if (mutated.text.split('\n', HUGE_LINES + 1).length > HUGE_LINES) {
      if (this.hugeOpened >= this.hugeAllowed) {
        mutated.text = mutated.text.split('\n', 2_000).join('\n');
        mutated.applied.push('cut to 2000 lines');
      } else this.hugeOpened++;
    }
    // A small pool of URIs: reopening an open URI without closing it is part of the game.
    const uri = `file:///fuzz/doc-${rng.chance(0.7) ? rng.int(4) : this.uriCounter++ + 4}.c`;
    const version = rng.int(5);
    const source = `${file.name}${mutated.applied.length ? ` [${mutated.applied.join(', ')}]` : ''}`;
    this.open.set(uri, { uri, source, document: TextDocument.create(uri, 'c', version, mutated.text) });
    this.history.push(`   opened ${uri}: ${source}, ${mutated.text.length} chars`);
    await this.client.open(uri, mutated.text, version);
  }

  private randomPosition(mirror: Mirror, pastEnd: boolean) {
    const rng = this.rng;
    const lineCount = mirror.document.lineCount;
    if (pastEnd) return { line: lineCount + rng.int(10_000), character: rng.int(500) };
    const line = rng.int(lineCount);
    const lineLength = mirror.document.offsetAt({ line: line + 1, character: 0 }) - mirror.document.offsetAt({ line, character: 0 });
    return { line, character: rng.int(lineLength + 2) };
  }

  private position(mirror: Mirror) {
    return this.randomPosition(mirror, this.rng.chance(0.1));
  }

  private async changeDocument(mirror: Mirror): Promise<void> {
    const rng = this.rng;
    const changes = [];
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const pastEnd = rng.chance(0.1);
      const start = this.randomPosition(mirror, pastEnd);
      const end = rng.chance(0.5) ? start : this.randomPosition(mirror, pastEnd || rng.chance(0.05));
      const corpusLine = rng.pick(rng.pick(this.corpus).text.split('\n', 2000));
      const change = { range: { start, end }, text: editFragment(rng, corpusLine) };
      // The mirror applies what the server applies (same library, same clamping of ranges).
      TextDocument.update(mirror.document, [change], mirror.document.version + 1);
      changes.push(change);
    }
    await this.client.change(mirror.uri, mirror.document.version, changes);
  }

  private async replaceDocument(mirror: Mirror): Promise<void> {
    const { text, applied } = mutate(mirror.document.getText(), this.rng);
    TextDocument.update(mirror.document, [{ text }], mirror.document.version + 1);
    mirror.source = `${mirror.source} [full: ${applied.join(', ')}]`;
    await this.client.change(mirror.uri, mirror.document.version, [{ text }]);
  }

  private async codeAction(mirror: Mirror): Promise<void> {
    const start = this.position(mirror);
    const published = [...this.client.published].reverse().find((p) => p.uri === mirror.uri);
    const diagnostics = published ? published.diagnostics.filter(() => this.answerRng.chance(0.3)).slice(0, 20) : [];
    const params = { textDocument: { uri: mirror.uri }, range: { start, end: this.rng.chance(0.5) ? start : this.position(mirror) }, context: { diagnostics } };
    await this.request(mirror, 'textDocument/codeAction', params, (result) => {
      const actions = Array.isArray(result) ? result : [];
      const withData = actions.filter((a) => a && typeof a === 'object' && 'data' in a);
      if (withData.length) this.lastAction = this.answerRng.pick(withData);
    });
  }

  /** Sent now; awaited now or, half of the time, later (editors do not wait for each answer). */
  private async request(mirror: Mirror | undefined, method: string, params: unknown, onResult?: (result: unknown) => void): Promise<void> {
    const target = mirror ? this.describe(mirror) : 'a document that is not open';
    const done = timedRequest(this.client, method, params, target).then((timed) => {
      const { result, ...record } = timed;
      this.requests.push(record);
      onResult?.(result);
    });
    if (this.rng.chance(0.5)) await done;
    else {
      // Handled when awaited later; until then it must not count as an unhandled rejection.
      done.catch(() => undefined);
      this.pending.push(done);
    }
  }
}

/** The slowest request of a report, formatted for a failure message. */
export function slowest(requests: TimedRequest[]): TimedRequest | undefined {
  return requests.reduce<TimedRequest | undefined>((worst, r) => (!worst || r.ms > worst.ms ? r : worst), undefined);
}

export function describeRequest(r: TimedRequest): string {
  return `${r.method} on ${r.target}: ${(r.ms / 1000).toFixed(2)} s${r.error ? ` (answered with error: ${r.error})` : ''}`;
}
