// The analysis thread sends an edited file's summary back as a delta: functions the summary memo
// reused, and globals and prototypes the declaration memo reused, go by their position in the
// summary of that file both threads held when the job was sent. The server must rebuild exactly the summary the thread computed, share the unchanged
// functions with its previous copy, and refuse a delta whose base it does not hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { Analyzer } from '../../server/src/analyzer';
import { defaultWorkerPath } from '../../server/src/analysisRunner';
import { decodeSummary, encodeSummary } from '../../server/src/analysisWorkerProtocol';
import { silentLogger } from '../../server/src/log';
import { summarize } from '../analysis/summarizeText';
import { repoRoot } from '../repoRoot';

const TWO = 'int count;\nstatic int limit = 4;\nint helper(int);\nint first(int x) { return x + 1; }\nint second(int y) { return y * 2; }\n';

test('a delta names only reused objects of the shared parts, and decodes against a copy of its base', async () => {
  const base = await summarize(TWO, 'two.c');
  assert.deepEqual([base.functions.length, base.globals.length, base.prototypes.length], [2, 2, 1]);
  assert.deepEqual(encodeSummary(base, undefined), { whole: base });
  const next = {
    ...base,
    functions: [base.functions[1], { ...base.functions[0], name: 'renamed' }],
    globals: [{ ...base.globals[0] }, base.globals[1]],
    hasSyntaxErrors: true,
  };
  const transfer = encodeSummary(next, base);
  assert.ok('delta' in transfer);
  assert.deepEqual(transfer.delta.shared.functions[0], 1);
  assert.equal(typeof transfer.delta.shared.functions[1], 'object');
  assert.deepEqual(transfer.delta.shared.globals, [next.globals[0], 1]);
  assert.deepEqual(transfer.delta.shared.prototypes, [0]);
  assert.equal('functions' in transfer.delta.rest || 'globals' in transfer.delta.rest || 'prototypes' in transfer.delta.rest, false);
  // The server holds its own copy of the base (it crossed the thread boundary by structured clone).
  const serverBase = structuredClone(base);
  const decoded = decodeSummary(structuredClone(transfer), serverBase);
  assert.deepStrictEqual(decoded, next);
  assert.equal(decoded.functions[0], serverBase.functions[1], 'the shared function is the server\'s own object');
  assert.equal(decoded.globals[1], serverBase.globals[1]);
  assert.equal(decoded.prototypes[0], serverBase.prototypes[0]);
  assert.notEqual(decoded.globals[0], serverBase.globals[0], 'a copy of a base global is sent, not named');
  assert.throws(() => decodeSummary(transfer, undefined), /does not hold/);
  assert.throws(() => decodeSummary(transfer, { ...serverBase, functions: [] }), /does not hold/);
  assert.throws(() => decodeSummary(transfer, { ...serverBase, prototypes: [] }), /prototypes of two\.c that the server does not hold/);
  // Nothing shared: sent whole.
  assert.ok('whole' in encodeSummary(structuredClone(next), base));
});

test('after an edit the thread\'s answer shares the unchanged functions with the previous summary and equals a fresh analysis', { timeout: 60_000 }, async () => {
  await initC();
  const text = readFileSync(join(repoRoot(), 'examples', 'kv-cache', 'kv-cache.c'), 'utf8');
  const uri = 'file:///transfer/kv-cache.c';
  const analyzer = new Analyzer(silentLogger(), { workerPath: defaultWorkerPath(), startAnalysisThread: true });
  try {
    analyzer.openDocument(uri, 'c', 1, text);
    const before = await analyzer.analyze(uri, DEFAULT_ANALYZE_OPTIONS);
    assert.ok(before);
    // One character typed in the last function's body: the others are reused by the thread's memo.
    const at = text.lastIndexOf('return');
    const edited = `${text.slice(0, at)}x${text.slice(at)}`;
    analyzer.changeDocument(uri, 2, [{ text: edited }]);
    const after = await analyzer.analyze(uri, DEFAULT_ANALYZE_OPTIONS);
    assert.ok(after);
    const shared = after.analysis.summary.functions.filter((fn) => before.analysis.summary.functions.includes(fn));
    // (The memo also redoes functions it never keeps, such as those declaring a struct inside.)
    assert.ok(shared.length >= after.analysis.summary.functions.length / 2, `${shared.length} of ${after.analysis.summary.functions.length} functions shared`);
    assert.ok(shared.length < after.analysis.summary.functions.length, 'the edited function is new');
    // No line moved: every global and prototype is the previous summary's object (declaration memo).
    assert.ok(after.analysis.summary.globals.length > 0);
    assert.ok(after.analysis.summary.globals.every((g) => before.analysis.summary.globals.includes(g)));
    assert.ok(after.analysis.summary.prototypes.every((p) => before.analysis.summary.prototypes.includes(p)));
    const fresh = analyzeFile(after.analysis.file, parsePlainC(edited), edited, analyzer.otherSummaries(after.analysis.file), DEFAULT_ANALYZE_OPTIONS);
    assert.deepEqual(after.analysis, fresh);
  } finally {
    analyzer.dispose();
  }
});
