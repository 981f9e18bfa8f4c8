// The analysis runs on its own thread: the server keeps answering while a big file is analysed,
// a superseded analysis is dropped, and a step that cannot complete (code nested deeper than the
// analysis can follow) is reported once as an 'analysis-limit' diagnostic instead of nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import { analyzeFile } from '../../server/src/analysis/analyze';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { LspTestClient } from './lspClient';

const LIMIT = { timeout: 120_000 };
const ROOT = join(__dirname, '..', '..', '..');
const PARSER_C = join(ROOT, 'node_modules', 'tree-sitter-c', 'src', 'parser.c');
const nested = (depth: number) => `// bpf-offload: entry\nint handle(int x) {\n${'{'.repeat(depth)}${'}'.repeat(depth)}\n  return x;\n}\n`;

test('a step that overflows the stack leaves the other steps and one analysis-limit diagnostic', async () => {
  await initC();
  const text = nested(10_000);
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile('file:///nested.c', tree, text, new Map());
    const limits = analysis.diagnostics.filter((d) => d.code === 'analysis-limit');
    assert.equal(limits.length, 1, JSON.stringify(analysis.diagnostics.map((d) => d.code)));
    assert.match(limits[0].message, /nested \d+ syntax levels deep/);
    // The summary step finished: the function is known even though a later step gave up.
    assert.deepEqual(analysis.summary.functions.map((f) => f.name), ['handle']);
  } finally {
    parsed.delete();
  }
});

test('the server publishes the analysis-limit diagnostic for code nested too deeply, linked to its documentation', LIMIT, async () => {
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 0 } };
  try {
    await client.initialize();
    const uri = 'file:///limits/nested.c';
    // Deep enough to overflow even the analysis thread's larger stack.
    await client.open(uri, nested(200_000), 1);
    const published = await client.diagnosticsFor(uri, 1);
    const limits = published.diagnostics.filter((d) => d.code === 'analysis-limit');
    assert.equal(limits.length, 1, JSON.stringify(published.diagnostics.map((d) => d.code)));
    assert.equal(limits[0].severity, DiagnosticSeverity.Information);
    assert.match(limits[0].codeDescription?.href ?? '', /docs\/editor\.md#analysis-limits$/);
    // Requests on that version are answered from the remembered result, not by analysing again.
    const analysesBefore = client.published.filter((p) => p.uri === uri).length;
    for (let i = 0; i < 3; i++) await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 4 } });
    assert.equal(client.published.filter((p) => p.uri === uri).length, analysesBefore);
    assert.equal(client.child.exitCode, null);
  } finally {
    await client.stop();
  }
});

test('requests on one document are answered while another, big one is still being analysed', LIMIT, async () => {
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 0 } };
  try {
    await client.initialize();
    const small = 'file:///busy/small.c';
    await client.open(small, '// bpf-offload: entry\nint handle(int x) {\n  return x + 1;\n}\n', 1);
    await client.diagnosticsFor(small, 1);
    const big = 'file:///busy/parser.c';
    // Tens of thousands of lines of generated C: seconds of analysis.
    await client.open(big, readFileSync(PARSER_C, 'utf8').split('\n').slice(0, 40_000).join('\n'), 1);
    let bigPublishedFirst = false;
    for (let i = 0; i < 5; i++) {
      await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: small }, position: { line: 1, character: 4 } });
      await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri: small } });
      if (client.published.some((p) => p.uri === big)) bigPublishedFirst = true;
    }
    assert.equal(bigPublishedFirst, false, 'the requests were answered before the big file had its diagnostics');
    // And the big file's analysis still finishes.
    const published = await client.diagnosticsFor(big, 1);
    assert.ok(Array.isArray(published.diagnostics));
  } finally {
    await client.stop();
  }
});
