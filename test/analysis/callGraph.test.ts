import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallGraph } from '../../server/src/analysis/callGraph';
import type { CallSite, FileSummary, FunctionInfo, Range } from '../../server/src/analysis/model';

// Summaries are built by hand here so these tests exercise resolution alone; the tests at
// the end go from C text through summarizeFile when that module is present.

const at = (line: number, character = 0, length = 1): Range => ({
  start: { line, character },
  end: { line, character: character + length },
});

function call(callee: string | undefined, line: number, character = 2): CallSite {
  const text = callee ?? '(*handler)';
  return { callee, calleeText: text, argumentCount: 0, range: at(line, character, text.length + 2), calleeRange: at(line, character, text.length) };
}

function fn(file: string, name: string, line: number, calls: CallSite[] = [], isStatic = false): FunctionInfo {
  return {
    name,
    file,
    range: { start: { line, character: 0 }, end: { line: line + 9, character: 1 } },
    nameRange: at(line, 4, name.length),
    bodyRange: { start: { line, character: 20 }, end: { line: line + 9, character: 1 } },
    returnType: 'int',
    params: [],
    locals: [],
    calls,
    isStatic,
    isVariadic: false,
    isInline: false,
  };
}

function summary(file: string, functions: FunctionInfo[], includes: string[] = []): FileSummary {
  return {
    file,
    functions,
    prototypes: [],
    globals: [],
    records: [],
    typedefs: [],
    enums: [],
    defines: [],
    annotations: [],
    includes,
    hasSyntaxErrors: false,
  };
}

const names = (fns: FunctionInfo[]) => fns.map((f) => `${f.file}:${f.name}`);

test('a call in a.c reaches helper() defined in b.c; a static helper in a file shadows it there', () => {
  const main = fn('a.c', 'main', 0, [call('helper', 2), call('util', 3)]);
  const staticUtilA = fn('a.c', 'util', 20, [], true);
  const helper = fn('b.c', 'helper', 0, [call('util', 1)]);
  const staticUtilB = fn('b.c', 'util', 20, [], true);
  const onlyInC = fn('c.c', 'private_thing', 0, [], true);
  const graph = CallGraph.build([summary('b.c', [helper, staticUtilB]), summary('a.c', [main, staticUtilA]), summary('c.c', [onlyInC])]);

  assert.deepEqual(names(graph.functions()), ['a.c:main', 'a.c:util', 'b.c:helper', 'b.c:util', 'c.c:private_thing']);
  assert.equal(graph.resolve('a.c', 'helper'), helper);
  assert.equal(graph.resolve('a.c', 'util'), staticUtilA);
  assert.equal(graph.resolve('b.c', 'util'), staticUtilB);
  assert.equal(graph.resolve('a.c', 'private_thing'), undefined, 'a static in another file is invisible');
  assert.equal(graph.resolve('a.c', 'recv'), undefined);

  assert.deepEqual(
    graph.callees(main).map((c) => [c.site.callee, c.target && `${c.target.file}:${c.target.name}`]),
    [['helper', 'b.c:helper'], ['util', 'a.c:util']],
  );
  assert.deepEqual(graph.callers(staticUtilB).map((c) => c.caller), [helper]);
  assert.deepEqual(graph.callers(staticUtilA).map((c) => c.caller), [main]);
  assert.equal(graph.key(helper), 'helper');
  assert.equal(graph.key(staticUtilA), 'a.c::util');
  assert.notEqual(graph.key(staticUtilA), graph.key(staticUtilB));
});

test('a static function in a header resolves from the files that include it', () => {
  const user = fn('src/a.c', 'user', 0, [call('clamp', 1)]);
  const clamp = fn('src/include/util.h', 'clamp', 0, [], true);
  const outsider = fn('src/b.c', 'outsider', 0, [call('clamp', 1)]);
  const graph = CallGraph.build([
    summary('src/a.c', [user], ['"include/util.h"']),
    summary('src/include/util.h', [clamp]),
    summary('src/b.c', [outsider], ['<stdio.h>']),
  ]);
  assert.equal(graph.callees(user)[0].target, clamp);
  assert.equal(graph.callees(outsider)[0].target, undefined);
});

test('when two programs define the same global, the nearest definition is chosen', () => {
  const mainA = fn('srv1/main.c', 'main', 0, [call('handle', 1)]);
  const handleA = fn('srv1/handle.c', 'handle', 0);
  const mainB = fn('srv2/main.c', 'main', 0, [call('handle', 1)]);
  const handleB = fn('srv2/handle.c', 'handle', 0);
  const graph = CallGraph.build([summary('srv2/handle.c', [handleB]), summary('srv1/main.c', [mainA]), summary('srv1/handle.c', [handleA]), summary('srv2/main.c', [mainB])]);
  assert.equal(graph.callees(mainA)[0].target, handleA);
  assert.equal(graph.callees(mainB)[0].target, handleB);
});

test('indirect calls have no target and create no edge', () => {
  const dispatch = fn('a.c', 'dispatch', 0, [call(undefined, 1), call('h', 2)]);
  const h = fn('a.c', 'h', 20);
  const graph = CallGraph.build([summary('a.c', [dispatch, h])]);
  const calls = graph.callees(dispatch);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].target, undefined);
  assert.equal(calls[0].site.calleeText, '(*handler)');
  assert.equal(calls[1].target, h);
  assert.deepEqual([...graph.reachableFrom([dispatch]).keys()], [dispatch, h]);
});

test('reachableFrom reports the shortest chain of call sites from a root', () => {
  // entry → a → b → target and entry → c → target: the chain through c is shorter.
  const entry = fn('a.c', 'entry', 0, [call('a', 1), call('c', 2)]);
  const a = fn('a.c', 'a', 20, [call('b', 21)]);
  const b = fn('b.c', 'b', 0, [call('target', 1)]);
  const c = fn('b.c', 'c', 20, [call('target', 21)]);
  const target = fn('b.c', 'target', 40);
  const unrelated = fn('b.c', 'unrelated', 60, [call('entry', 61)]);
  const graph = CallGraph.build([summary('a.c', [entry, a]), summary('b.c', [b, c, target, unrelated])]);
  const reach = graph.reachableFrom([entry]);
  assert.deepEqual(reach.get(entry), []);
  assert.ok(!reach.has(unrelated), 'callers of the root are not reachable from it');
  const chain = reach.get(target)!;
  assert.deepEqual(chain.map((s) => s.caller.name), ['entry', 'c']);
  assert.deepEqual(chain.map((s) => s.site.range.start.line), [2, 21]);
  assert.deepEqual(reach.get(b)!.map((s) => s.caller.name), ['entry', 'a']);
  assert.deepEqual(
    [...reach.keys()].map((f) => f.name),
    ['entry', 'a', 'c', 'b', 'target'],
  );
});

test('mutual recursion across files and self recursion are found; acyclic functions are not', () => {
  const ping = fn('a.c', 'ping', 0, [call('pong', 1), call('leaf', 2)]);
  const pong = fn('b.c', 'pong', 0, [call('ping', 1)]);
  const fact = fn('b.c', 'fact', 20, [call('fact', 21)]);
  const leaf = fn('b.c', 'leaf', 40);
  const graph = CallGraph.build([summary('b.c', [pong, fact, leaf]), summary('a.c', [ping])]);
  assert.deepEqual(graph.recursiveCycles().map(names), [['a.c:ping', 'b.c:pong'], ['b.c:fact']]);
  assert.equal(graph.isRecursive(ping), true);
  assert.equal(graph.isRecursive(pong), true);
  assert.equal(graph.isRecursive(fact), true);
  assert.equal(graph.isRecursive(leaf), false);
  const reach = graph.reachableFrom([ping]);
  assert.deepEqual(reach.get(pong)!.map((s) => s.caller), [ping]);
  assert.deepEqual(reach.get(ping), [], 'a root reached again through a cycle keeps its empty chain');
});

test('deep call chains and long cycles do not overflow the stack', () => {
  const depth = 50_000;
  const chain: FunctionInfo[] = [];
  for (let i = 0; i < depth; i++) chain.push(fn('deep.c', `f${i}`, i * 10, [call(`f${(i + 1) % depth}`, i * 10 + 1)]));
  const graph = CallGraph.build([summary('deep.c', chain)]);
  const cycles = graph.recursiveCycles();
  assert.equal(cycles.length, 1);
  assert.equal(cycles[0].length, depth);
  assert.equal(graph.isRecursive(chain[depth - 1]), true);
  // Chains are materialised per function (quadratic in depth), so check reachability on a
  // shorter, still deep, acyclic chain.
  const shortDepth = 3000;
  const line = chain.slice(0, shortDepth).map((f, i) => ({ ...f, calls: i + 1 < shortDepth ? f.calls : [] }));
  const acyclic = CallGraph.build([summary('deep.c', line)]);
  assert.equal(acyclic.reachableFrom([line[0]]).get(line[shortDepth - 1])!.length, shortDepth - 1);
  assert.deepEqual(acyclic.recursiveCycles(), []);
});

test('function objects from a rebuilt summary are looked up by file and name', () => {
  const a = fn('a.c', 'a', 0, [call('b', 1)]);
  const b = fn('a.c', 'b', 20);
  const graph = CallGraph.build([summary('a.c', [a, b])]);
  const copy = structuredClone(b);
  assert.deepEqual(graph.callers(copy).map((c) => c.caller), [a]);
  assert.deepEqual(graph.callees(fn('x.c', 'unknown', 0)), []);
});

test('from C text: two files through summarizeFile into one call graph', async () => {
  const { initC, parseC, plainTreeOf } = await import('../../server/src/analysis/syntax');
  const { summarizeFile } = await import('../../server/src/analysis/summarize');
  await initC();
  const sources: Record<string, string> = {
    'a.c': `#include "proto.h"
static int helper(int x) { return x + 1; }
int handle(int fd) {
  int n = helper(fd);
  n += shared(fd);
  void (*cb)(int) = get_cb();
  cb(n);
  return even(n);
}
`,
    'b.c': `static int helper(int x) { return x * 2; }
int shared(int fd) { return helper(fd) + recv_all(fd); }
int even(int n) { return n == 0 ? 1 : odd(n - 1); }
int odd(int n) { return n == 0 ? 0 : even(n - 1); }
int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
`,
  };
  const summaries = Object.entries(sources).map(([file, text]) => {
    const parsed = parseC(text);
    const tree = plainTreeOf(parsed);
    try {
      return summarizeFile(file, tree, text);
    } finally {
      parsed.delete();
    }
  });
  const graph = CallGraph.build(summaries);
  const byKey = new Map(graph.functions().map((f) => [graph.key(f), f]));
  assert.deepEqual([...byKey.keys()], ['a.c::helper', 'handle', 'b.c::helper', 'shared', 'even', 'odd', 'fact']);
  const handle = byKey.get('handle')!;

  assert.deepEqual(
    graph.callees(handle).map((c) => [c.site.callee ?? c.site.calleeText, c.target && graph.key(c.target)]),
    [
      ['helper', 'a.c::helper'],
      ['shared', 'shared'],
      ['get_cb', undefined],
      ['cb', undefined],
      ['even', 'even'],
    ],
  );
  assert.equal(graph.resolve('b.c', 'helper'), byKey.get('b.c::helper'));
  assert.deepEqual(
    graph.callees(byKey.get('shared')!).map((c) => c.target && graph.key(c.target)),
    ['b.c::helper', undefined],
  );

  assert.deepEqual(
    graph.recursiveCycles().map((group) => group.map((f) => graph.key(f))),
    [['even', 'odd'], ['fact']],
  );
  const reach = graph.reachableFrom([handle]);
  assert.deepEqual(
    [...reach.keys()].map((f) => graph.key(f)).sort(),
    ['a.c::helper', 'b.c::helper', 'even', 'handle', 'odd', 'shared'],
  );
  const toBHelper = reach.get(byKey.get('b.c::helper')!)!;
  assert.deepEqual(toBHelper.map((s) => [s.caller.name, s.site.callee, s.site.range.start.line]), [
    ['handle', 'shared', 4],
    ['shared', 'helper', 1],
  ]);
});

/** Everything the graph answers, as plain data (targets and callers by file, name and range). */
function graphView(graph: CallGraph): unknown {
  const name = (f: FunctionInfo | undefined) => f && `${f.file}:${f.name}@${f.range.start.line}:${f.range.start.character}`;
  return {
    functions: graph.functions().map((f) => ({
      fn: name(f),
      callees: graph.callees(f).map((c) => [c.site.range.start, name(c.target)]),
      callers: graph.callers(f).map((c) => [c.site.range.start, name(c.caller)]),
      recursive: graph.isRecursive(f),
      identity: graph.callees(f).every((c) => !c.target || graph.functions().includes(c.target)) && graph.callers(f).every((c) => graph.functions().includes(c.caller)),
    })),
    cycles: graph.recursiveCycles().map((group) => group.map(name)),
    resolved: ['x.c', 'y.c', 'lib/h.h'].map((from) => ['even', 'odd', 'helper', 'loop'].map((callee) => name(graph.resolve(from, callee)))),
  };
}

test('a graph built from the previous one answers as a graph built from scratch', () => {
  const shifted = (f: FunctionInfo, lines: number): FunctionInfo => ({
    ...f,
    range: { start: { ...f.range.start, line: f.range.start.line + lines }, end: f.range.end },
    calls: f.calls.map((c) => ({ ...c, range: at(c.range.start.line + lines, c.range.start.character) })),
  });
  const x0: FileSummary = summary('x.c', [fn('x.c', 'even', 1, [call('odd', 2), call('helper', 3)]), fn('x.c', 'loop', 20, [call('loop', 21)])]);
  const y: FileSummary = summary('y.c', [fn('y.c', 'odd', 1, [call('even', 2), call('loop', 3)]), fn('y.c', 'helper', 20, [], true)]);
  const h: FileSummary = { ...summary('lib/h.h', [fn('lib/h.h', 'helper', 1, [call('even', 2)], true)]), includes: [] };
  const xs: FileSummary[] = [
    x0,
    // Same names, moved: the other files' calls into x.c must reach the new objects.
    summary('x.c', x0.functions.map((f) => shifted(f, 5))),
    // A call dropped and one added: x.c's callers change, the cycle through odd goes.
    summary('x.c', [shifted(fn('x.c', 'even', 1, [call('helper', 3)]), 2), fn('x.c', 'loop', 30, [call('odd', 31)])]),
    // A name made static, a function added: resolution changes, so nothing is reused.
    summary('x.c', [fn('x.c', 'even', 1, [call('odd', 2)], true), fn('x.c', 'extra', 10, [call('even', 11)])]),
    { ...summary('x.c', [fn('x.c', 'even', 1, [call('helper', 2)])]), includes: ['"lib/h.h"'] },
    x0,
    // A new summary that keeps one FunctionInfo object (as the summary memo lends untouched
    // functions) and replaces the other: only the replaced one's calls and callers change.
    summary('x.c', [x0.functions[0], fn('x.c', 'loop', 20, [call('odd', 21), call('even', 22)])]),
    summary('x.c', [x0.functions[0], x0.functions[1]]),
    // loop's self-call dropped, then back: a cycle goes and comes while even (on a cycle) is lent.
    summary('x.c', [x0.functions[0], fn('x.c', 'loop', 20, [call('helper', 21)])]),
    summary('x.c', [x0.functions[0], fn('x.c', 'loop', 20, [call('helper', 21), call('loop', 22)])]),
    // A call from loop into the even/odd cycle that closes no cycle: the groups are kept.
    summary('x.c', [x0.functions[0], fn('x.c', 'loop', 20, [call('loop', 21), call('even', 22)])]),
  ];
  let previous: CallGraph | undefined;
  for (const [i, x] of xs.entries()) {
    // In order after the previous x.c, again with nothing changed, and in another order.
    for (const order of [[x, y, h], [x, y, h], [y, x, h]]) {
      const reused = CallGraph.build(order, previous);
      assert.deepEqual(graphView(reused), graphView(CallGraph.build(order)), `summary ${i}`);
      if (order[0] === x) previous = reused;
    }
  }
  // Another file changes while x.c stays: y.c's functions are redone, x.c's calls into y.c follow.
  const y2 = summary('y.c', y.functions.map((f) => shifted(f, 3)));
  const reused = CallGraph.build([x0, y2, h], CallGraph.build([x0, y, h]));
  assert.deepEqual(graphView(reused), graphView(CallGraph.build([x0, y2, h])));
});

test('a reuse shares its caches with the graph it came from, which still answers as before', () => {
  const x: FileSummary = summary('x.c', [fn('x.c', 'even', 1, [call('odd', 2)]), fn('x.c', 'loop', 20, [call('loop', 21)])]);
  const y: FileSummary = summary('y.c', [fn('y.c', 'odd', 1, [call('even', 2), call('helper', 3)]), fn('y.c', 'helper', 20)]);
  const h: FileSummary = { ...summary('lib/h.h', [fn('lib/h.h', 'helper', 1, [], true)]), includes: [] };
  const first = CallGraph.build([x, y, h]);
  const before = graphView(first);
  const x2 = summary('x.c', [fn('x.c', 'even', 3, [call('helper', 4)]), x.functions[1]]);
  const second = CallGraph.build([x2, y, h], first);
  assert.deepEqual(graphView(second), graphView(CallGraph.build([x2, y, h])));
  // Names the second graph resolved first (into its shared cache) answer with the first graph's objects.
  assert.deepEqual(graphView(first), before);
  assert.equal(first.resolve('x.c', 'odd'), y.functions[0]);
  assert.equal(second.resolve('x.c', 'even'), x2.functions[0]);
  assert.equal(first.resolve('x.c', 'even'), x.functions[0]);
});

test('a lent function object that moves to another position among same-named functions is found there', () => {
  // Two definitions of one name (#if alternatives): the one before the kept object goes, one after it comes.
  const kept = fn('x.c', 'dup', 5, [call('odd', 6)]);
  const x: FileSummary = summary('x.c', [fn('x.c', 'dup', 1, [call('dup', 2)]), kept]);
  const y: FileSummary = summary('y.c', [fn('y.c', 'odd', 1, [call('dup', 2)])]);
  const x2 = summary('x.c', [kept, fn('x.c', 'dup', 10, [call('dup', 11)])]);
  const reused = CallGraph.build([x2, y], CallGraph.build([x, y]));
  assert.deepEqual(graphView(reused), graphView(CallGraph.build([x2, y])));
  assert.equal(reused.positionOf(kept), 0);
  assert.deepEqual(reused.callers(kept).map((c) => c.caller.file), ['x.c', 'y.c']);
});
