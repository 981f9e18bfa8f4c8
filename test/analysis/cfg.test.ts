import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import {
  blockAt,
  buildCfg,
  functionDefinitions,
  loopsContaining,
  reachableBlocks,
  unreachableBlocks,
} from '../../server/src/analysis/cfg';
import type { CfgBlock, CfgEdgeKind, ControlFlowGraph, Range } from '../../server/src/analysis/model';

interface Built {
  cfg: ControlFlowGraph;
  /** The block holding the statement or condition whose source text is exactly `snippet`. */
  block(snippet: string): CfgBlock;
  /** Kinds of the edges from the block of `from` to the block of `to` (ids for entry/exit). */
  kinds(from: string | number, to: string | number): CfgEdgeKind[];
  textOf(range: Range): string;
}

function cfgOf(source: string, name?: string): Built {
  const parsed = parseC(source);
  const tree = plainTreeOf(parsed);
  try {
    const definitions = functionDefinitions(tree);
    const definition = name ? definitions.find((d) => d.text.includes(`${name}(`)) : definitions[0];
    assert.ok(definition, 'test source has the function');
    const cfg = buildCfg(definition);
    const lines = source.split('\n');
    const textOf = (r: Range): string => {
      if (r.start.line === r.end.line) return lines[r.start.line].slice(r.start.character, r.end.character);
      const parts = [lines[r.start.line].slice(r.start.character)];
      for (let l = r.start.line + 1; l < r.end.line; l++) parts.push(lines[l]);
      parts.push(lines[r.end.line].slice(0, r.end.character));
      return parts.join('\n');
    };
    const block = (snippet: string): CfgBlock => {
      const matches = cfg.blocks.filter((b) => b.ranges.some((r) => textOf(r) === snippet));
      assert.equal(matches.length, 1, `exactly one block holds ${JSON.stringify(snippet)}: ${render(cfg, textOf)}`);
      return matches[0];
    };
    const idOf = (x: string | number) => (typeof x === 'number' ? x : block(x).id);
    const kinds = (from: string | number, to: string | number) =>
      cfg.edges.filter((e) => e.from === idOf(from) && e.to === idOf(to)).map((e) => e.kind).sort();
    return { cfg, block, kinds, textOf };
  } finally {
    parsed.delete();
  }
}

function render(cfg: ControlFlowGraph, textOf: (r: Range) => string): string {
  const blocks = cfg.blocks.map((b) => `  #${b.id} ${b.kind}${b.label ? `(${b.label})` : ''} [${b.ranges.map(textOf).join(' | ')}]`);
  const edges = cfg.edges.map((e) => `  ${e.from}->${e.to} ${e.kind}`);
  return `\n${blocks.join('\n')}\n${edges.join('\n')}`;
}

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
