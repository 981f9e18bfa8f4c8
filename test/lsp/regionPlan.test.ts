// The client's decision of what to draw from an offload-regions notification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_PLAN, planRegions } from '../../client/src/regionPlan';
import type { OffloadRegionsParams } from '../../server/src/protocol';

const range = (line: number) => ({ start: { line, character: 2 }, end: { line, character: 10 } });
const PARAMS: OffloadRegionsParams = {
  uri: 'file:///w/a.c',
  version: 3,
  regions: [
    { range: range(4), kind: 'kernel', entry: 'handle' },
    { range: range(7), kind: 'handover', entry: 'handle', detail: 'P2 is handed over here: when `s == NULL` holds' },
    { range: range(9), kind: 'fallback', entry: 'handle', detail: 'P2 falls back here: malloc() <blocks>' },
  ],
};

test('regions are sorted into the three decoration kinds, details escaped for markdown hovers', () => {
  const plan = planRegions(PARAMS, 3, true);
  assert.notEqual(plan, 'keep');
  if (plan === 'keep') return;
  assert.deepEqual(plan.kernel, [{ range: range(4) }]);
  assert.equal(plan.handover.length, 1);
  assert.equal(plan.handover[0].hover, '**BPF Offload**: P2 is handed over here: when \\`s == NULL\\` holds');
  assert.equal(plan.fallback[0].hover, '**BPF Offload**: P2 falls back here: malloc() \\<blocks\\>');
});

test('shading off clears everything; a notification for an older version keeps what is drawn', () => {
  assert.deepEqual(planRegions(PARAMS, 3, false), EMPTY_PLAN);
  assert.deepEqual(planRegions(undefined, 1, true), EMPTY_PLAN);
  assert.equal(planRegions(PARAMS, 4, true), 'keep');
  assert.notEqual(planRegions(PARAMS, 2, true), 'keep', 'a newer analysis than the editor has seen is drawn');
});
