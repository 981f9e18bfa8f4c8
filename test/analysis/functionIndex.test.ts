// FunctionIndex against a plain Map: after any run of removals and additions (past the point where
// the changes are folded into a copy), it answers as the map does, and every index derived
// earlier still answers as it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FunctionIndex } from '../../server/src/analysis/functionIndex';
import type { FunctionInfo } from '../../server/src/analysis/model';
import { Rng } from '../fuzz/prng';

const fnNamed = (name: string) => ({ name }) as unknown as FunctionInfo;

test('a derived index answers as a map changed the same way; earlier ones are unchanged', () => {
  const rng = new Rng(9);
  const pool = Array.from({ length: 300 }, (_, i) => fnNamed(`f${i}`));
  const first = new Map(pool.slice(0, 150).map((fn, i) => [fn, i]));
  const history: { index: FunctionIndex; model: Map<FunctionInfo, number> }[] = [{ index: FunctionIndex.of(new Map(first)), model: first }];
  for (let step = 0; step < 200; step++) {
    const { index, model } = history[history.length - 1];
    const removed = pool.filter(() => rng.chance(0.01));
    const added = pool.filter(() => rng.chance(0.01)).map((fn): [FunctionInfo, number] => [fn, rng.int(100)]);
    const next = new Map(model);
    for (const fn of removed) next.delete(fn);
    for (const [fn, position] of added) next.set(fn, position);
    history.push({ index: index.with(removed, added), model: next });
  }
  for (const [at, { index, model }] of history.entries()) {
    for (const fn of pool) assert.equal(index.get(fn), model.get(fn), `after ${at} steps, ${fn.name}`);
  }
});
