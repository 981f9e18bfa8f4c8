// A document opened as it is on disk is analysed with the workspace index's summary of that text
// (AnalyzeOptions.summaryOfText) and the program facts the analysis thread built ahead over the
// index: the result, and the facts left in the memo, must equal an analysis from scratch — and so
// must the edits after it, whose summary memo the thread fills once the answer is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisMemo, analyzeFile, buildProgramFacts, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse } from '../../server/src/analysis/plainTreeEdit';
import { summarizeText } from '../../server/src/workspaceIndex';
import { repoRoot } from '../repoRoot';

const EXAMPLES = ['kv-cache/kv-cache.c', 'dns-responder/dns-responder.c'];
const CALLER = 'int handle_request(const char *req, int len, char *out, int cap);\nint drive(void) { char out[64]; return handle_request("get k", 5, out, 64); }\n';

async function indexOf(names: string[]): Promise<Map<string, FileSummary>> {
  await initC();
  const index = new Map<string, FileSummary>([['file:///caller.c', summarizeText('file:///caller.c', CALLER)]]);
  for (const name of names) index.set(name, summarizeText(name, readFileSync(join(repoRoot(), 'examples', name), 'utf8')));
  return index;
}

test('an open that takes the index summary and the facts built ahead equals an analysis from scratch', async () => {
  const index = await indexOf(EXAMPLES);
  for (const name of EXAMPLES) {
    const text = readFileSync(join(repoRoot(), 'examples', name), 'utf8');
    const memo = new AnalysisMemo();
    // As the thread does once the index is in (analysisWorker.ts, buildFactsWhenIdle).
    memo.facts = buildProgramFacts(index);
    const ahead = memo.facts;
    const version = reparse(undefined, text);
    // Each reparse frees the version it was made from: only the latest holds a tree to free.
    let current = version;
    try {
      const opened = analyzeFile(name, version.plain, text, index, { ...DEFAULT_ANALYZE_OPTIONS, summaryOfText: index.get(name) }, memo);
      const fresh = analyzeFile(name, parsePlainC(text), text, new Map(index), DEFAULT_ANALYZE_OPTIONS);
      assert.equal(opened.summary, index.get(name), `${name}: the index's summary is the one taken`);
      assert.deepStrictEqual(opened, fresh, name);
      const scratch = buildProgramFacts(new Map([...index].map(([file, s]) => [file, file === name ? fresh.summary : s])));
      // The cycles are found on first use (the analysis used the memo's): so are the scratch graph's.
      scratch.callGraph.recursiveCycles();
      assert.deepStrictEqual(memo.facts.callGraph, scratch.callGraph, `${name}: call graph after the open`);
      // The type table fills caches as it is asked (the analysis asked the memo's): the analysis
      // equal to a fresh one above is what shows it answers alike; nothing changed, so it stands.
      assert.equal(memo.facts.types, ahead.types, `${name}: nothing changed, the type table built ahead stands`);
      assert.equal(memo.facts.callGraph, ahead.callGraph, `${name}: nothing changed, the call graph built ahead stands`);

      // What the thread does after answering, then edits: each must equal a fresh analysis.
      memo.rememberSummary(name, version.plain, text, opened.summary);
      let edited = text;
      for (const at of [0.2, 0.5, 0.8]) {
        const offset = edited.indexOf('\n', Math.floor(edited.length * at)) + 1;
        edited = edited.slice(0, offset) + 'static int added_' + Math.round(at * 10) + '(int x) { return x; }\n' + edited.slice(offset);
        current = reparse(current, edited);
        const incremental = analyzeFile(name, current.plain, edited, index, DEFAULT_ANALYZE_OPTIONS, memo);
        assert.deepStrictEqual(incremental, analyzeFile(name, parsePlainC(edited), edited, new Map(index), DEFAULT_ANALYZE_OPTIONS), `${name}: edit at ${at}`);
      }
    } finally {
      current.tree.delete();
    }
  }
});

test('a summary of another file is not taken as the summary of the text', async () => {
  const index = await indexOf(EXAMPLES);
  const [name, other] = EXAMPLES;
  const text = readFileSync(join(repoRoot(), 'examples', name), 'utf8');
  const analysis = analyzeFile(name, parsePlainC(text), text, index, { ...DEFAULT_ANALYZE_OPTIONS, summaryOfText: index.get(other) });
  assert.deepStrictEqual(analysis.summary, summarizeText(name, text));
});
