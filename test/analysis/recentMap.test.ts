// RecentMap (analysis/recentMap.ts) keeps the most recently set or touched keys up to its limit;
// the memos rely on its order, on each evicted value reaching onEvict exactly once (the worker
// deletes syntax trees there, RulesMemo disposes macro expanders), and on nothing else doing so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentMap } from '../../server/src/analysis/recentMap';

function recording(limit: number) {
  const evicted: [string, number][] = [];
  const map = new RecentMap<string, number>(limit, (key, value) => evicted.push([key, value]));
  return { map, evicted };
}

test('keys come least recently set first, and setting a kept key moves it to the end', () => {
  const { map, evicted } = recording(5);
  map.set('a', 1);
  map.set('b', 2);
  map.set('c', 3);
  map.set('a', 10);
  assert.deepEqual([...map.keys()], ['b', 'c', 'a']);
  assert.deepEqual([...map.values()], [2, 3, 10]);
  assert.equal(map.get('a'), 10);
  assert.equal(map.size, 3);
  assert.deepEqual(evicted, [], 'a replaced value is not evicted');
});

test('beyond the limit the least recently used entry goes, through onEvict, once', () => {
  const { map, evicted } = recording(2);
  map.set('a', 1);
  map.set('b', 2);
  assert.deepEqual(evicted, []);
  map.set('c', 3);
  assert.deepEqual(evicted, [['a', 1]]);
  assert.deepEqual([...map.keys()], ['b', 'c']);
  assert.equal(map.has('a'), false);
  map.set('d', 4);
  assert.deepEqual(evicted, [['a', 1], ['b', 2]]);
  assert.deepEqual([...map.keys()], ['c', 'd']);
});

test('setting a kept key at the limit evicts nothing and saves it from the next eviction', () => {
  const { map, evicted } = recording(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('a', 11);
  assert.deepEqual(evicted, []);
  map.set('c', 3);
  assert.deepEqual(evicted, [['b', 2]]);
  assert.deepEqual([...map.keys()], ['a', 'c']);
});

test('get and has leave the order alone; touch moves a kept key and ignores a missing one', () => {
  const { map, evicted } = recording(2);
  map.set('a', 1);
  map.set('b', 2);
  assert.equal(map.get('a'), 1);
  assert.equal(map.has('a'), true);
  map.set('c', 3);
  assert.deepEqual(evicted, [['a', 1]], 'reading a did not make it recent');

  assert.equal(map.touch('b'), true);
  assert.equal(map.touch('missing'), false);
  assert.equal(map.has('missing'), false);
  assert.deepEqual([...map.keys()], ['c', 'b']);
  map.set('d', 4);
  assert.deepEqual(evicted, [['a', 1], ['c', 3]], 'touching b made c the oldest');
});

test('delete and clear drop entries without calling onEvict', () => {
  const { map, evicted } = recording(3);
  map.set('a', 1);
  map.set('b', 2);
  assert.equal(map.delete('a'), true);
  assert.equal(map.delete('a'), false);
  assert.deepEqual([...map.keys()], ['b']);
  map.set('c', 3);
  map.set('d', 4);
  assert.deepEqual(evicted, [], 'the deleted entry freed room');
  map.clear();
  assert.equal(map.size, 0);
  assert.deepEqual(evicted, []);
});

test('onEvict sees the map without the evicted entry', () => {
  const seen: string[][] = [];
  const map: RecentMap<string, number> = new RecentMap<string, number>(1, () => seen.push([...map.keys()]));
  map.set('a', 1);
  map.set('b', 2);
  assert.deepEqual(seen, [['b']]);
});

test('a limit below 1 is refused', () => {
  assert.throws(() => new RecentMap(0), /at least 1/);
  assert.throws(() => new RecentMap(Number.NaN), /at least 1/);
  assert.equal(new RecentMap(1).limit, 1);
});
