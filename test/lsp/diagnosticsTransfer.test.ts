// The analysis thread sends a document's diagnostics against those of its previous answer for
// the document: the ones the rules memo handed out again go by their position there. The base
// must be one the server decoded (a job names it), on both sides the same, and dropped with a
// restarted thread; whatever the transfer, the server must get what a fresh analysis gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import { Severity, type AnalysisDiagnostic, type FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { AnalysisRunner, defaultWorkerPath } from '../../server/src/analysisRunner';
import {
  decodeDiagnostics,
  decodeShared,
  encodeDiagnostics,
  encodeShared,
  KEPT_DOCUMENTS,
  type DiagnosticsTransfer,
  type WorkerAnswer,
  type WorkerJob,
} from '../../server/src/analysisWorkerProtocol';
import { Logger } from '../../server/src/log';
import { repoRoot } from '../repoRoot';

const LIMIT = { timeout: 120_000 };
const FILE = 'file:///transfer/kv-cache.c';
const TEXT = readFileSync(join(repoRoot(), 'examples', 'kv-cache', 'kv-cache.c'), 'utf8');

/** Successive versions of kv-cache.c: one character, a line inserted (moves what follows), one character. */
const VERSIONS = [TEXT];
for (const edit of [
  (t: string) => t.replace('return 2;', 'return 3;'),
  (t: string) => t.replace('static int parse_port(', '\nstatic int parse_port('),
  (t: string) => t.replace('return h;', 'return h ;'),
]) {
  const next = edit(VERSIONS[VERSIONS.length - 1]);
  assert.notEqual(next, VERSIONS[VERSIONS.length - 1], 'each edit applies');
  VERSIONS.push(next);
}

const { isCancelled: _none, discoveredEntries: _neither, ...PLAIN_OPTIONS } = DEFAULT_ANALYZE_OPTIONS;

const diagnostic = (line: number): AnalysisDiagnostic => ({
  file: FILE,
  range: { start: { line, character: 0 }, end: { line, character: 4 } },
  severity: Severity.Warning,
  code: 'unbounded-loop',
  message: `loop at ${line}`,
});

test('an array against a base names the base\'s own objects by position, and decodes to equal objects', () => {
  const base = [diagnostic(1), diagnostic(2), diagnostic(3)];
  const items = [base[2], diagnostic(9), base[0]];
  const { encoded, shared } = encodeShared(items, base);
  assert.equal(shared, 2);
  assert.deepEqual(encoded, [2, items[1], 0]);
  // An equal copy is not the object: it goes itself.
  assert.equal(encodeShared([structuredClone(base[1])], base).shared, 0);
  const receiverBase = structuredClone(base);
  const decoded = decodeShared(structuredClone(encoded), receiverBase, 'test list');
  assert.deepStrictEqual(decoded, items);
  assert.equal(decoded[0], receiverBase[2]);
  assert.equal(decoded[2], receiverBase[0]);
  assert.throws(() => decodeShared(encoded, receiverBase.slice(0, 2), 'test list'), /element 2 of a base test list that the server does not hold/);
  assert.throws(() => decodeShared(encoded, undefined, 'test list'), /does not hold/);
});

test('diagnostics go against the sent ones only when the server holds that very answer', () => {
  const first = [diagnostic(1), diagnostic(2)];
  const held = { answerId: 7, diagnostics: first };
  const next = [first[1], diagnostic(5)];
  assert.deepEqual(encodeDiagnostics(next, held, undefined), { whole: next }, 'the server holds none');
  assert.deepEqual(encodeDiagnostics(next, held, 6), { whole: next }, 'the server holds another answer');
  assert.deepEqual(encodeDiagnostics(next, undefined, 7), { whole: next }, 'the thread dropped it');
  assert.deepEqual(encodeDiagnostics([diagnostic(1)], held, 7), { whole: [diagnostic(1)] }, 'nothing shared');
  const transfer = encodeDiagnostics(next, held, 7);
  assert.deepEqual(transfer, { base: 7, shared: [1, next[1]] });

  const serverHeld = { answerId: 7, diagnostics: structuredClone(first) };
  const decoded = decodeDiagnostics(structuredClone(transfer), serverHeld, FILE);
  assert.deepStrictEqual(decoded, next);
  assert.equal(decoded[0], serverHeld.diagnostics[1]);
  assert.throws(() => decodeDiagnostics(transfer, { ...serverHeld, answerId: 6 }, FILE), /against answer 7, but the server holds answer 6's/);
  assert.throws(() => decodeDiagnostics(transfer, undefined, FILE), /but the server holds none/);
  assert.throws(() => decodeDiagnostics(transfer, { answerId: 7, diagnostics: [] }, FILE), /does not hold/);
});

/** The analysis thread on its own, spoken to as the runner does. */
class ThreadUnderTest {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (answer: WorkerAnswer) => void>();
  private nextId = 1;

  constructor() {
    const workerPath = defaultWorkerPath();
    assert.ok(workerPath, 'the analysis thread script is built beside the runner');
    this.worker = new Worker(workerPath, { workerData: { cancel: new SharedArrayBuffer(4) } });
    this.worker.on('message', (answer: WorkerAnswer) => this.waiting.get(answer.id)?.(answer));
  }

  /** The diagnostics transfer of a job of `key`, with the server holding answer `diagnosticsBase`. */
  async diagnostics(key: string, text: string, diagnosticsBase: number | undefined): Promise<{ id: number; transfer: DiagnosticsTransfer }> {
    const id = this.nextId++;
    const answered = new Promise<WorkerAnswer>((resolve) => this.waiting.set(id, resolve));
    const job: WorkerJob = { id, key, file: key, text, summaries: { set: [], remove: [] }, options: PLAIN_OPTIONS, diagnosticsBase };
    this.worker.postMessage(job);
    const answer = await answered;
    assert.ok('analysis' in answer, JSON.stringify(answer));
    return { id, transfer: answer.diagnostics };
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

const kind = (transfer: DiagnosticsTransfer) => ('whole' in transfer ? 'whole' : `against ${transfer.base}`);

test('the thread encodes against an answer only when the job names it, and forgets it with the document\'s parse', LIMIT, async () => {
  const thread = new ThreadUnderTest();
  try {
    const first = await thread.diagnostics(FILE, VERSIONS[0], undefined);
    assert.equal(kind(first.transfer), 'whole');
    assert.ok((first.transfer as { whole: AnalysisDiagnostic[] }).whole.length > 1, 'kv-cache.c has diagnostics to share');
    const second = await thread.diagnostics(FILE, VERSIONS[1], first.id);
    assert.equal(kind(second.transfer), `against ${first.id}`);
    // The server did not decode the second answer (say it dropped it): it still names the first.
    const third = await thread.diagnostics(FILE, VERSIONS[2], first.id);
    assert.equal(kind(third.transfer), 'whole');
    const fourth = await thread.diagnostics(FILE, VERSIONS[3], third.id);
    assert.equal(kind(fourth.transfer), `against ${third.id}`);
    // As many other documents as the thread keeps: this one's parse and diagnostics are dropped.
    for (let i = 0; i < KEPT_DOCUMENTS; i++) await thread.diagnostics(`file:///transfer/other${i}.c`, `int f${i}(int x) { while (x) x++; return x; }\n`, undefined);
    const afterEviction = await thread.diagnostics(FILE, VERSIONS[3], fourth.id);
    assert.equal(kind(afterEviction.transfer), 'whole');
  } finally {
    await thread.stop();
  }
});

/** A runner over one document, keeping the summaries as the analyzer does, with its debug log. */
class RunnerUnderTest {
  readonly log: string[] = [];
  readonly runner: AnalysisRunner;
  private readonly summaries = new Map<string, FileSummary>();

  constructor() {
    const workerPath = defaultWorkerPath();
    assert.ok(workerPath);
    const keep = (message: string) => this.log.push(message);
    this.runner = new AnalysisRunner(workerPath, new Logger({ error: keep, warn: keep, info: keep, log: keep }, 'debug'));
  }

  async analyze(text: string): Promise<{ analysis: FileAnalysis; byPosition: number }> {
    const analysis = await this.runner.analyze({ key: FILE, file: FILE, text, summaries: () => this.summaries, options: PLAIN_OPTIONS });
    this.summaries.set(FILE, analysis.summary);
    const line = this.log.filter((m) => m.includes('sent by position')).pop() ?? '';
    const match = /: (\d+) of (\d+) diagnostics sent by position$/.exec(line);
    assert.ok(match, line);
    assert.equal(Number(match[2]), analysis.diagnostics.length);
    return { analysis, byPosition: Number(match[1]) };
  }

  /** The thread dies: the runner starts a fresh one (with nothing sent to it yet). */
  async killThread(): Promise<void> {
    const worker = (this.runner as unknown as { worker?: Worker }).worker;
    assert.ok(worker);
    await worker.terminate();
    while (!this.log.some((m) => m.includes('the analysis thread exited'))) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function freshAnalysis(text: string): FileAnalysis {
  return analyzeFile(FILE, parsePlainC(text), text, new Map(), DEFAULT_ANALYZE_OPTIONS);
}

test('over a few edits the runner gets what a fresh analysis gives, sharing the unchanged diagnostics\' objects', LIMIT, async () => {
  await initC();
  const under = new RunnerUnderTest();
  try {
    let previous: FileAnalysis | undefined;
    let sharedInAll = 0;
    for (const [i, text] of VERSIONS.entries()) {
      const { analysis, byPosition } = await under.analyze(text);
      assert.deepStrictEqual(analysis, freshAnalysis(text), `version ${i}`);
      const shared = previous ? analysis.diagnostics.filter((d) => previous!.diagnostics.includes(d)).length : 0;
      // What went by position is exactly what is the previous answer's own object now.
      assert.equal(shared, byPosition, `version ${i}`);
      if (i === 1 || i === 3) assert.ok(byPosition >= analysis.diagnostics.length / 2, `version ${i}: ${byPosition} of ${analysis.diagnostics.length}`);
      sharedInAll += byPosition;
      previous = analysis;
    }
    assert.ok(sharedInAll > 0);
  } finally {
    under.runner.dispose();
  }
});

test('after the thread restarts the first answer comes whole, and the next ones against it again', LIMIT, async () => {
  await initC();
  const under = new RunnerUnderTest();
  try {
    assert.equal((await under.analyze(VERSIONS[0])).byPosition, 0);
    assert.ok((await under.analyze(VERSIONS[1])).byPosition > 0);
    await under.killThread();
    const afterRestart = await under.analyze(VERSIONS[0]);
    assert.equal(afterRestart.byPosition, 0);
    assert.deepStrictEqual(afterRestart.analysis, freshAnalysis(VERSIONS[0]));
    const next = await under.analyze(VERSIONS[1]);
    assert.ok(next.byPosition > 0);
    assert.ok(next.analysis.diagnostics.some((d) => afterRestart.analysis.diagnostics.includes(d)));
    assert.deepStrictEqual(next.analysis, freshAnalysis(VERSIONS[1]));
  } finally {
    under.runner.dispose();
  }
});
