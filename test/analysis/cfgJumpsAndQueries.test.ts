// The control-flow graph around return and goto (unreachable code, loops formed by a backward
// goto), the queries on a graph (blockAt, functionDefinitions), and graphs of malformed input.
// Branches, switches and loops are cfg.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { blockAt, buildCfg, functionDefinitions, reachableBlocks, unreachableBlocks } from '../../server/src/analysis/cfg';
import { cfgOf } from './cfgHelpers';

test('return inside a loop goes to the exit; code after return, break and goto is unreachable', async () => {
  await initC();
  const g = cfgOf(`int f(int n) {
  while (n--) {
    if (found(n)) { return n; dead1(); }
    if (stop()) { break; dead2(); }
  }
  goto out;
  dead3();
out:
  return -1;
}`);
  assert.deepEqual(g.kinds('return n;', g.cfg.exit), ['return']);
  const reachable = reachableBlocks(g.cfg);
  for (const dead of ['dead1();', 'dead2();', 'dead3();']) {
    const block = g.block(dead);
    assert.ok(!reachable.has(block.id), `${dead} is unreachable`);
    assert.equal(g.cfg.edges.filter((e) => e.to === block.id).length, 0);
  }
  assert.deepEqual(
    unreachableBlocks(g.cfg).map((b) => g.textOf(b.ranges[0])).sort(),
    ['dead1();', 'dead2();', 'dead3();'],
  );
  assert.ok(reachable.has(g.block('return -1;').id));
  assert.equal(g.block('return -1;').kind, 'label');
  assert.equal(g.block('return -1;').label, 'out');
});

test('goto forward skips code; a backward goto forms a goto loop headed by the label', async () => {
  await initC();
  const g = cfgOf(`int f(int fd) {
  int tries = 0;
retry:
  if (attempt(fd) < 0) {
    if (++tries < 3) goto retry;
    goto fail;
  }
  ok();
  return 0;
fail:
  cleanup();
  return -1;
}`);
  const retry = g.cfg.blocks.find((b) => b.label === 'retry')!;
  assert.equal(retry.kind, 'label');
  assert.deepEqual(g.kinds('int tries = 0;', retry.id), ['next']);
  assert.deepEqual(g.kinds('goto retry;', retry.id), ['goto']);
  assert.deepEqual(g.kinds('goto fail;', 'cleanup();'), ['goto']);
  assert.equal(g.cfg.loops.length, 1);
  const loop = g.cfg.loops[0];
  assert.equal(loop.kind, 'goto');
  assert.equal(loop.header, retry.id);
  assert.ok(loop.body.includes(g.block('(attempt(fd) < 0)').id));
  assert.ok(loop.body.includes(g.block('goto retry;').id));
  assert.ok(!loop.body.includes(g.block('ok();').id));
  assert.ok(!loop.body.includes(g.block('cleanup();').id));
  assert.ok(g.textOf(loop.range).startsWith('retry:'));
  assert.ok(g.textOf(loop.range).endsWith('goto retry;'));
});

test('a backward goto whose label cannot reach it is not a loop', async () => {
  await initC();
  const g = cfgOf(`void f(int x) {
  if (x) { L: a(); return; }
  goto L;
}`);
  assert.deepEqual(g.kinds('goto L;', 'a();'), ['goto']);
  assert.equal(g.cfg.loops.length, 0);
});

test('blockAt maps a source position to the innermost block holding it', async () => {
  await initC();
  const source = 'void f(int n) {\n  while (n) {\n    g(n);\n    n--;\n  }\n}\n';
  const g = cfgOf(source);
  const atCall = blockAt(g.cfg, { line: 2, character: 5 });
  assert.equal(atCall?.id, g.block('g(n);').id);
  const atCondition = blockAt(g.cfg, { line: 1, character: 10 });
  assert.equal(atCondition?.id, g.block('(n)').id);
  assert.equal(blockAt(g.cfg, { line: 0, character: 0 }), undefined);
});

test('every block range points at source and every edge names existing blocks', async () => {
  await initC();
  const g = cfgOf(`int f(int x) {
  switch (x) { case 1: { int y = ({ int z = x; z * 2; }); return y; } default: break; }
#ifdef FAST
  fast();
#else
  slow();
#endif
  return 0;
}`);
  const ids = new Set(g.cfg.blocks.map((b) => b.id));
  g.cfg.blocks.forEach((b, i) => assert.equal(b.id, i));
  for (const e of g.cfg.edges) assert.ok(ids.has(e.from) && ids.has(e.to));
  assert.deepEqual(g.kinds('FAST', 'fast();'), ['true']);
  assert.deepEqual(g.kinds('FAST', 'slow();'), ['false']);
  assert.equal(g.block('int y = ({ int z = x; z * 2; });').id, g.block('return y;').id);
});

test('malformed C gives a graph instead of an exception', async () => {
  await initC();
  const sources = [
    'int f(int x) { if (x { return 1; } while ( { } goto ; case 3: break; continue; }',
    'void f() { for (int i = 0; i < ; ) switch }',
    'void f() { L: L: goto M; }',
    'int f(void) { return ({ if (1) 2; }) }',
  ];
  for (const source of sources) {
    const parsed = parseC(source);
    const tree = plainTreeOf(parsed);
    try {
      for (const definition of functionDefinitions(tree)) {
        const cfg = buildCfg(definition);
        assert.ok(cfg.blocks[cfg.entry].kind === 'entry' && cfg.blocks[cfg.exit].kind === 'exit');
        for (const e of cfg.edges) assert.ok(cfg.blocks[e.from] && cfg.blocks[e.to]);
      }
    } finally {
      parsed.delete();
    }
  }
});

test('buildCfg refuses a node that is not a function definition', async () => {
  await initC();
  const parsed = parseC('int x;');
  const tree = plainTreeOf(parsed);
  try {
    assert.throws(() => buildCfg(tree.rootNode), /function_definition/);
  } finally {
    parsed.delete();
  }
});

test('functionDefinitions finds definitions under #ifdef and reports CFG function names', async () => {
  await initC();
  const parsed = parseC('#ifdef X\nstatic int *a(void) { return 0; }\n#endif\nint (b)(int y) { return y; }\nint c(void);\n');
  const tree = plainTreeOf(parsed);
  try {
    assert.deepEqual(
      functionDefinitions(tree).map((d) => buildCfg(d).functionName),
      ['a', 'b'],
    );
  } finally {
    parsed.delete();
  }
});
