// The slices memo (slices/memo.ts) checks an entry's recorded answers with FileFacts that record
// nothing, and keeps the previous reads when all are the same: sameAnswers with `refresh` writes
// a function answered by an equal, newly made summary object into the reads in its place, so the
// next check meets the same object. The check must still tell a changed answer from an equal one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgramFacts } from '../../server/src/analysis/analyze';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { FileFacts, sameAnswers } from '../../server/src/analysis/slices/facts';

const FILE = 'facts.c';
const TEXT = `static int LIMIT;
static int helper(int x) { return x + LIMIT; }
int handle(int n) { return helper(n) > 4 ? helper(1) : 0; }
`;

/** Facts of a fresh parse and summary of `text` (new summary objects every time). */
function factsOf(text: string, recording = true): FileFacts {
  const tree = parsePlainC(text);
  const program = buildProgramFacts(new Map([[FILE, summarizeFile(FILE, tree, text)]]));
  return new FileFacts(FILE, tree, program, undefined, recording);
}

/** What the slices of `handle` would ask (summaries, names, a call target, a global, a constant). */
function ask(facts: FileFacts): void {
  facts.functionNamed('handle');
  facts.functionNamed('helper');
  facts.functionsNamed('helper');
  facts.callTarget('helper');
  facts.isGlobal('LIMIT');
  facts.isConst('LIMIT');
  facts.resolvesHere('helper');
}

test('a check that records nothing refreshes equal answers in place and still sees a changed one', async () => {
  await initC();
  const first = factsOf(TEXT);
  ask(first);
  const reads = first.reads;
  const before = reads.functions.get('helper');
  assert.ok(before, 'helper was read');

  // The same text summarised again: equal answers in other objects.
  const checking = factsOf(TEXT, false);
  const now = checking.functionNamed('helper');
  assert.notEqual(now, before, 'a new summary makes new function objects');
  assert.equal(checking.reads.functions.size, 0, 'a checking FileFacts records nothing');
  assert.ok(sameAnswers(reads, checking, true));
  assert.equal(reads.functions.get('helper'), now, 'the equal answer is written in place of the old one');
  assert.equal(reads.allNamed.get('helper')?.[0], now);
  // Without refresh the reads stay as they were.
  const untouched = factsOf(TEXT);
  ask(untouched);
  assert.ok(sameAnswers(untouched.reads, factsOf(TEXT, false)));
  assert.notEqual(untouched.reads.functions.get('helper'), factsOf(TEXT, false).functionNamed('helper'));

  // A changed answer (helper's parameters, the global's constness) is no match.
  assert.ok(!sameAnswers(reads, factsOf(TEXT.replace('helper(int x)', 'helper(int y)').replace('return x', 'return y'), false), true));
  assert.ok(!sameAnswers(first.reads, factsOf(TEXT.replace('static int LIMIT;', 'static const int LIMIT;'), false), true));
  assert.ok(!sameAnswers(first.reads, factsOf(TEXT.replace(/helper/g, 'other'), false), true));
});
