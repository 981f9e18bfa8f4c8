// Cycle groups found from scratch, and the check that lets a call graph rebuilt after an edit keep
// the previous groups: whenever it says they are unchanged, a search from scratch must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleGroups, cyclesUnchanged, type ChangedCalls } from '../../server/src/analysis/callCycles';
import { Rng } from '../fuzz/prng';

/** Cycle groups by the definition: i and j share a group when each reaches the other. */
function groupsByReachability(successors: number[][]): number[][] {
  const reach = successors.map((_, start) => {
    const seen = new Set<number>();
    const work = [...successors[start]];
    while (work.length) {
      const at = work.pop()!;
      if (seen.has(at)) continue;
      seen.add(at);
      work.push(...successors[at]);
    }
    return seen;
  });
  const groups: number[][] = [];
  const placed = new Set<number>();
  successors.forEach((_, i) => {
    if (placed.has(i) || !reach[i].has(i)) return;
    const group = successors.map((__, j) => j).filter((j) => j === i || (reach[i].has(j) && reach[j].has(i)));
    for (const j of group) placed.add(j);
    groups.push(group);
  });
  return groups;
}

function randomGraph(rng: Rng, count: number): number[][] {
  return Array.from({ length: count }, () => Array.from({ length: rng.int(3) }, () => rng.int(count)));
}

test('cycle groups are the sets of functions that reach each other, self-recursion included', () => {
  const rng = new Rng(3);
  for (let i = 0; i < 300; i++) {
    const graph = randomGraph(rng, 1 + rng.int(9));
    assert.deepEqual(cycleGroups(graph), groupsByReachability(graph), JSON.stringify(graph));
  }
});

test('cycles reported unchanged after random changes of some functions\u2019 calls are unchanged', () => {
  const rng = new Rng(5);
  const outcomes = { unchanged: 0, recomputed: 0, recomputedButSame: 0 };
  for (let i = 0; i < 2000; i++) {
    const count = 2 + rng.int(8);
    const before = randomGraph(rng, count);
    const after = before.map((calls) => [...calls]);
    const changes: ChangedCalls[] = [];
    for (let k = 0; k <= rng.int(2); k++) {
      const caller = rng.int(count);
      if (changes.some((c) => c.caller === caller)) continue;
      const calls = rng.chance(0.5) ? before[caller].filter(() => rng.chance(0.5)) : [...before[caller]];
      if (rng.chance(0.6)) calls.push(rng.int(count));
      after[caller] = calls;
      changes.push({ caller, before: before[caller], after: calls });
    }
    const groupsBefore = cycleGroups(before);
    const groupsAfter = cycleGroups(after);
    if (cyclesUnchanged(groupsBefore, changes, (index) => after[index])) {
      outcomes.unchanged++;
      assert.deepEqual(groupsAfter, groupsBefore, JSON.stringify({ before, after }));
    } else {
      outcomes.recomputed++;
      if (JSON.stringify(groupsAfter) === JSON.stringify(groupsBefore)) outcomes.recomputedButSame++;
    }
  }
  // Both answers must occur for the test to mean anything, and most changes must not force a search.
  assert.ok(outcomes.unchanged > 500 && outcomes.recomputed > 200, JSON.stringify(outcomes));
});

test('the cases that change cycles are caught: a call in a cycle removed, a call closing one, a self-call', () => {
  // 0 → 1 → 2 → 0 is a cycle; 3 → 0 hangs off it.
  const graph = [[1], [2], [0], [0]];
  const groups = cycleGroups(graph);
  assert.deepEqual(groups, [[0, 1, 2]]);
  const unchanged = (caller: number, after: number[]) =>
    cyclesUnchanged(groups, [{ caller, before: graph[caller], after }], (index) => (index === caller ? after : graph[index]));
  assert.equal(unchanged(1, []), false, 'a call inside the cycle removed');
  assert.equal(unchanged(3, []), true, 'a call into the cycle removed');
  assert.equal(unchanged(0, [1, 3]), false, 'a call that closes a cycle 0 → 3 → 0');
  assert.equal(unchanged(3, [0, 3]), false, 'a self-call');
  assert.equal(unchanged(3, [0, 1]), true, 'another call into the cycle');
  assert.deepEqual(cycleGroups([[1], [2], [0], [3]]), [[0, 1, 2], [3]]);
  assert.equal(cyclesUnchanged([[0, 1, 2], [3]], [{ caller: 3, before: [3], after: [] }], (i) => [[1], [2], [0], []][i]), false, 'a self-call removed');
});
