// The analysis thread promotes what lives as long as the workspace (the index's summaries and the
// program facts) to V8's old generation while idle (server/src/idleCollection.ts), with a `gc`
// that the server exposes before the thread starts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';
import { EXPOSE_GC_FLAG, promoteLongLived } from '../../server/src/idleCollection';

const moduleFile = join(__dirname, '../../server/src/idleCollection.js');

test('the flag the server sets is one this Node accepts', () => {
  const run = spawnSync(process.execPath, [EXPOSE_GC_FLAG, '-e', ''], { encoding: 'utf8' });
  assert.equal(run.status, 0, `node ${EXPOSE_GC_FLAG}: ${run.stderr}`);
});

test('without an exposed gc (the tests, the CLI, an analysis in the server\'s thread) nothing is collected', () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'this test runs without --expose-gc');
  assert.equal(promoteLongLived(), false);
});

test('exposed before a worker thread starts, the thread can promote a live object graph to the old generation', () => {
  // In a child process, so that the flag does not change this one: the main thread exposes the
  // collector as the server does, then a worker builds ~8 MB of objects and promotes them; it
  // reports how much of its young generation is used before and after.
  const script = `
    const { Worker } = require('node:worker_threads');
    const { exposeCollector } = require(${JSON.stringify(moduleFile)});
    exposeCollector();
    const worker = new Worker(\`
      const v8 = require('node:v8');
      const { parentPort } = require('node:worker_threads');
      const { promoteLongLived } = require(\${JSON.stringify(${JSON.stringify(moduleFile)})});
      const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_used_size;
      const kept = Array.from({ length: 100000 }, (_, i) => ({ i, name: 'n' + i, next: null }));
      const before = young();
      const promoted = promoteLongLived();
      parentPort.postMessage({ hasGc: typeof globalThis.gc, promoted, before, after: young(), kept: kept.length });
    \`, { eval: true });
    worker.on('message', (m) => { console.log(JSON.stringify(m)); worker.terminate(); });
  `;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout.trim());
  assert.equal(report.hasGc, 'function', 'the worker has gc');
  assert.equal(report.promoted, true);
  assert.equal(report.kept, 100000);
  assert.ok(report.before > 2 * 1024 * 1024, `the graph starts young (${report.before} bytes used)`);
  assert.ok(report.after < report.before / 4, `and leaves the young generation: ${report.before} → ${report.after} bytes`);
});
