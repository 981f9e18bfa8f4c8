// affectedBy (rules/walkReuse.ts) finds which recorded walk values an edit may have changed: the
// changed functions and all their callers, transitively. It scans the recorded calls in their
// order and falls back to inverting them when that order keeps adding callers; every order of the
// same calls must give the same set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { affectedBy } from '../../server/src/analysis/rules/walkReuse';

/** Callers of the changed functions, transitively, by a plain search: what affectedBy must find. */
function expected(changed: string[], callees: Map<string, string[]>): Set<string> {
  const found = new Set(changed);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [caller, list] of callees)
      if (!found.has(caller) && list.some((callee) => found.has(callee))) {
        found.add(caller);
        grew = true;
      }
  }
  return found;
}

/** A small deterministic generator, so a failure names the graph it failed on. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

test('affectedBy takes in callers recorded after or before their callees, through chains and cycles', () => {
  // A chain recorded callers first (the worst order for a scan), a cycle, and a bystander.
  const chain = new Map<string, string[]>();
  for (let i = 0; i < 12; i++) chain.set(`f${i}`, [`f${i + 1}`]);
  chain.set('f12', []);
  chain.set('ping', ['pong', 'f12']);
  chain.set('pong', ['ping']);
  chain.set('alone', ['f0']);
  const fromLeaf = affectedBy(['f12'], chain);
  assert.deepEqual([...fromLeaf].sort(), [...expected(['f12'], chain)].sort());
  assert.equal(fromLeaf.size, 16, 'the whole chain, the cycle and the caller of its top');
  // The same calls recorded callees first.
  const reversed = new Map([...chain].reverse());
  assert.deepEqual([...affectedBy(['f12'], reversed)].sort(), [...fromLeaf].sort());
  assert.deepEqual([...affectedBy(['pong'], chain)].sort(), ['ping', 'pong']);
  assert.deepEqual([...affectedBy(['alone'], chain)], ['alone']);
  assert.equal(affectedBy([], chain).size, 0);
});

test('affectedBy equals a plain search on random call records', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = generator(seed);
    const count = 2 + Math.floor(random() * 40);
    const names = Array.from({ length: count }, (_, i) => `fn${i}`);
    const callees = new Map<string, string[]>();
    for (const name of names) {
      if (random() < 0.1) continue; // a function never walked: a callee only
      callees.set(name, names.filter(() => random() < 3 / count));
    }
    const changed = names.filter(() => random() < 0.08);
    assert.deepEqual([...affectedBy(changed, callees)].sort(), [...expected(changed, callees)].sort(), `seed ${seed}`);
  }
});
