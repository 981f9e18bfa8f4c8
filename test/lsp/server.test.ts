import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspTestClient, Published } from './lspClient';

// Generous, only so that a broken server fails the test instead of hanging the run.
const LIMIT = { timeout: 60_000 };

const HANDLER = [
  '// bpf-offload: entry',
  'int handle(char *buf, int len) {',
  '  int sum = 0;',
  '  return sum + len;',
  '}',
  '',
].join('\n');

const MALLOC_LINE = '  char *p = malloc(64);\n';

function codes(p: Published): string[] {
  return p.diagnostics.map((d) => String(d.code));
}

function insertAt(line: number, text: string) {
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text };
}

test('diagnostics follow incremental edits, tagged with each version', LIMIT, async () => {
  const client = new LspTestClient();
  client.configuration = { entries: ['handle'], diagnostics: { debounceMs: 5 }, logLevel: 'debug' };
  try {
    const init = await client.initialize();
    assert.equal((init.capabilities.textDocumentSync as { change: number }).change, 2, 'incremental sync');
    const uri = 'file:///virtual/handler.c';

    await client.open(uri, HANDLER, 1);
    const v1 = await client.diagnosticsFor(uri, 1);
    assert.ok(!codes(v1).includes('dynamic-memory'), `v1 has no allocation: ${codes(v1)}`);

    await client.change(uri, 2, [insertAt(3, MALLOC_LINE)]);
    const v2 = await client.diagnosticsFor(uri, 2);
    const allocation = v2.diagnostics.find((d) => d.code === 'dynamic-memory');
    assert.ok(allocation, `v2 reports the malloc: ${JSON.stringify(v2.diagnostics)}`);
    assert.equal(allocation.range.start.line, 3);
    assert.equal(allocation.source, 'bpf-offload');
    assert.match(allocation.codeDescription?.href ?? '', /#dynamic-memory$/);

    await client.change(uri, 3, [{ range: { start: { line: 3, character: 0 }, end: { line: 4, character: 0 } }, text: '' }]);
    const v3 = await client.diagnosticsFor(uri, 3);
    assert.ok(!codes(v3).includes('dynamic-memory'), `v3 no longer has the malloc: ${codes(v3)}`);

    // A burst of edits: whatever gets published, versions never go backwards and the last one wins.
    for (let version = 4; version <= 12; version++) await client.change(uri, version, [insertAt(2, `  sum += ${version};\n`)]);
    await client.diagnosticsFor(uri, 12);
    const versions = client.published.filter((p) => p.uri === uri).map((p) => p.version ?? -1);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
    assert.equal(new Set(versions).size, versions.length, 'each version published at most once');
  } finally {
    assert.equal(await client.stop(), 0);
  }
});

test('bogus edits, unknown documents and binary garbage do not crash the server', LIMIT, async () => {
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 0 } };
  try {
    await client.initialize();
    const uri = 'file:///virtual/broken.c';
    await client.open(uri, HANDLER, 1);
    await client.diagnosticsFor(uri, 1);

    await client.change(uri, 2, [{ range: { start: { line: 9999, character: -5 }, end: { line: 2, character: 1e9 } }, text: '}}}{{{' }]);
    await client.change(uri, 3, [{ range: null, text: 42 }, { range: { start: {}, end: 'x' }, text: 'int' }]);
    await client.change('file:///virtual/never-opened.c', 1, [insertAt(0, 'int x;')]);
    await client.connection.sendNotification('textDocument/didChange', { textDocument: null, contentChanges: null });
    await client.connection.sendNotification('textDocument/didOpen', {});

    let garbage = '';
    for (let i = 0; i < 20_000; i++) garbage += String.fromCharCode((i * 7919 + 13) % 0xd7ff);
    garbage += '\u0000\ud800\udfff\uffff' + '{'.repeat(2000) + '('.repeat(2000);
    const garbageUri = 'file:///virtual/garbage.c';
    await client.open(garbageUri, garbage, 1);
    const published = await client.diagnosticsFor(garbageUri, 1);
    assert.ok(Array.isArray(published.diagnostics));

    // Still serving: a later, valid edit of the first document is analysed.
    await client.change(uri, 4, [{ text: HANDLER }]);
    await client.diagnosticsFor(uri, 4);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: garbageUri } });
    const cleared = await client.waitFor('cleared diagnostics', () =>
      client.published.find((p) => p.uri === garbageUri && p.version === undefined && p.diagnostics.length === 0),
    );
    assert.ok(cleared);
  } finally {
    assert.equal(await client.stop(), 0);
  }
});

test('untrusted workspace: executable settings are ignored until trust is granted', LIMIT, async () => {
  const client = new LspTestClient();
  client.configuration = { clangPath: '/tmp/not-clang', logLevel: 'info' };
  try {
    await client.initialize({ initializationOptions: { trusted: false } });
    assert.match(await client.logged(/started/), /untrusted/);
    await client.open('file:///virtual/t.c', HANDLER, 1);
    await client.logged(/bpfOffload\.clangPath is ignored in an untrusted workspace/);
    await client.connection.sendNotification('bpfOffload/workspaceTrusted');
    await client.logged(/Workspace trusted/);
  } finally {
    assert.equal(await client.stop(), 0);
  }
});

test('functions in workspace files that are not open are found through the index', LIMIT, async () => {
  const folder = mkdtempSync(join(tmpdir(), 'bpf-offload-ws-'));
  const client = new LspTestClient();
  client.configuration = { entries: ['handle'], diagnostics: { debounceMs: 0 } };
  try {
    writeFileSync(join(folder, 'helper.c'), '#include <stdlib.h>\nvoid *grab(int n) { return malloc(n); }\n');
    const mainPath = join(folder, 'main.c');
    const mainText = 'void *grab(int n);\nint handle(char *buf, int len) {\n  grab(len);\n  return 0;\n}\n';
    writeFileSync(mainPath, mainText);
    const rootUri = pathToFileURL(folder).href;
    await client.initialize({ rootUri, workspaceFolders: [{ uri: rootUri, name: 'ws' }] });
    await client.logged(/Workspace index: 2 files/);
    const uri = pathToFileURL(mainPath).href;
    await client.open(uri, mainText, 1);
    const v1 = await client.diagnosticsFor(uri, 1);
    // With helper.c indexed, grab has a body: it is not an unknown callee.
    assert.ok(!codes(v1).includes('unknown-callee'), `grab is known: ${JSON.stringify(v1.diagnostics)}`);

    // The allocation is reported in helper.c, with the call chain back into main.c.
    const helperUri = pathToFileURL(join(folder, 'helper.c')).href;
    await client.open(helperUri, '#include <stdlib.h>\nvoid *grab(int n) { return malloc(n); }\n', 1);
    const helper = await client.diagnosticsFor(helperUri, 1);
    const allocation = helper.diagnostics.find((d) => d.code === 'dynamic-memory');
    assert.ok(allocation, JSON.stringify(helper.diagnostics));
    assert.equal(allocation.relatedInformation?.[0]?.location.uri, uri);
    assert.equal(allocation.relatedInformation?.[0]?.location.range.start.line, 2);
  } finally {
    assert.equal(await client.stop(), 0);
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the server also speaks node IPC', LIMIT, async () => {
  const { fork } = await import('node:child_process');
  const { SERVER_JS } = await import('./lspClient');
  const child = fork(SERVER_JS, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const { createMessageConnection, IPCMessageReader, IPCMessageWriter } = await import('vscode-languageserver/node');
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const result = (await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as {
      serverInfo?: { name: string };
    };
    assert.equal(result.serverInfo?.name, 'bpf-offload-server');
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill();
  }
  connection.dispose();
});

test('a server given only --clientProcessId, which is not a transport, speaks stdio', LIMIT, async () => {
  const client = new LspTestClient([`--clientProcessId=${process.pid}`]);
  try {
    await client.initialize();
    const result = await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///nothing.c' }, position: { line: 0, character: 0 } });
    assert.equal(result, null);
  } finally {
    await client.stop();
  }
});
