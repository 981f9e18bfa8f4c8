// The server's heap growth flag (server/src/heapGrowth.ts) must be one this Node's V8 knows:
// v8.setFlagsFromString drops an unknown flag without a word, while the command line refuses it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { HEAP_GROWTH_FLAG } from '../../server/src/heapGrowth';

test('the heap growth flag the server sets is a flag this Node accepts', () => {
  const run = spawnSync(process.execPath, [HEAP_GROWTH_FLAG, '-e', ''], { encoding: 'utf8' });
  assert.equal(run.status, 0, `node ${HEAP_GROWTH_FLAG}: ${run.stderr}`);
});

test('a flag V8 does not know is refused on the command line, so the check above can fail', () => {
  const run = spawnSync(process.execPath, [HEAP_GROWTH_FLAG.replace('percent', 'percentage'), '-e', ''], { encoding: 'utf8' });
  assert.notEqual(run.status, 0);
});
