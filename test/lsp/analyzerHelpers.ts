// Shared by the tests that drive an Analyzer (with its analysis thread) directly.
import assert from 'node:assert/strict';
import { DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import type { Analyzer } from '../../server/src/analyzer';

/** The callees the analysis of `uri` reports as unknown (code unknown-callee), by name, in order. */
export async function unknownCalleesOf(analyzer: Analyzer, uri: string): Promise<string[]> {
  const result = await analyzer.analyze(uri, DEFAULT_ANALYZE_OPTIONS);
  assert.ok(result, `${uri} is open`);
  return result.analysis.diagnostics.filter((d) => d.code === 'unknown-callee').map((d) => d.message.split('(')[0]);
}
