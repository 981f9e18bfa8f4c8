// The offload code action over the real server: one WorkspaceEdit that creates every planned
// file (never replacing one), annotated for a preview, resolved lazily when the client can; a
// second split goes into <base>-offload/, a third is refused with the files in the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientCapabilities, CodeAction, CreateFile, TextDocumentEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import { splitFileNames } from '../../server/src/analysis/codegen/contract';
import { LspTestClient } from './lspClient';
import { exampleWorkspace, type Workspace } from './offloadHelpers';

const LIMIT = { timeout: 60_000 };

const FULL: ClientCapabilities = {
  workspace: { configuration: true, workspaceEdit: { documentChanges: true, resourceOperations: ['create'], changeAnnotationSupport: {} } },
  textDocument: {
    publishDiagnostics: { versionSupport: true },
    codeAction: {
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor'] } },
      disabledSupport: true,
      dataSupport: true,
      resolveSupport: { properties: ['edit'] },
    },
  },
};

async function start(ws: Workspace, capabilities: ClientCapabilities): Promise<LspTestClient> {
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 0 } };
  await client.initialize({ rootUri: ws.folderUri, workspaceFolders: [{ uri: ws.folderUri, name: 'ws' }], capabilities });
  await client.open(ws.uri, readFileSync(ws.file, 'utf8'), 1);
  await client.diagnosticsFor(ws.uri, 1);
  return client;
}

/** Refactorings offered on the line of the handler's name. */
async function offloadActions(client: LspTestClient, ws: Workspace, functionName: string): Promise<CodeAction[]> {
  const line = readFileSync(ws.file, 'utf8').split('\n').findIndex((l) => new RegExp(`^\\w.*\\b${functionName}\\(`).test(l));
  assert.ok(line >= 0, `${functionName} is defined`);
  const position = { line, character: 0 };
  return (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: ws.uri },
    range: { start: position, end: position },
    context: { diagnostics: [], only: ['refactor.extract'] },
  })) as CodeAction[];
}

/** Applies an edit the way an editor does, refusing (as VS Code does) to create a file that exists. */
function apply(edit: WorkspaceEdit): string[] {
  const created: string[] = [];
  for (const change of edit.documentChanges ?? []) {
    if ('kind' in change) {
      assert.equal(change.kind, 'create');
      const file = fileURLToPath((change as CreateFile).uri);
      assert.ok(!existsSync(file), `the edit would replace ${file}`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '');
      created.push(file);
    } else {
      const textEdit = change as TextDocumentEdit;
      const file = fileURLToPath(textEdit.textDocument.uri);
      assert.ok(created.includes(file), 'text goes only into files this edit created');
      for (const e of textEdit.edits) writeFileSync(file, readFileSync(file, 'utf8') + e.newText);
    }
  }
  return created;
}

test('Offload to XDP on kv-cache: one annotated edit creating the split files, never over existing ones', LIMIT, async () => {
  const ws = exampleWorkspace('kv-cache');
  const client = await start(ws, FULL);
  try {
    const actions = await offloadActions(client, ws, 'handle_request');
    const byTitle = (hook: string) => actions.find((a) => a.title.startsWith(`Offload handle_request to ${hook}`));
    const xdp = byTitle('XDP');
    assert.ok(xdp, JSON.stringify(actions));
    assert.equal(xdp.kind, 'refactor.extract');
    assert.equal(xdp.disabled, undefined, xdp.disabled?.reason);
    assert.equal(xdp.edit, undefined, 'resolved lazily');
    for (const hook of ['sk_skb', 'sk_msg']) {
      const other = byTitle(hook);
      assert.ok(other?.disabled, `${hook} is offered disabled`);
      assert.match(other.disabled.reason, /TCP/);
    }

    const resolved = (await client.connection.sendRequest('codeAction/resolve', xdp)) as CodeAction;
    const edit = resolved.edit!;
    assert.ok(edit, 'resolve fills in the edit');
    const creates = edit.documentChanges!.filter((c): c is CreateFile => 'kind' in c);
    for (const create of creates) {
      assert.deepEqual(create.options, { overwrite: false, ignoreIfExists: false });
      assert.equal(create.annotationId, 'bpf-offload.split');
    }
    // A confirmation would make VS Code show the files unticked, so a plain Apply wrote nothing.
    assert.equal(edit.changeAnnotations?.['bpf-offload.split']?.needsConfirmation, false, 'applies without a confirmation');
    const names = splitFileNames('kv-cache');
    const expected = [names.kernel, names.sharedHeader, names.userspace, names.loader, names.loaderHeader, names.makefile, names.lineMap].sort();
    assert.deepEqual(creates.map((c) => fileURLToPath(c.uri)).sort(), expected.map((n) => join(ws.dir, n)).sort());
    apply(edit);
    assert.match(readFileSync(join(ws.dir, names.kernel), 'utf8'), /SEC\("xdp"\)/);
    assert.match(readFileSync(join(ws.dir, names.makefile), 'utf8'), /kv-cache\.bpf\.o/);
    const lineMap = JSON.parse(readFileSync(join(ws.dir, names.lineMap), 'utf8'));
    assert.ok(JSON.stringify(lineMap).includes('kv-cache.c'), 'the line map names the original');
    const firstKernel = readFileSync(join(ws.dir, names.kernel), 'utf8');

    // Again: the files exist beside the source, so the split goes into kv-cache-offload/.
    const again = (await offloadActions(client, ws, 'handle_request')).find((a) => a.title.startsWith('Offload handle_request to XDP'))!;
    assert.equal(again.disabled, undefined);
    assert.match(again.title, /into kv-cache-offload\//);
    const second = (await client.connection.sendRequest('codeAction/resolve', again)) as CodeAction;
    const created = apply(second.edit!);
    assert.ok(created.every((f) => dirname(f) === join(ws.dir, 'kv-cache-offload')));
    const subMap = readFileSync(join(ws.dir, 'kv-cache-offload', names.lineMap), 'utf8');
    assert.ok(subMap.includes('../kv-cache.c'), 'the line map names the original relative to the new directory');
    assert.equal(readFileSync(join(ws.dir, names.kernel), 'utf8'), firstKernel, 'the first split is untouched');

    // A third time: nowhere left without replacing files, so the action says which are in the way.
    const third = (await offloadActions(client, ws, 'handle_request')).find((a) => a.title.startsWith('Offload handle_request to XDP'))!;
    assert.ok(third.disabled, 'disabled');
    assert.match(third.disabled.reason, /kv-cache-offload\/ already holds .*kv-cache\.bpf\.c/);
    assert.equal(third.edit, undefined);
    assert.deepEqual(readdirSync(ws.dir).sort(), [...expected, 'kv-cache-offload', 'kv-cache.c'].sort());
  } finally {
    await client.stop();
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('without resolve support the edit comes with the action; without file creation the action explains', LIMIT, async () => {
  const ws = exampleWorkspace('kv-cache');
  const eager = await start(ws, { ...FULL, textDocument: { ...FULL.textDocument, codeAction: { ...FULL.textDocument!.codeAction, resolveSupport: undefined } } });
  try {
    const xdp = (await offloadActions(eager, ws, 'handle_request')).find((a) => a.title.startsWith('Offload handle_request to XDP'))!;
    assert.ok(xdp.edit?.documentChanges?.length, 'edit included');
  } finally {
    await eager.stop();
  }
  const noCreate = await start(ws, { ...FULL, workspace: { configuration: true, workspaceEdit: { documentChanges: true } } });
  try {
    const xdp = (await offloadActions(noCreate, ws, 'handle_request')).find((a) => a.title.startsWith('Offload handle_request to XDP'))!;
    assert.match(xdp.disabled?.reason ?? '', /cannot create files.*bpf-offload split kv-cache\.c --entry \w+ --hook xdp --out DIR/);
    assert.equal(existsSync(join(ws.dir, 'kv-cache.bpf.c')), false);
  } finally {
    await noCreate.stop();
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('tcp-kv: XDP and sk_msg are offered disabled with the reason', LIMIT, async () => {
  const ws = exampleWorkspace('tcp-kv');
  const client = await start(ws, FULL);
  try {
    const text = readFileSync(ws.file, 'utf8');
    const analysisEntry = /^\w[^\n(]*\b(handle_\w+|serve_\w+|process_\w+)\(/m.exec(text)?.[1];
    assert.ok(analysisEntry, 'tcp-kv has a handler');
    const actions = await offloadActions(client, ws, analysisEntry);
    const xdp = actions.find((a) => / to XDP/.test(a.title));
    const skMsg = actions.find((a) => / to sk_msg/.test(a.title));
    assert.match(xdp?.disabled?.reason ?? '', /TCP byte stream/);
    assert.match(skMsg?.disabled?.reason ?? '', /sk_msg runs on data a socket sends/);
    const skSkb = actions.find((a) => / to sk_skb/.test(a.title));
    assert.ok(skSkb, 'sk_skb is offered (enabled once its generator exists, else disabled with the planner\'s reason)');
    if (skSkb.disabled) assert.ok(skSkb.disabled.reason.length > 10);
  } finally {
    await client.stop();
    rmSync(ws.dir, { recursive: true, force: true });
  }
});
