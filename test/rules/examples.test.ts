// Every rule has a documented example that triggers it and one that does not; both are run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RULES } from '../../server/src/analysis/rules/definitions';
import { RULE_EXAMPLES } from '../../server/src/analysis/rules/examples';
import { renderRulesMarkdown } from '../../server/src/analysis/rules/docs';
import { analyzeC, describe, withCode } from './helpers';

for (const rule of RULES) {
  test(`${rule.code}: the documented example is reported, the advised version is not`, async () => {
    const example = RULE_EXAMPLES[rule.code];
    assert.ok(example, `no example for ${rule.code}`);
    const options = example.targetKernel ? { targetKernel: example.targetKernel } : {};
    const bad = await analyzeC(example.triggers, options);
    const hits = withCode(bad, rule.code);
    assert.ok(hits.length > 0, `expected ${rule.code} in:\n${describe(bad)}`);
    for (const d of hits) {
      assert.ok(d.severity >= rule.severity, `${rule.code} reported more severe than defined`);
      assert.ok(d.message.length > 40, 'messages say what and why');
    }
    const good = await analyzeC(example.passes, options);
    assert.deepEqual(withCode(good, rule.code), [], describe(good));
  });
}

test('every definition is complete: explanation, advice, program types', () => {
  const codes = new Set<string>();
  for (const rule of RULES) {
    assert.ok(!codes.has(rule.code), `duplicate ${rule.code}`);
    codes.add(rule.code);
    assert.ok(rule.explanation.length > 40, `${rule.code} explanation`);
    assert.ok(rule.advice.length > 20, `${rule.code} advice`);
    assert.ok(rule.programTypes.length > 0, `${rule.code} program types`);
    for (const b of rule.kernelBoundaries ?? []) assert.match(b.version, /^\d+\.\d+$/);
  }
});

test('docs/rules.md is generated from the definitions and up to date', () => {
  const onDisk = readFileSync('docs/rules.md', 'utf8');
  assert.equal(onDisk, renderRulesMarkdown(), 'run: npx tsc -p . && node out/scripts/gen-rules-doc.js');
  for (const rule of RULES) assert.ok(onDisk.includes(`<a id="${rule.code}"></a>`), `anchor for ${rule.code}`);
});
