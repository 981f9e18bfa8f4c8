// What the runner does with a running job when the thread it runs on has to go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { AnalysisRunner, defaultWorkerPath } from '../../server/src/analysisRunner';
import { silentLogger } from '../../server/src/log';

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
