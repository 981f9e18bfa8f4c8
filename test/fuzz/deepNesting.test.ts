// Found by fuzzing (the `unbalanced` mutator's 20,000 repeated openers): code nested some
// thousands of levels deep makes a recursive walk of the analysis overflow the stack
// (RangeError in rules/size.ts ofNode, ~8,000 levels here). The server survives, but publishes
// nothing for that version — the editor keeps showing the previous version's squiggles — and every
// hover and code action repeats the failing analysis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LspTestClient } from '../lsp/lspClient';

const DEPTH = 10_000;
const NESTED = `// bpf-offload: entry\nint handle(int x) {\n${'{'.repeat(DEPTH)}${'}'.repeat(DEPTH)}\n  return x;\n}\n`;

test(`code nested ${DEPTH} levels deep still gets its diagnostics published`, { timeout: 120_000 }, async () => {
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 0 } };
  try {
    await client.initialize();
    const uri = 'file:///fuzz/nested.c';
    await client.open(uri, 'int handle(int x) { return x; }\n', 1);
    await client.diagnosticsFor(uri, 1);
    await client.change(uri, 2, [{ text: NESTED }]);
    const isVersion2 = (p: { uri: string; version?: number }) => p.uri === uri && p.version === 2;
    // Whichever comes first: the diagnostics of version 2, or the log line of its failed analysis.
    await client.waitFor('diagnostics of version 2 or a failed analysis', () => client.published.some(isVersion2) || client.logs.some((l) => /^Analysis of .* failed/.test(l)));
    const published = client.published.find(isVersion2);
    const failures = client.logs.filter((l) => /failed/.test(l)).map((l) => l.split('\n')[0]);
    assert.ok(published, `diagnostics for version 2 were published; the server logged: ${failures.join(' | ')}`);
    assert.equal(client.child.exitCode, null);
  } finally {
    await client.stop();
  }
});
