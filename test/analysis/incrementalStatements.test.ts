// Inside a function edited since the previous summary, each statement keeps what it gave (its
// locals, call sites and comments: summarize/statementMemo.ts) for the next summary, which then
// walks only the statements on the way to the edit. What a kept statement gave can change without
// its text changing — a local declared before it makes a call through that name indirect, the
// removal of a parameter or #define makes an array sized by it a VLA, lines above move it — and
// every such summary must equal a fresh one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeFile, summaryWalks } from '../../server/src/analysis/summarize';
import { SummaryMemo } from '../../server/src/analysis/summarize/functionMemo';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import { randomEdit, Rng } from './randomEdits';

const FILE = 'src/long.c';

/** Filler statements: calls and locals enough that walking them shows in the node count. */
function filler(from: number, count: number): string {
  let text = '';
  for (let i = from; i < from + count; i++) {
    text += `  int v${i} = step(${i}, v${i - 1} + ${i});\n  if (v${i} > ${i}) { log_value(v${i}); }\n`;
  }
  return text;
}

// `size` is a #define (lowercase: constant only while it is one); N is a local (so `pad` is a VLA)
// while its declaration is there, and a macro-like name (constant) once it is gone; `hook` is
// called directly until a local or global of that name makes the call indirect.
const LONG = `#define size 8
static int step(int a, int b) { return a + b; }
int handle(int req) {
  int v0 = req;
  int N = req;
${filler(1, 60)}  char buf[size];
  char pad[N];
  /* bpf-offload: skip */
  hook(buf[0] + pad[0]);
${filler(61, 60)}  return v120 + hook(v1);
}
`;

function summarizeFresh(text: string): FileSummary {
  return summarizeFile(FILE, parsePlainC(text), text);
}

/** Summarises each text after the previous one, reparsed from it, as the analysis thread does. */
class Session {
  private readonly memo = new SummaryMemo();
  private version: ParsedVersion | undefined;

  /** The summary of `text` and how many nodes its walks visited. */
  summarize(text: string): { summary: FileSummary; visited: number } {
    this.version = reparse(this.version, text);
    const before = summaryWalks.nodesVisited;
    const summary = summarizeFile(FILE, this.version.plain, text, this.memo);
    return { summary, visited: summaryWalks.nodesVisited - before };
  }

  close(): void {
    this.version?.tree.delete();
  }
}

const handleOf = (summary: FileSummary) => summary.functions.find((fn) => fn.name === 'handle')!;

test('a second edit in a long function walks only the statements around it, and equals a fresh summary', async () => {
  await initC();
  const session = new Session();
  try {
    const first = session.summarize(LONG);
    const once = LONG.replace('int v30 = step(30,', 'int v30 = step(31,');
    const whole = session.summarize(once);
    assert.deepEqual(whole.summary, summarizeFresh(once));
    // Typed on: one edit, in the same statement (a text edited in two places would be one edit
    // spanning all between them, so that reparse would copy every statement in between again).
    const twice = LONG.replace('int v30 = step(30,', 'int v30 = step(321,');
    const edited = session.summarize(twice);
    assert.deepEqual(edited.summary, summarizeFresh(twice));
    // The first edit walked the function whole (its statements had kept nothing yet); the second
    // only the statement it touched (and looked at each statement of the body, to skip it).
    assert.ok(whole.visited * 2 > first.visited, `first edit: ${whole.visited} of ${first.visited} nodes`);
    assert.ok(edited.visited * 10 < whole.visited, `second edit: ${edited.visited} nodes, against ${whole.visited} for the function`);
  } finally {
    session.close();
  }
});

test('an edited call changes the call sites, and a kept call follows what its name now is', async () => {
  await initC();
  const session = new Session();
  try {
    const variants: { why: string; text: string; check?: (fn: FileSummary) => void }[] = [
      { why: 'the original', text: LONG },
      { why: 'an edit far from the calls of hook', text: LONG.replace('step(100,', 'step(101,') },
      {
        why: 'a call renamed',
        text: LONG.replace('log_value(v50)', 'log_other(v50)'),
        check: (s) => assert.ok(handleOf(s).calls.some((c) => c.callee === 'log_other') && handleOf(s).calls.filter((c) => c.callee === 'log_value').length === 119),
      },
      {
        why: 'a local function pointer named hook declared above the kept calls',
        text: LONG.replace('  int N = req;\n', '  int N = req; int (*hook)(int) = 0;\n'),
        check: (s) => assert.ok(handleOf(s).calls.filter((c) => c.calleeText === 'hook').every((c) => c.callee === undefined)),
      },
      {
        why: 'the local gone again',
        text: LONG,
        check: (s) => assert.equal(handleOf(s).calls.filter((c) => c.callee === 'hook').length, 2),
      },
      {
        why: 'a global named hook (the function itself unchanged)',
        text: LONG.replace('#define size 8\n', '#define size 8\nint (*hook)(int);\n'),
        check: (s) => assert.ok(handleOf(s).calls.filter((c) => c.calleeText === 'hook').every((c) => c.callee === undefined)),
      },
      { why: 'the global gone, an edit in the function', text: LONG.replace('step(7,', 'step(8,') },
      {
        why: 'N no longer a local: pad is no VLA',
        text: LONG.replace('  int N = req;\n', '  int M = req;\n'),
        check: (s) => assert.equal(handleOf(s).locals.find((l) => l.name === 'pad')?.isVariableLength, undefined),
      },
      {
        why: 'N back',
        text: LONG,
        check: (s) => assert.equal(handleOf(s).locals.find((l) => l.name === 'pad')?.isVariableLength, true),
      },
      {
        why: 'the #define gone: buf is a VLA',
        text: LONG.replace('#define size 8\n', '#define other 8\n'),
        check: (s) => assert.equal(handleOf(s).locals.find((l) => l.name === 'buf')?.isVariableLength, true),
      },
      { why: 'the original again', text: LONG },
      { why: 'lines added above the kept statements', text: LONG.replace('  int v0 = req;\n', '  int v0 = req;\n\n\n') },
      { why: 'a statement put on the line of the next one, moving it right', text: LONG.replace('int v40 = step(40, v39 + 40);\n ', 'int v40 = step(40, v39 + 40);') },
      { why: 'the annotation comment moved down a line', text: LONG.replace('  /* bpf-offload: skip */\n', '\n  /* bpf-offload: skip */\n') },
      { why: 'the original again', text: LONG },
    ];
    for (const { why, text, check } of variants) {
      const { summary } = session.summarize(text);
      assert.deepEqual(summary, summarizeFresh(text), why);
      check?.(summary);
    }
  } finally {
    session.close();
  }
});

test('random edits of a long function equal fresh summaries', async () => {
  await initC();
  const session = new Session();
  const rng = new Rng(7);
  try {
    session.summarize(LONG);
    for (let i = 0; i < 60; i++) {
      const { text, at } = randomEdit(rng, LONG, ['x', '\n', ';', '{', '}', 'int N;', 'hook', '/* c */', '#define N 1\n', 'struct s { int a; } q;']);
      for (const version of [text, LONG]) assert.deepEqual(session.summarize(version).summary, summarizeFresh(version), `edit ${i} at ${at}`);
    }
    // Edits one on top of the other: kept statements move up and down, right and left.
    let text = LONG;
    for (let i = 0; i < 60; i++) {
      const edit = randomEdit(rng, text, ['x', '\n', '\n\n', ';', '}', ' ', 'int N;', 'hook(1);', '/* bpf-offload: skip */'], { deleteUpTo: 3 });
      text = edit.text;
      assert.deepEqual(session.summarize(text).summary, summarizeFresh(text), `chained edit ${i} at ${edit.at}`);
    }
  } finally {
    session.close();
  }
});

test('a statement holding a struct body keeps nothing, also after its function moved', async () => {
  await initC();
  // The struct is named after its line, so `holder` cannot just be moved: lines above summarise it
  // again, from what collect found in its top-level declaration before it moved.
  const text = `int g;\nstatic int holder(int x) {\n  struct { int a; } q;\n  q.a = x;\n  return q.a;\n}\n`;
  const session = new Session();
  try {
    for (const [why, version] of [
      ['the original', text],
      ['lines above', `\n\n${text}`],
      ['the function renamed', `\n\n${text.replace('holder(', 'holder2(')}`],
      ['a statement edited', `\n\n${text.replace('q.a = x;', 'q.a = x + 1;')}`],
    ]) {
      const { summary } = session.summarize(version);
      assert.deepEqual(summary, summarizeFresh(version), why);
      assert.equal(summary.records.length, 1, why);
    }
  } finally {
    session.close();
  }
});
