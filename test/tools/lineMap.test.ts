import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LineMapBuilder, LineMapError, MappedTextWriter, lineMapPath, originalLineOf, parseLineMap, readLineMap,
  resolveOriginal, serializeLineMap, writeLineMap,
} from '../../server/src/tools/lineMap';

test('consecutive lines from one origin share a span; lookups find each line', () => {
  const map = new LineMapBuilder('kv.bpf.c')
    .mapRange(10, 14, '../kv-cache.c', 88)
    .map(15, '../kv-cache.c', 89)
    .map(20, 'proto.h', 3)
    .map(16, '../kv-cache.c', 89)
    .build();
  assert.deepEqual(map.sources, ['../kv-cache.c', 'proto.h']);
  assert.deepEqual(map.spans, [
    { generated: [10, 14], source: 0, line: 88 },
    { generated: [15, 16], source: 0, line: 89 },
    { generated: [20, 20], source: 1, line: 3 },
  ]);
  assert.deepEqual(originalLineOf(map, 12), { file: '../kv-cache.c', line: 88 });
  assert.deepEqual(originalLineOf(map, 16), { file: '../kv-cache.c', line: 89 });
  assert.deepEqual(originalLineOf(map, 20), { file: 'proto.h', line: 3 });
  assert.equal(originalLineOf(map, 9), undefined);
  assert.equal(originalLineOf(map, 17), undefined);
  assert.equal(originalLineOf(map, 21), undefined);
});

test('the writer numbers lines itself, multi-line text maps every line', () => {
  const out = new MappedTextWriter('x.bpf.c');
  out.write('#include <linux/bpf.h>');
  assert.equal(out.nextLine, 2);
  out.write('if (a)\n    return 1;\n', { file: 'x.c', line: 7 });
  out.write('return 0;', { file: 'x.c', line: 9 });
  assert.equal(out.text(), '#include <linux/bpf.h>\nif (a)\n    return 1;\nreturn 0;\n');
  const map = out.lineMap();
  assert.equal(originalLineOf(map, 1), undefined);
  assert.deepEqual(originalLineOf(map, 3), { file: 'x.c', line: 7 });
  assert.deepEqual(originalLineOf(map, 4), { file: 'x.c', line: 9 });
});

test('bad input is refused with a clear message', () => {
  assert.throws(() => new LineMapBuilder('a').map(0, 'x.c', 1), LineMapError);
  assert.throws(() => new LineMapBuilder('a').mapRange(5, 4, 'x.c', 1), /empty/);
  assert.throws(() => parseLineMap('{'), /not JSON/);
  assert.throws(() => parseLineMap('{"version":2}'), /unsupported version 2/);
  assert.throws(() => parseLineMap('{"version":1,"generated":"a","sources":["x"],"spans":[{"generated":[3,2],"source":0,"line":1}]}'), /span 0 is malformed/);
  assert.throws(() => parseLineMap('{"version":1,"generated":"a","sources":["x"],"spans":[{"generated":[1,1],"source":1,"line":1}]}'), /span 0/);
  assert.throws(
    () => parseLineMap('{"version":1,"generated":"a","sources":["x"],"spans":[{"generated":[4,6],"source":0,"line":1},{"generated":[5,5],"source":0,"line":2}]}'),
    /span 1 overlaps/,
  );
});

test('the sidecar file round-trips and a missing or broken one is reported, not thrown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-linemap-'));
  try {
    const generated = join(dir, 'kv.bpf.c');
    assert.equal(lineMapPath(generated), `${generated}.map.json`);
    assert.deepEqual(readLineMap(generated), { status: 'missing', path: `${generated}.map.json` });
    const map = new LineMapBuilder('kv.bpf.c').map(3, '../src/kv.c', 40).build();
    const written = writeLineMap(generated, map);
    assert.equal(readFileSync(written, 'utf8'), serializeLineMap(map));
    const read = readLineMap(generated);
    assert.equal(read.status, 'loaded');
    if (read.status === 'loaded') assert.deepEqual(read.map, map);
    assert.equal(resolveOriginal(dir, '../src/kv.c'), join(dir, '..', 'src', 'kv.c'));
    assert.equal(resolveOriginal(dir, '/abs/kv.c'), '/abs/kv.c');
    writeFileSync(written, '{"version":1}');
    const broken = readLineMap(generated);
    assert.equal(broken.status, 'invalid');
    if (broken.status === 'invalid') assert.match(broken.reason, /"generated" must be a file name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
