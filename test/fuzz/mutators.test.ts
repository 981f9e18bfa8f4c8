// The fuzzer's own mutators must not fail where the server is not at fault: found by the fuzz
// run of seed 696150964, where hundredThousandLines repeated lines that `unbalanced` had made
// tens of kilobytes long and the join went over JavaScript's longest string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MUTATORS } from './mutators';
import { Rng } from './prng';

test('hundredThousandLines pads short lines to 100k lines and stops long ones at its size bound', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const short = MUTATORS.hundredThousandLines('int x;\nint y;\n', new Rng(seed));
    assert.equal(short.split('\n').length, 100_000, `seed ${seed}: 100k lines of short text`);
    const long = MUTATORS.hundredThousandLines(`${'('.repeat(40_000)}\n${'{'.repeat(40_000)}\n`, new Rng(seed));
    assert.ok(long.length <= 16 * 1024 * 1024 + 40_001, `seed ${seed}: ${long.length} chars is over the bound`);
    const lines = long.split('\n').length;
    assert.ok(lines === 100_000 || long.length >= 16 * 1024 * 1024, `seed ${seed}: 100k lines or the whole bound (${lines} lines, ${long.length} chars)`);
  }
});
