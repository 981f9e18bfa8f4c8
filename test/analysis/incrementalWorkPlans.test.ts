// The work plans of slices/workPlan.ts are kept per function and reused by the next analysis
// while every answer they read is the same; a caller's plan does not depend on its callees'
// bodies. Each edit here changes a path's work estimate through something a reused plan could
// hold stale: a callee's body two calls down (the callers' plans are reused, their work must be
// recombined), a called name that becomes a function of the file (the caller's plan counted a
// library call), a constant that sizes a copy in an unchanged function, and a callee with
// branches that the path follows (the plans of its ranges). The result must equal a fresh
// analysis and the estimate must have changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';

const FILE = 'plans.c';
const OPTIONS = { ...DEFAULT_ANALYZE_OPTIONS, entries: ['handle'] };

const SOURCE = `#define COPY_LEN 16
static int total;
static int leaf(int n) { total += n; return n * 2; }
static int mid(char *out, const char *in, int n) {
  memcpy(out, in, COPY_LEN);
  helper(n);
  return leaf(n) + 1;
}
static int branchy(int n) {
  if (n > 3) { total -= n; return leaf(n); }
  return n;
}
int handle(char *buf, int len, char *out, int cap) {
  int a = mid(out, buf, len);
  int b = branchy(a);
  return a + b;
}
`;

function once(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `exactly one "${from}"`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

const works = (a: FileAnalysis) => a.slices.flatMap((s) => s.paths.map((p) => ({ work: p.work, calls: p.calls })));

class Session {
  readonly memo = new AnalysisMemo();
  version: ParsedVersion;
  previous: FileAnalysis;

  constructor(text: string) {
    this.version = reparse(undefined, text);
    this.previous = analyzeFile(FILE, this.version.plain, text, new Map(), OPTIONS, this.memo);
  }

  /** Analyses `text` with the memo, checks it against a fresh analysis, and that the paths' work changed. */
  edit(text: string, why: string): FileAnalysis {
    this.version = reparse(this.version, text);
    const after = analyzeFile(FILE, this.version.plain, text, new Map(), OPTIONS, this.memo);
    const fresh = analyzeFile(FILE, parsePlainC(text), text, new Map(), OPTIONS);
    assert.ok(after.slices.length > 0, `${why}: the entry is sliced`);
    assert.deepEqual(works(after), works(fresh), `${why}: the paths' work equals a fresh analysis`);
    assert.deepEqual(after, fresh, `${why}: the analysis equals a fresh one`);
    assert.notDeepEqual(works(after), works(this.previous), `${why}: the edit changes the paths' work`);
    this.previous = after;
    return after;
  }

  close(): void {
    this.version.tree.delete();
  }
}

test('kept work plans follow callee edits, newly defined callees, copy sizes and callee branches', async () => {
  await initC();
  const session = new Session(SOURCE);
  try {
    const calls = (a: FileAnalysis) => a.slices.flatMap((s) => s.paths.flatMap((p) => p.calls));
    assert.ok(calls(session.previous).includes('helper'), 'helper starts as a library call');

    // leaf, two calls below handle, does more: mid's and branchy's plans are reused, their work is not.
    let text = once(SOURCE, 'total += n; return n * 2;', 'total += n; total ^= n << 3; return n * 2;');
    session.edit(text, 'edit of a callee two calls down');

    // helper becomes a function of the file, defined below everything (no function moves):
    // mid's plan, otherwise unchanged, counted it as a library call.
    text = `${text}static int helper(int n) { return n - 1 + total; }\n`;
    const defined = session.edit(text, 'a called name becomes a function of the file');
    assert.ok(defined.slices.some((s) => s.paths.some((p) => p.calls.includes('helper') && !p.work.libraryCalls.includes('helper'))), 'helper is now a defined call');

    // The copy in mid is sized by a macro: mid's text is the same, what it copies is not.
    text = once(text, '#define COPY_LEN 16', '#define COPY_LEN 48');
    session.edit(text, 'a constant sizing a copy in an unchanged function');

    // branchy's branch that the paths follow does more (the plan of that range).
    text = once(text, '{ total -= n; return leaf(n); }', '{ total -= n * 3; total |= 1; return leaf(n); }');
    session.edit(text, 'edit of a branch of a callee');

    // Back to the start, one step (every function's plans change at once).
    session.edit(SOURCE, 'back to the first text');
  } finally {
    session.close();
  }
});
