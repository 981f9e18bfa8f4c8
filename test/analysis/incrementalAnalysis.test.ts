// The analysis of a document kept up to date edit by edit (reparsed from its previous version,
// plainTreeEdit.ts, with declarations carried over and the walks' pre-order index rebuilt) must
// equal the analysis of a fresh parse of the same text, after every edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import { repoRoot } from '../repoRoot';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const INSERTIONS = ['x', ' ', '\n', ';', '1', '(', '}', '*'];

test('after each random one-character edit the incremental analysis equals a fresh one', async () => {
  await initC();
  const examples = join(repoRoot(), 'examples');
  for (const [n, name] of ['kv-cache/kv-cache.c', 'dns-responder/dns-responder.c'].entries()) {
    const next = random(42 + n);
    let version: ParsedVersion = reparse(undefined, readFileSync(join(examples, name), 'utf8'));
    try {
      for (let i = 0; i < 25; i++) {
        const text = version.text;
        const at = Math.floor(next() * text.length);
        const after = next() < 0.4 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + INSERTIONS[Math.floor(next() * INSERTIONS.length)] + text.slice(at);
        version = reparse(version, after);
        const incremental = analyzeFile(name, version.plain, after, new Map(), DEFAULT_ANALYZE_OPTIONS);
        const fresh = analyzeFile(name, parsePlainC(after), after, new Map(), DEFAULT_ANALYZE_OPTIONS);
        assert.deepEqual(incremental, fresh, `${name}, edit ${i} at offset ${at}`);
      }
    } finally {
      version.tree.delete();
    }
  }
});
