// The slices an analysis reuses from the previous one (slices/memo.ts) must equal freshly
// computed ones after edits that change what a path reads without touching the entry function:
// a callee deep in the path, a new Error on a path, functions moved by inserted lines, and
// facts of other files. An edit outside every path must reuse the previous slices as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import { summarize } from './summarizeText';
import { repoRoot } from '../repoRoot';

const FILE = 'kv-cache/kv-cache.c';

/** Replaces exactly one occurrence of `from` (the edit must land where the test means it to). */
function once(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `exactly one "${from}"`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

const kernelPaths = (a: FileAnalysis) => a.slices.flatMap((s) => s.paths.filter((p) => p.endsIn === 'kernel').map((p) => p.id));
const instructions = (a: FileAnalysis) => a.slices.flatMap((s) => s.paths.map((p) => p.work.instructions));
const firstLines = (a: FileAnalysis) => a.slices.flatMap((s) => s.paths.map((p) => p.ranges[0]?.start.line));

class Session {
  readonly memo = new AnalysisMemo();
  version: ParsedVersion;
  previous: FileAnalysis;

  constructor(
    text: string,
    private readonly others: Map<string, FileSummary>,
  ) {
    this.version = reparse(undefined, text);
    this.previous = analyzeFile(FILE, this.version.plain, text, others, DEFAULT_ANALYZE_OPTIONS, this.memo);
  }

  /** Analyses `text` (reparsed from the previous version, with the memo) and checks it against a fresh analysis. */
  edit(text: string, why: string, others = this.others): { before: FileAnalysis; after: FileAnalysis } {
    this.version = reparse(this.version, text);
    const after = analyzeFile(FILE, this.version.plain, text, others, DEFAULT_ANALYZE_OPTIONS, this.memo);
    const fresh = analyzeFile(FILE, parsePlainC(text), text, others, DEFAULT_ANALYZE_OPTIONS);
    assert.deepEqual(after, fresh, why);
    const before = this.previous;
    this.previous = after;
    return { before, after };
  }

  close(): void {
    this.version.tree.delete();
  }
}

test('reused slices follow edits of callees, new Errors, moved functions and other files', async () => {
  await initC();
  const original = readFileSync(join(repoRoot(), 'examples', FILE), 'utf8');
  const others = new Map<string, FileSummary>([['lib/other.c', await summarize('int unrelated(int x) { return x; }\n', 'lib/other.c')]]);
  const session = new Session(original, others);
  try {
    assert.ok(session.previous.slices.length > 0, 'the example has an entry with slices');

    // Outside every path (parse_port is no callee of the handler; no line moves): the slices are the previous ones.
    let step = session.edit(once(original, '    long port = strtol(text, &end, 10);\n', '    xlong port = strtol(text, &end, 10);\n'), 'edit outside the paths');
    assert.equal(step.after.slices[0], step.before.slices[0], 'an edit no path reads reuses the slices');

    // A callee two calls deep (handle_request → cache_find → hash_key) does more work, on the
    // same lines with the same calls (its summary does not change, its syntax does).
    const text = once(session.version.text, '        h ^= (uint8_t)key[i];\n', '        h ^= (uint8_t)key[i] + 1;\n');
    step = session.edit(text, 'edit deep in a callee');
    assert.notDeepEqual(instructions(step.after), instructions(step.before), 'the callee edit changes the work of the paths');

    // A new Error on a path without a change of any function on it: a larger key makes the
    // stack of the callees that hold one too big for BPF.
    step = session.edit(once(text, '#define KEY_MAX 31', '#define KEY_MAX 900'), 'Error from a macro');
    assert.notDeepEqual(step.after.slices, step.before.slices, 'the stack Error changes the paths');
    session.edit(text, 'the macro back');

    // A new Error on a path: a heap allocation inside valid_key, which every request path calls.
    const withError = once(text, '    if (len == 0 || len > KEY_MAX)\n        return 0;\n', '    char *scratch = malloc(len);\n    free(scratch);\n    if (len == 0 || len > KEY_MAX)\n        return 0;\n');
    step = session.edit(withError, 'new Error on a path');
    assert.ok(kernelPaths(step.after).length < kernelPaths(step.before).length, 'the Error sends paths back to userspace');

    // Lines inserted above every function: same text everywhere, every position moved.
    const moved = once(withError, 'static struct slot cache[CACHE_SLOTS];\n', 'static struct slot cache[CACHE_SLOTS];\n\n\n');
    step = session.edit(moved, 'functions moved by inserted lines');
    assert.deepEqual(firstLines(step.after), firstLines(step.before).map((l) => l + 2), 'the paths moved with their function');

    // Lines inserted inside a callee defined above the handler: the handler moves, the callee changes shape.
    const inCallee = once(moved, '    char *value = backend_lookup(name);\n', '    char *value = backend_lookup(name);\n\n');
    session.edit(inCallee, 'lines inserted in a callee above the handler');

    // Undo of the Error (back to a text analysed before, but reparsed from the last version).
    session.edit(once(inCallee, '    char *scratch = malloc(len);\n    free(scratch);\n', ''), 'Error removed again');

    // Another file now declares globals named like the macros the paths read (KEY_MAX in
    // valid_key): the reads become state, one of them const.
    const withGlobal = new Map(others);
    withGlobal.set('lib/globals.c', await summarize('int KEY_MAX;\nconst int VALUE_MAX = 63;\n', 'lib/globals.c'));
    step = session.edit(session.version.text, 'another file declares a global the paths read', withGlobal);
    assert.notDeepEqual(
      step.after.slices.flatMap((s) => s.paths.map((p) => p.state)),
      step.before.slices.flatMap((s) => s.paths.map((p) => p.state)),
      'state read changes with the other file',
    );
    // Only whether one of them is const changes.
    const constGlobal = new Map(withGlobal);
    constGlobal.set('lib/globals.c', await summarize('const int KEY_MAX = 31;\nconst int VALUE_MAX = 63;\n', 'lib/globals.c'));
    step = session.edit(session.version.text, 'a global of another file becomes const', constGlobal);
    assert.notDeepEqual(
      step.after.slices.flatMap((s) => s.paths.map((p) => p.state)),
      step.before.slices.flatMap((s) => s.paths.map((p) => p.state)),
      'the state read is now const',
    );
  } finally {
    session.close();
  }
});

test('work cut at a recursion is not reused where the recursion is entered from elsewhere', async () => {
  await initC();
  const file = 'recursive.c';
  const options = { ...DEFAULT_ANALYZE_OPTIONS, entries: ['handle'] };
  // ping and pong call each other (pong does more): the one entered first counts the other once, itself not again.
  const source = (first: string, second: string) => `static int total;
static int pong(int n);
static int ping(int n) { total += 1; if (n > 0) return pong(n - 1); return total * 3 + n; }
static int pong(int n) { total += 2; total ^= n << 3; if (n > 0) return ping(n - 1); return total / 7 - n; }
int handle(char *buf, int len, char *out, int cap) {
  int a = ${first}(len);
  int b = ${second}(len);
  return a + b;
}
`;
  const memo = new AnalysisMemo();
  let version = reparse(undefined, source('ping', 'pong'));
  try {
    for (const text of [source('ping', 'pong'), source('pong', 'ping'), source('ping', 'pong')]) {
      version = reparse(version, text);
      const incremental = analyzeFile(file, version.plain, text, new Map(), options, memo);
      const fresh = analyzeFile(file, parsePlainC(text), text, new Map(), options);
      assert.ok(incremental.slices.length > 0, 'the entry is sliced');
      assert.deepEqual(incremental, fresh, text.split('\n')[5]);
    }
  } finally {
    version.tree.delete();
  }
});
