// The control-flow graph of branches, switches and loops: which edges each statement makes,
// where break and continue go, and which blocks each loop records. Jumps out of the structure
// (return, goto) and the graph's queries are cfgJumpsAndQueries.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC } from '../../server/src/analysis/syntax';
import { loopsContaining, reachableBlocks, unreachableBlocks } from '../../server/src/analysis/cfg';
import { cfgOf } from './cfgHelpers';

test('if/else: true and false edges meet again after the statement', async () => {
  await initC();
  const g = cfgOf('int f(int x) { a(); if (x > 1) b(); else c(); d(); return 0; }');
  assert.equal(g.block('(x > 1)').kind, 'condition');
  assert.deepEqual(g.kinds('a();', '(x > 1)'), ['next']);
  assert.deepEqual(g.kinds('(x > 1)', 'b();'), ['true']);
  assert.deepEqual(g.kinds('(x > 1)', 'c();'), ['false']);
  assert.deepEqual(g.kinds('b();', 'd();'), ['next']);
  assert.deepEqual(g.kinds('c();', 'd();'), ['next']);
  assert.equal(g.block('d();').id, g.block('return 0;').id, 'straight-line statements share a block');
  assert.deepEqual(g.kinds('return 0;', g.cfg.exit), ['return']);
  assert.deepEqual(g.kinds(g.cfg.entry, 'a();'), ['next']);
});

test('if without else: the false edge goes to the statement after', async () => {
  await initC();
  const g = cfgOf('void f(int x) { if (x) b(); d(); }');
  assert.deepEqual(g.kinds('(x)', 'd();'), ['false']);
  assert.deepEqual(g.kinds('b();', 'd();'), ['next']);
  assert.deepEqual(g.kinds('d();', g.cfg.exit), ['next']);
});

test('switch: case 1 falls into case 2, break leaves the switch, default dispatch', async () => {
  await initC();
  const g = cfgOf(`int f(int x) {
  switch (x) {
  case 1:
    one();
  case 2:
    two();
    break;
  default:
    other();
  }
  after();
  return 0;
}`);
  const dispatch = g.block('(x)');
  assert.equal(dispatch.kind, 'switch');
  const one = g.block('one();');
  const two = g.block('two();');
  assert.equal(one.label, 'case 1');
  assert.equal(two.label, 'case 2');
  assert.equal(g.block('other();').label, 'default');
  assert.deepEqual(g.kinds('(x)', 'one();'), ['case']);
  assert.deepEqual(g.kinds('(x)', 'two();'), ['case']);
  assert.deepEqual(g.kinds('(x)', 'other();'), ['default']);
  assert.deepEqual(g.kinds('one();', 'two();'), ['fallthrough']);
  assert.equal(g.block('break;').id, two.id);
  assert.deepEqual(g.kinds('two();', 'after();'), ['break']);
  assert.deepEqual(g.kinds('two();', 'other();'), [], 'break does not fall into default');
  assert.deepEqual(g.kinds('other();', 'after();'), ['next']);
  assert.deepEqual(g.kinds('(x)', 'after();'), [], 'a default exists, so the switch never skips every case');
});

test('switch without default: dispatch can skip to after the switch; stacked labels fall through', async () => {
  await initC();
  const g = cfgOf(`void f(int x) {
  switch (x) { case 1: case 2: both(); break; }
  after();
}`);
  const case1 = g.cfg.blocks.find((b) => b.label === 'case 1');
  assert.ok(case1);
  assert.deepEqual(g.kinds(case1.id, 'both();'), ['fallthrough']);
  assert.deepEqual(g.kinds('(x)', 'after();'), ['default']);
});

test('while: back edge from the body end, false edge out, loop recorded with its body', async () => {
  await initC();
  const g = cfgOf('void f(int n) { int i = 0; while (i < n) { work(i); i++; } done(); }');
  const header = g.block('(i < n)');
  assert.deepEqual(g.kinds('(i < n)', 'work(i);'), ['true']);
  assert.deepEqual(g.kinds('(i < n)', 'done();'), ['false']);
  assert.deepEqual(g.kinds('i++;', '(i < n)'), ['back']);
  assert.equal(g.cfg.loops.length, 1);
  const loop = g.cfg.loops[0];
  assert.equal(loop.kind, 'while');
  assert.equal(loop.header, header.id);
  assert.deepEqual(loop.body, [header.id, g.block('work(i);').id].sort((a, b) => a - b));
  assert.ok(!loop.body.includes(g.block('done();').id));
  assert.equal(g.textOf(loop.range).startsWith('while (i < n)'), true);
});

test('for(;;) and while(1) have no false edge: only break/return leave them', async () => {
  await initC();
  const g = cfgOf(`int f(void) {
  for (;;) { if (ready()) break; spin(); }
  while (1) { if (poll()) return 1; }
}`);
  const forLoop = g.cfg.loops.find((l) => l.kind === 'for');
  const whileLoop = g.cfg.loops.find((l) => l.kind === 'while');
  assert.ok(forLoop && whileLoop);
  const forOuts = g.cfg.edges.filter((e) => e.from === forLoop.header).map((e) => e.kind);
  assert.deepEqual(forOuts, ['true']);
  assert.deepEqual(g.kinds('(1)', '(poll())'), ['true']);
  assert.equal(g.cfg.edges.filter((e) => e.from === g.block('(1)').id).length, 1);
  assert.deepEqual(g.kinds('(ready())', 'break;'), ['true']);
  assert.deepEqual(g.kinds('break;', '(1)'), ['break'], 'break leaves the for loop for the while');
  assert.deepEqual(g.kinds('return 1;', g.cfg.exit), ['return']);
  // Nothing falls off the end: the while loop only exits by returning.
  assert.deepEqual(
    g.cfg.edges.filter((e) => e.to === g.cfg.exit).map((e) => e.kind),
    ['return'],
  );
});

test('for with init, condition and update: continue goes to the update, update closes the loop', async () => {
  await initC();
  const g = cfgOf(`void f(int n) {
  for (int i = 0; i < n; i++) {
    if (skip(i)) continue;
    use(i);
  }
}`);
  assert.equal(g.block('int i = 0;').kind, 'statement');
  assert.deepEqual(g.kinds('int i = 0;', 'i < n'), ['next']);
  assert.deepEqual(g.kinds('continue;', 'i++'), ['continue']);
  assert.deepEqual(g.kinds('use(i);', 'i++'), ['next']);
  assert.deepEqual(g.kinds('i++', 'i < n'), ['back']);
  assert.deepEqual(g.kinds('i < n', g.cfg.exit), ['false']);
  const loop = g.cfg.loops[0];
  assert.equal(loop.header, g.block('i < n').id);
  assert.ok(loop.body.includes(g.block('i++').id));
  assert.ok(loop.body.includes(g.block('continue;').id));
});

test('nested loops: break and continue bind to the innermost loop, break in a switch to the switch', async () => {
  await initC();
  const g = cfgOf(`void f(int n) {
  while (outer()) {
    for (int j = 0; j < n; j++) {
      if (a()) { fail(); break; }
      if (b()) continue;
      switch (j) { case 0: zero(); break; default: continue; }
      inner();
    }
    tail();
  }
}`);
  assert.deepEqual(g.kinds('fail();', 'tail();'), ['break']);
  const continues = g.cfg.edges.filter((e) => e.kind === 'continue');
  assert.equal(continues.length, 2);
  for (const edge of continues) assert.equal(edge.to, g.block('j++').id, 'continue goes to the for update');
  const zero = g.block('zero();');
  assert.deepEqual(g.kinds('zero();', 'inner();'), ['break'], 'break inside the switch leaves only the switch');
  assert.deepEqual(g.kinds('tail();', '(outer())'), ['back']);
  const outer = g.cfg.loops.find((l) => l.kind === 'while')!;
  const inner = g.cfg.loops.find((l) => l.kind === 'for')!;
  assert.ok(outer.body.includes(zero.id) && inner.body.includes(zero.id));
  assert.ok(outer.body.includes(g.block('tail();').id) && !inner.body.includes(g.block('tail();').id));
  assert.deepEqual(
    loopsContaining(g.cfg, zero.id).map((l) => l.kind),
    ['for', 'while'],
  );
  assert.equal(g.cfg.loops[0], outer, 'loops are ordered outermost first by position');
});

test('do-while: the body runs first, the condition loops back; continue goes to the condition', async () => {
  await initC();
  const g = cfgOf('void f(void) { start(); do { if (x()) continue; step(); } while (more()); end(); }');
  const loop = g.cfg.loops[0];
  assert.equal(loop.kind, 'do');
  assert.deepEqual(g.kinds('start();', loop.header), ['next']);
  assert.deepEqual(g.kinds(loop.header, '(x())'), ['next']);
  assert.deepEqual(g.kinds('step();', '(more())'), ['next']);
  assert.deepEqual(g.kinds('continue;', '(more())'), ['continue']);
  assert.deepEqual(g.kinds('(more())', 'end();'), ['false']);
  assert.deepEqual(g.kinds('(more())', loop.header), ['back']);
  assert.ok(loop.body.includes(g.block('(more())').id));
});

test('do { } while (0) is a block, not a loop', async () => {
  await initC();
  const g = cfgOf('void f(void) { do { if (x()) break; y(); } while (0); z(); }');
  assert.equal(g.cfg.loops.length, 0);
  assert.equal(g.cfg.edges.filter((e) => e.kind === 'back').length, 0);
  assert.deepEqual(g.kinds('break;', 'z();'), ['break']);
  assert.deepEqual(g.kinds('(0)', 'z();'), ['false']);
});

test("case labels nested inside a loop in the switch body (Duff's device) are dispatched to", async () => {
  await initC();
  const g = cfgOf(`void send(int *to, int *from, int count) {
  int n = (count + 7) / 8;
  switch (count % 8) {
    before();
  case 0: do { zero();
  case 7:      seven();
          } while (--n > 0);
  }
}`);
  assert.deepEqual(g.kinds('(count % 8)', 'seven();'), ['case']);
  assert.deepEqual(g.kinds('zero();', 'seven();'), ['fallthrough']);
  assert.deepEqual(g.kinds('(count % 8)', g.cfg.exit), ['default']);
  assert.ok(!reachableBlocks(g.cfg).has(g.block('before();').id), 'code before the first case never runs');
  const loop = g.cfg.loops[0];
  assert.equal(loop.kind, 'do');
  assert.ok(loop.body.includes(g.block('seven();').id));
});

test('#ifdef around a case label: the case is dispatched to and nothing is reported dead', async () => {
  await initC();
  const g = cfgOf(`void f(int x) {
  switch (x) {
  case 1: one(); break;
#ifdef PROXY
  case 2: two(); break;
#endif
  }
}`);
  assert.deepEqual(g.kinds('(x)', 'two();'), ['case']);
  assert.deepEqual(unreachableBlocks(g.cfg), []);
});
