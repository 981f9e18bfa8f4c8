// A summary made with the previous summaries of the file at hand (SummaryMemo, which lends them
// the FunctionInfo of definitions an edit left alone) must equal one made from scratch, after
// edits that change what an untouched function's summary reads from the rest of the file
// (constants, global names), that move it, rename it or copy it — and reuse must really happen,
// also for functions that asked nothing about what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeFile, summaryWalks } from '../../server/src/analysis/summarize';
import { SummaryMemo } from '../../server/src/analysis/summarize/functionMemo';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import { repoRoot } from '../repoRoot';
import { randomEdit, Rng } from './randomEdits';
import { memcachedOrSkip } from '../corpus/corpusRun';
import { ERROR_ROOT_TAIL } from './errorRootFixture';

const FILE = 'src/server.c';

// `bufsize` and `slots` are lowercase, so an array sized by them is constant only while they are
// a #define / enum member; `LIMIT` is spelled like a macro, so it is constant unless a global of
// that name exists; a call through `hook` is indirect only while `hook` is a global variable.
const BASE = `#include "server.h"
#define bufsize 16
enum { slots = 4 };
typedef unsigned int u32;
static int (*hook)(int);
int LIMIT;
// bpf-offload: entry
int handle(const char *req, int len) {
  char buf[bufsize];
  int table[slots];
  char spare[LIMIT];
  u32 n = len;
  /* bpf-offload: skip */
  return hook(n) + buf[0] + table[0] + spare[0] + helper(req);
}

static int helper(const char *p) {
  struct { int a; } anon;
  anon.a = p[0];
  return anon.a;
}

#ifdef FAST
static int pick(int x) { return x + 1; }
#else
static int pick(int x) { return x + 1; }
#endif

int tail(void) {
#define LOCAL_ONE 1
  return pick(LOCAL_ONE) + handle("k", 1);
}
`;

/** Each text is summarised after the one before it. */
const VARIANTS: { why: string; text: string }[] = [
  { why: 'the original', text: BASE },
  { why: 'an edit inside handle', text: BASE.replace('u32 n = len;', 'u32 n = len + 1;') },
  { why: 'the original again', text: BASE },
  { why: 'the #define used in handle removed', text: BASE.replace('#define bufsize 16\n', '') },
  { why: 'the #define back', text: BASE },
  { why: 'the #define made function-like', text: BASE.replace('#define bufsize 16', '#define bufsize(x) 16') },
  { why: 'the enum member renamed', text: BASE.replace('enum { slots = 4 };', 'enum { nslots = 4 };') },
  { why: 'the enum back', text: BASE },
  { why: 'the global LIMIT removed', text: BASE.replace('int LIMIT;\n', '') },
  { why: 'the global LIMIT back', text: BASE },
  { why: 'the function-pointer global renamed', text: BASE.replace('static int (*hook)(int);', 'static int (*hooked)(int);') },
  { why: 'the global back', text: BASE },
  { why: 'the typedef changed', text: BASE.replace('typedef unsigned int u32;', 'typedef unsigned long u32;') },
  { why: 'lines inserted above everything', text: `\n\n/* two lines */\n${BASE}` },
  { why: 'lines inserted between functions', text: BASE.replace('static int helper(', '\n\nstatic int other(void) { return 0; }\n\nstatic int helper(') },
  { why: 'a line removed above', text: BASE.replace('#include "server.h"\n', '') },
  { why: 'the original again', text: BASE },
  { why: 'a function moved right on its line', text: BASE.replace('int handle(', '/* c */ int handle(') },
  { why: 'a function renamed', text: BASE.replace('static int helper(', 'static int helper2(') },
  { why: 'a function made static', text: BASE.replace('int handle(', 'static int handle(') },
  { why: 'the annotation removed', text: BASE.replace('// bpf-offload: entry\n', '') },
  { why: 'the annotation back, one line further down', text: BASE.replace('// bpf-offload: entry\n', '\n// bpf-offload: entry\n') },
  { why: 'handle copied below itself', text: BASE.replace('static int helper(', `${BASE.slice(BASE.indexOf('int handle('), BASE.indexOf('static int helper('))}static int helper(`) },
  { why: 'the #define inside tail changed', text: BASE.replace('#define LOCAL_ONE 1', '#define LOCAL_ONE 2') },
  { why: 'the #else branch edited', text: BASE.replace('#else\nstatic int pick(int x) { return x + 1; }', '#else\nstatic int pick(int x) { return x + 2; }') },
  { why: 'a half-typed function before handle', text: BASE.replace('// bpf-offload: entry', 'int broken(\n// bpf-offload: entry') },
  { why: 'the original again', text: BASE },
  { why: 'the file emptied', text: '' },
  { why: 'the original again', text: BASE },
];

function summarizeFresh(text: string, file = FILE): FileSummary {
  return summarizeFile(file, parsePlainC(text), text);
}

test('summaries made with the memo equal fresh ones, across edits of what unchanged functions depend on', async () => {
  await initC();
  const memo = new SummaryMemo();
  for (const { why, text } of VARIANTS) {
    const kept = summarizeFile(FILE, parsePlainC(text), text, memo);
    assert.deepEqual(kept, summarizeFresh(text), why);
  }
});

test('the same holds when each version is reparsed from the previous one, as the analysis thread does', async () => {
  await initC();
  const memo = new SummaryMemo();
  let version: ParsedVersion | undefined;
  try {
    for (const { why, text } of VARIANTS) {
      version = reparse(version, text);
      assert.deepEqual(summarizeFile(FILE, version.plain, text, memo), summarizeFresh(text), why);
    }
  } finally {
    version?.tree.delete();
  }
});

test('an edit inside one function reuses the other functions as they were; lines above move them', async () => {
  await initC();
  const memo = new SummaryMemo();
  const before = summarizeFile(FILE, parsePlainC(BASE), BASE, memo);
  const edited = BASE.replace('u32 n = len;', 'u32 n = len + 1;');
  const after = summarizeFile(FILE, parsePlainC(edited), edited, memo);
  const byName = (s: FileSummary, name: string) => s.functions.find((f) => f.name === name);
  assert.notEqual(byName(after, 'handle'), byName(before, 'handle'), 'the edited function is summarised again');
  // pick (twice, in #if branches) is reused; so are helper and tail, which hold items of the file's
  // own lists: their top-level declarations are walked whole all the same, so those items are collected.
  const reused = after.functions.filter((fn, i) => fn === before.functions[i]).map((fn) => fn.name);
  assert.deepEqual(reused, ['helper', 'pick', 'pick', 'tail']);
  const moved = `\n${edited}`;
  const shifted = summarizeFile(FILE, parsePlainC(moved), moved, memo);
  assert.deepEqual(shifted, summarizeFresh(moved));
  assert.deepEqual(byName(shifted, 'pick')?.range.start, { line: (byName(after, 'pick')?.range.start.line ?? 0) + 1, character: 0 });
  assert.deepEqual(byName(after, 'pick'), byName(before, 'pick'), 'moving made a copy; the earlier object is unchanged');
});

test('a change of the file around the functions redoes only those whose summary asked about it', async () => {
  await initC();
  const memo = new SummaryMemo();
  const byName = (s: FileSummary, name: string) => s.functions.find((f) => f.name === name);
  const before = summarizeFile(FILE, parsePlainC(BASE), BASE, memo);
  // A global no function mentions, on an existing line: nothing moves, every remembered function is reused.
  const unrelated = BASE.replace('int LIMIT;', 'int LIMIT, other;');
  const first = summarizeFile(FILE, parsePlainC(unrelated), unrelated, memo);
  assert.deepEqual(first, summarizeFresh(unrelated));
  assert.equal(byName(first, 'handle'), byName(before, 'handle'));
  assert.equal(byName(first, 'pick'), byName(before, 'pick'));
  // `hook` stops being a global: handle's call through it becomes a direct call; pick is untouched.
  const renamed = unrelated.replace('static int (*hook)(int);', 'static int (*hooks)(int);');
  const second = summarizeFile(FILE, parsePlainC(renamed), renamed, memo);
  assert.deepEqual(second, summarizeFresh(renamed));
  assert.notEqual(byName(second, 'handle'), byName(first, 'handle'));
  assert.equal(byName(second, 'handle')?.calls.find((c) => c.calleeText === 'hook')?.callee, 'hook');
  assert.equal(byName(second, 'pick'), byName(first, 'pick'));
});

test('after random edits of an example file (reparsed incrementally) the memoised summary equals a fresh one', async () => {
  await initC();
  const file = 'kv-cache/kv-cache.c';
  const rng = new Rng(7);
  const memo = new SummaryMemo();
  const insertions = ['x', '\n', ';', '}', '{', '#define x 1\n', 'int g;\n', '\n\n'];
  let version: ParsedVersion = reparse(undefined, readFileSync(join(repoRoot(), 'examples', file), 'utf8'));
  try {
    for (let i = 0; i < 60; i++) {
      const text = version.text;
      const { text: edited, at } = randomEdit(rng, text, insertions);
      version = reparse(version, edited);
      assert.deepEqual(summarizeFile(file, version.plain, edited, memo), summarizeFresh(edited, file), `edit ${i} at ${at}`);
    }
  } finally {
    version.tree.delete();
  }
});

test('the whole analysis leaves the summaries it reuses unchanged', async () => {
  await initC();
  const memo = new AnalysisMemo();
  const texts = [BASE, BASE.replace('u32 n = len;', 'u32 n = len + 1;'), `\n${BASE}`, BASE];
  let previous: { summary: FileSummary; copy: FileSummary } | undefined;
  for (const text of texts) {
    const analysis = analyzeFile(FILE, parsePlainC(text), text, new Map(), DEFAULT_ANALYZE_OPTIONS, memo);
    assert.deepEqual(analysis, analyzeFile(FILE, parsePlainC(text), text, new Map(), DEFAULT_ANALYZE_OPTIONS));
    if (previous) assert.deepEqual(previous.summary, previous.copy, 'the previous summary, whose functions this analysis reused');
    previous = { summary: analysis.summary, copy: structuredClone(analysis.summary) };
  }
});

test('a file whose root is an ERROR node (memcached.c with an unfinished tail) is summarised per declaration, equal to a fresh summary after edits', async (t) => {
  const directory = memcachedOrSkip(t);
  if (!directory) return;
  await initC();
  const file = 'memcached.c';
  const original = readFileSync(join(directory, file), 'utf8') + ERROR_ROOT_TAIL;
  const memo = new SummaryMemo();
  let version: ParsedVersion = reparse(undefined, original);
  try {
    assert.equal(version.plain.rootNode.type, 'ERROR', 'the fixture must have an ERROR root');
    const visitedBefore = summaryWalks.nodesVisited;
    summarizeFile(file, version.plain, original, memo);
    const firstWalk = summaryWalks.nodesVisited - visitedBefore;
    // One statement of conn_cleanup edited: only the declaration holding it is walked again, not
    // the file-level nodes of the other six thousand lines.
    const statement = 'static void conn_cleanup(conn *c) {\n    assert(c != NULL);';
    assert.ok(original.includes(statement), 'the fixture must hold conn_cleanup as expected');
    const edited = original.replace(statement, statement.replace('assert', 'xassert'));
    version = reparse(version, edited);
    const visitedBeforeEdit = summaryWalks.nodesVisited;
    const afterEdit = summarizeFile(file, version.plain, edited, memo);
    const editWalk = summaryWalks.nodesVisited - visitedBeforeEdit;
    assert.deepEqual(afterEdit, summarizeFresh(edited, file));
    assert.ok(editWalk > 0 && editWalk * 50 < firstWalk, `after the edit ${editWalk} nodes were walked, against ${firstWalk} for the whole file`);
    const rng = new Rng(11);
    for (let i = 0; i < 12; i++) {
      const { text: edited, at } = randomEdit(rng, original, ['x', '\n', ';', 'int g;\n']);
      for (const text of [edited, original]) {
        version = reparse(version, text);
        assert.deepEqual(summarizeFile(file, version.plain, text, memo), summarizeFresh(text, file), `edit ${i} at ${at}`);
      }
    }
  } finally {
    version.tree.delete();
  }
});

// local_enum holds an enum body (its members go to the file's lists), so a walk skipping it would
// miss them: it is reused only where its top-level declaration is walked whole anyway (collectTree),
// as when reparse carries it over. Its array is sized by `bufsize` and it calls through `hook`.
const OUTSIDE = `#define bufsize 16
static int (*hook)(int);
int g;
int local_enum(void) {
  enum { K = 2 };
  char buf[bufsize];
  /* bpf-offload: skip */
  return hook(K) + g + buf[0];
}
`;

test('a carried-over function that contributes to the file lists is reused, and redone when what it asked changes', async () => {
  await initC();
  const memo = new SummaryMemo();
  const local = (s: FileSummary) => s.functions.find((f) => f.name === 'local_enum');
  let version: ParsedVersion = reparse(undefined, OUTSIDE);
  try {
    let previous = summarizeFile(FILE, version.plain, OUTSIDE, memo);
    const steps: { why: string; text: string; reused: boolean }[] = [
      { why: 'an unrelated global added', text: OUTSIDE.replace('int g;', 'int g, h;'), reused: true },
      { why: 'bufsize no longer a constant', text: OUTSIDE.replace('#define bufsize 16', '#define bufsizes 16'), reused: false },
      { why: 'the original', text: OUTSIDE, reused: false },
      { why: 'hook no longer a global', text: OUTSIDE.replace('(*hook)', '(*hooks)'), reused: false },
      { why: 'the original again', text: OUTSIDE, reused: false },
      { why: 'a line above', text: `\n${OUTSIDE}`, reused: false },
    ];
    for (const { why, text, reused } of steps) {
      version = reparse(version, text);
      const now = summarizeFile(FILE, version.plain, text, memo);
      const fresh = summarizeFresh(text);
      assert.deepEqual(now, fresh, why);
      assert.equal(local(now) === local(previous), reused, `${why}: reused`);
      if (!reused) assert.notDeepEqual(local(fresh), local(previous), `${why}: the edit changes local_enum's summary`);
      previous = now;
    }
  } finally {
    version.tree.delete();
  }
});
