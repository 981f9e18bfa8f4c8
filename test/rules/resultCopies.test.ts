// A function's kept results (rules/functionResults.ts) are handed out by every later analysis
// that reuses them: frozenCopy must give a deep, frozen copy that shares nothing with what the
// checks built (other than the shape of what was shared inside it), and detached strings must not
// keep the text they were cut from alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { detached, frozenCopy } from '../../server/src/analysis/rules/functionResults';

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

test('frozenCopy copies every object, freezes the copy all the way down and leaves the original alone', () => {
  const range = { start: { line: 3, character: 4 }, end: { line: 3, character: 9 } };
  const original = [{ file: '/src/server/handler-with-a-long-name.c', range, code: 'blocking-call', message: 'accept() is a socket system call', data: { fixes: [{ fix: 'mark-skip', functionName: 'drive', insertAt: { line: 2, character: 0 } }] } }];
  const copy = frozenCopy(original);
  assert.deepEqual(copy, original);
  assert.ok(isDeepFrozen(copy), 'every level of the copy is frozen');
  assert.ok(!Object.isFrozen(original) && !Object.isFrozen(range), 'the original is not frozen');
  assert.notEqual(copy[0], original[0]);
  assert.notEqual(copy[0].range, range);
  assert.notEqual(copy[0].data.fixes[0], original[0].data.fixes[0]);
  // The checks' own objects stay theirs to change: the copy does not follow them.
  range.start.line = 99;
  original[0].data.fixes[0].functionName = 'other';
  assert.equal(copy[0].range.start.line, 3);
  assert.equal(copy[0].data.fixes[0].functionName, 'drive');
});

test('frozenCopy copies an object held in several places once, and two equal objects twice', () => {
  const chain = [{ location: { file: 'a.c', range: { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } } }, message: 'f is called from main here' }];
  const skip = { fix: 'mark-skip', functionName: 'f', insertAt: { line: 0, character: 0 } };
  const sameAsSkip = { ...skip, insertAt: { ...skip.insertAt } };
  const diagnostics = [
    { code: 'a', related: chain, data: { fixes: [skip] } },
    { code: 'b', related: chain, data: { fixes: [skip] } },
    { code: 'c', related: [...chain], data: { fixes: [sameAsSkip] } },
  ];
  const copy = frozenCopy(diagnostics);
  assert.deepEqual(copy, diagnostics);
  assert.equal(copy[0].related, copy[1].related, 'the shared chain has one copy');
  assert.notEqual(copy[0].related, chain);
  assert.equal(copy[0].data.fixes[0], copy[1].data.fixes[0], 'the shared fix has one copy');
  // Equal but distinct objects are not merged: the copy has the original's shape.
  assert.notEqual(copy[2].related, copy[0].related);
  assert.equal(copy[2].related[0], copy[0].related[0], 'the same element inside two arrays is one copy');
  assert.notEqual(copy[2].data.fixes[0], copy[0].data.fixes[0]);
  // Each call starts afresh: a later copy shares nothing with an earlier one.
  assert.notEqual(frozenCopy(diagnostics)[0].related, copy[0].related);
});

test('detached strings equal their source and do not keep the text they were cut from alive', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  assert.equal(detached('short'), 'short');
  const text = 'int main(void) { return 0; }\n'.repeat(20);
  assert.equal(detached(text.slice(5, 400)), text.slice(5, 400));
  assert.equal(detached(`${text.slice(0, 20)}: ${text.slice(30, 60)}`), `${text.slice(0, 20)}: ${text.slice(30, 60)}`);
  const measure = (keep: (s: string) => string) => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: string[] = [];
    for (let i = 0; i < 40; i++) {
      // A new 1 MB text each time (flattened), of which only a small piece and a message are kept.
      const big = `${i}`.padEnd(1_000_000, `/* version ${i} */`);
      big.charCodeAt(500_000);
      kept.push(keep(big.slice(1000, 6000)), keep(`call of ${big.slice(10, 40)} in ${big.slice(50, 90)}`));
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(kept.length, 80);
    return grown;
  };
  const pinned = measure((s) => s);
  const copied = measure(detached);
  assert.ok(pinned > 30_000_000, `slices keep their texts alive (${pinned} bytes): the measure sees pinning`);
  assert.ok(copied < 5_000_000, `detached pieces keep ${copied} bytes alive`);
});
