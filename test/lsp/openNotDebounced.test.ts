// The debounce setting is the wait after the last edit: an open is not an edit, and is analysed
// at once, whatever the setting; an edit after it still waits out the debounce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { LspTestClient } from './lspClient';

const DEBOUNCE_MS = 8_000;
const HANDLER = '// bpf-offload: entry\nint handle(char *buf, int len) {\n  return len;\n}\n';

test('an open is analysed without waiting out the debounce; an edit waits', { timeout: 60_000 }, async () => {
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: DEBOUNCE_MS } };
  try {
    await client.initialize();
    const uri = 'file:///virtual/opened.c';
    const opened = performance.now();
    await client.open(uri, HANDLER, 1);
    await client.diagnosticsFor(uri, 1);
    const openMs = performance.now() - opened;
    assert.ok(openMs < DEBOUNCE_MS / 2, `the open's diagnostics came after ${openMs.toFixed(0)} ms, as if debounced`);

    const edited = performance.now();
    await client.change(uri, 2, [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '  len++;\n' }]);
    await client.diagnosticsFor(uri, 2);
    const editMs = performance.now() - edited;
    assert.ok(editMs >= DEBOUNCE_MS - 50, `the edit's diagnostics came after ${editMs.toFixed(0)} ms, before the debounce`);
  } finally {
    await client.stop();
  }
});
