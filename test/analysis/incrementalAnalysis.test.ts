// The analysis of a document kept up to date edit by edit (reparsed from its previous version,
// plainTreeEdit.ts, with declarations carried over, keeping their pre-order index segments) must
// equal an analysis from scratch of the same parse, after every edit — also when other files'
// summaries are present and the analysis reuses what the previous one built (AnalysisMemo), as
// the analysis thread does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsedTextOf, parsePlainC } from '../../server/src/analysis/syntax';
import { copyTree } from '../../server/src/analysis/plainTreeCopy';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import { summarize } from './summarizeText';
import { repoRoot } from '../repoRoot';
import { randomEdit, Rng } from './randomEdits';

const INSERTIONS = ['x', ' ', '\n', ';', '1', '(', '}', '*'];

/** Calls into the edited files (so they have callers elsewhere), with recursion across files. */
const DRIVER = `#include "helpers.h"
int handle_request(const char *req, int len, char *out, int cap);
static void drive(int n) { char out[64]; handle_request("get k", 5, out, 64); if (n) drive(n - 1); reply_text(n); }
int reply_text(int n) { drive(n); return helper_twice(n); }
int cache_find(int k) { return FAST(k); }
`;
const HELPERS = `#define FAST(x) ((x) + 1)
typedef unsigned int u32_t;
struct shared { u32_t a; char b[8]; };
enum { SHARED_SLOTS = 16 };
static int helper_twice(int x) { return x * 2; }
`;

test('after each random one-character edit the incremental analysis equals a fresh one', async () => {
  await initC();
  const examples = join(repoRoot(), 'examples');
  const names = ['kv-cache/kv-cache.c', 'dns-responder/dns-responder.c'];
  const texts = new Map(names.map((name) => [name, readFileSync(join(examples, name), 'utf8')]));
  const memo = new AnalysisMemo();
  const others = new Map<string, FileSummary>([
    ['lib/helpers.h', await summarize(HELPERS, 'lib/helpers.h')],
    ['lib/driver.c', await summarize(DRIVER, 'lib/driver.c')],
    ['echo-rewrite/echo-rewrite.c', await summarize(readFileSync(join(examples, 'echo-rewrite/echo-rewrite.c'), 'utf8'), 'echo-rewrite/echo-rewrite.c')],
  ]);
  for (const name of names) others.set(name, await summarize(texts.get(name)!, name));
  for (const [n, name] of names.entries()) {
    const rng = new Rng(42 + n);
    let version: ParsedVersion = reparse(undefined, texts.get(name)!);
    try {
      for (let i = 0; i < 25; i++) {
        const text = version.text;
        const { text: after, at } = randomEdit(rng, text, INSERTIONS);
        version = reparse(version, after);
        // Now and then another file changes (a new summary object), or the memo last served the other document.
        if (i % 7 === 3) others.set('lib/driver.c', await summarize(i % 2 ? DRIVER : DRIVER.replace('helper_twice(n)', 'cache_store(n)'), 'lib/driver.c'));
        if (i % 9 === 5) analyzeFile(names[1 - n], parsePlainC(texts.get(names[1 - n])!), texts.get(names[1 - n])!, withoutFile(others, names[1 - n]), DEFAULT_ANALYZE_OPTIONS, memo);
        const context = withoutFile(others, name);
        const incremental = analyzeFile(name, version.plain, after, context, DEFAULT_ANALYZE_OPTIONS, memo);
        // Without the memo, on a plain copy of the same parser tree: in error recovery tree-sitter's
        // incremental tree may differ from a fresh parse's (plainTreeEdit.test.ts), which is not
        // what this test is about.
        const fresh = analyzeFile(name, copyTree(version.tree, parsedTextOf(version.tree)), after, context, DEFAULT_ANALYZE_OPTIONS);
        assert.deepEqual(incremental, fresh, `${name}, edit ${i} at offset ${at}`);
      }
    } finally {
      version.tree.delete();
    }
  }
});

test('edits that rename, add or make static a function reuse nothing stale', async () => {
  await initC();
  const file = 'kv-cache/kv-cache.c';
  const original = readFileSync(join(repoRoot(), 'examples', file), 'utf8');
  const others = new Map<string, FileSummary>([
    ['lib/helpers.h', await summarize(HELPERS, 'lib/helpers.h')],
    ['lib/driver.c', await summarize(DRIVER, 'lib/driver.c')],
  ]);
  const variants = [
    original,
    original.replace('int handle_request(', 'static int handle_request('),
    original,
    original.replace(/\bhandle_miss\b/g, 'handle_miss2'),
    `${original}\nint helper_twice(int x) { return handle_request(0, 0, 0, x); }\n`,
    `#include "helpers.h"\n${original}`,
    `#define reply_text(n) (n)\n${original}`,
    `typedef long u32_t;\n${original}`,
    original,
  ];
  const memo = new AnalysisMemo();
  for (const [i, text] of variants.entries()) {
    const incremental = analyzeFile(file, parsePlainC(text), text, others, DEFAULT_ANALYZE_OPTIONS, memo);
    const fresh = analyzeFile(file, parsePlainC(text), text, others, DEFAULT_ANALYZE_OPTIONS);
    assert.deepEqual(incremental, fresh, `variant ${i}`);
  }
});

function withoutFile(summaries: Map<string, FileSummary>, file: string): Map<string, FileSummary> {
  const others = new Map(summaries);
  others.delete(file);
  return others;
}
