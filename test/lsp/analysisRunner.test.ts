// What the runner does with a running job when the thread it runs on has to go, and the debug
// line it logs per job, which the editor benchmark reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { AnalysisRunner, defaultWorkerPath, parseThreadTimeLine, threadTimeLine } from '../../server/src/analysisRunner';
import { Logger, silentLogger } from '../../server/src/log';

const { isCancelled: _cancel, discoveredEntries: _entries, ...OPTIONS } = DEFAULT_ANALYZE_OPTIONS;

test('a job running when summaries sent ahead cannot be posted is answered with the error, not left waiting', { timeout: 60_000 }, async () => {
  const workerPath = defaultWorkerPath();
  assert.ok(workerPath, 'the analysis thread script is built beside the runner');
  const runner = new AnalysisRunner(workerPath, silentLogger());
  try {
    const text = 'int f(int x) { return x + 1; }\n'.repeat(2000);
    const job = runner.analyze({ key: 'file:///a.c', file: 'file:///a.c', text, summaries: () => new Map(), options: OPTIONS });
    // A summary that cannot be cloned makes postMessage throw, which restarts the thread: the
    // job that was running on it must settle instead of waiting for an answer that never comes.
    const unclonable = { file: 'file:///b.c', functions: [() => undefined] } as unknown as FileSummary;
    runner.syncSummaries(() => new Map([['file:///b.c', unclonable]]));
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      job.then(
        () => 'answered',
        (error: unknown) => `rejected: ${String(error)}`,
      ),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still waiting'), 20_000))),
    ]);
    clearTimeout(timer);
    assert.match(outcome, /^rejected: .*clone/i);
  } finally {
    runner.dispose();
  }
});

test('each answered job logs its time in the thread at debug level, in the line the benchmark reads back', { timeout: 60_000 }, async () => {
  assert.deepEqual(parseThreadTimeLine(threadTimeLine(7, 'file:///x.c', 12.345, 13.5)), { key: 'file:///x.c', threadMs: 12.35 });
  assert.deepEqual(parseThreadTimeLine(threadTimeLine(8, 'file:///y.c', 3)), { key: 'file:///y.c', threadMs: 3 });
  assert.equal(parseThreadTimeLine('Analysis 3 of file:///x.c: 4 of 9 diagnostics sent by position'), undefined);

  const workerPath = defaultWorkerPath();
  assert.ok(workerPath);
  const lines: string[] = [];
  const keep = (line: string) => void lines.push(line);
  const runner = new AnalysisRunner(workerPath, new Logger({ error: keep, warn: keep, info: keep, log: keep }, 'debug'));
  try {
    const text = 'int f(int x) { return x + 1; }\n'.repeat(200);
    await runner.analyze({ key: 'file:///timed.c', file: 'file:///timed.c', text, summaries: () => new Map(), options: OPTIONS });
    const timed = lines.map(parseThreadTimeLine).filter((t) => t !== undefined);
    assert.equal(timed.length, 1, lines.join('\n'));
    assert.equal(timed[0].key, 'file:///timed.c');
    assert.ok(timed[0].threadMs > 0, `a job takes time: ${timed[0].threadMs}`);
  } finally {
    runner.dispose();
  }
});
