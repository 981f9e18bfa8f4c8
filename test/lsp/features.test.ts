// The editor features over the real server (dist/server.js over stdio): code lens, offload
// regions, fallback Hints, the hover's cost table following the loaded profile, quick fixes,
// and a hover cancelled mid-flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, DiagnosticSeverity, type CodeAction, type CodeLens, type Hover, type TextEdit } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { SlicePath } from '../../server/src/analysis/slices';
import { exampleWorkspace, gcovJson, RegionsClient } from './offloadHelpers';
import { LspTestClient } from './lspClient';

const LIMIT = { timeout: 60_000 };

async function analyse(file: string): Promise<FileAnalysis> {
  await initC();
  const text = readFileSync(file, 'utf8');
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    return analyzeFile(file, tree, text, new Map(), DEFAULT_ANALYZE_OPTIONS);
  } finally {
    parsed.delete();
  }
}

function hoverText(hover: Hover | null): string {
  assert.ok(hover, 'a hover');
  const contents = hover.contents as { kind: string; value: string };
  assert.equal(contents.kind, 'markdown');
  return contents.value;
}

/** The table row of a path id, split into cells. */
function row(markdown: string, pathId: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith('|') && l.includes(`**${pathId}**`));
  assert.ok(line, `a row for ${pathId} in\n${markdown}`);
  return line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
}

test('kv-cache: code lens, offload regions and fallback Hints from the slices', LIMIT, async () => {
  const ws = exampleWorkspace('kv-cache');
  const client = new RegionsClient();
  client.configuration = { diagnostics: { debounceMs: 0 } };
  try {
    await client.initialize({ rootUri: ws.folderUri, workspaceFolders: [{ uri: ws.folderUri, name: 'ws' }], initializationOptions: { offloadRegions: true } });
    const text = readFileSync(ws.file, 'utf8');
    await client.open(ws.uri, text, 1);
    const published = await client.diagnosticsFor(ws.uri, 1);

    const expected = await analyse(ws.file);
    const slices = expected.slices[0];
    const fallbackPaths = slices.paths.filter((p) => p.endsIn === 'userspace' && p.fallback);
    assert.ok(fallbackPaths.length > 0, 'kv-cache has paths that fall back');

    // Fallback points: Hints of their own family, with a doc link into entries-and-slices.md.
    const hints = published.diagnostics.filter((d) => d.code === 'offload-fallback');
    assert.equal(hints.length, new Set(fallbackPaths.map((p) => JSON.stringify(p.fallback!.range))).size, 'one Hint per distinct fallback point');
    for (const hint of hints) {
      assert.equal(hint.severity, DiagnosticSeverity.Hint);
      assert.match(hint.message, /falls? back to userspace here/);
      assert.match(hint.codeDescription?.href ?? '', /entries-and-slices\.md#fallback-diagnostics$/);
      const paths = fallbackPaths.filter((p) => p.fallback!.range.start.line === hint.range.start.line);
      assert.ok(paths.length > 0, `a slice path falls back at line ${hint.range.start.line + 1}`);
      assert.ok(hint.message.includes(`[${paths[0].fallback!.code}]`), hint.message);
      if (paths[0].handover) assert.match(hint.message, /The kernel half hands (it|them) over/);
    }

    // Regions: the kernel paths shaded, hand-overs and fallbacks marked, for this version.
    const regions = await client.waitFor('offload regions', () => client.regions.find((r) => r.uri === ws.uri && r.version === 1));
    const kernel = regions.regions.filter((r) => r.kind === 'kernel');
    assert.deepEqual(kernel.map((r) => r.range), slices.offloadableRegion);
    assert.ok(regions.regions.some((r) => r.kind === 'handover'), 'hand-over markers');
    assert.equal(regions.regions.filter((r) => r.kind === 'fallback').length, hints.length);
    assert.ok(regions.regions.every((r) => r.entry === 'handle_request'), JSON.stringify(regions.regions.map((r) => r.entry)));

    // Code lens: one per entry, above its name, with the conclusion and the details command.
    const lenses = (await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri: ws.uri } })) as CodeLens[];
    assert.equal(lenses.length, expected.entries.length);
    const lens = lenses[0];
    assert.deepEqual(lens.range.start, expected.entries[0].nameRange.start);
    const kernelCount = slices.paths.filter((p) => p.endsIn === 'kernel').length;
    assert.match(lens.command!.title, new RegExp(`^BPF Offload: ${slices.paths.length} paths, ${kernelCount} in kernel`));
    assert.match(lens.command!.title, /(saves|costs) ~[\d.]+ (ns|µs).*\/request at [\d.]+% in kernel, static guess · (offload|offload some paths|don't offload)$/);
    assert.equal(lens.command!.command, 'bpfOffload.showDetails');
    assert.deepEqual(lens.command!.arguments, [ws.uri, expected.entries[0].nameRange.start]);
  } finally {
    await client.stop();
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

/** 1000 requests: `hit` GET hits, `miss` GET misses, the rest SETs (as test/analysis/offload.test.ts). */
function mix(paths: SlicePath[], hit: number, miss: number): Map<string, number> {
  const hitPath = paths.find((p) => p.endsIn === 'kernel')!;
  const missPath = paths.find((p) => p.description.includes('s == NULL'))!;
  const set = paths.find((p) => p.description.includes('"SET "') && !p.description.includes('!(len > 4 && memcmp(req, "SET "'))!;
  return new Map([
    [hitPath.id, hit],
    [missPath.id, miss],
    [set.id, 1000 - hit - miss],
  ]);
}

test('hover: the cost table and its sources follow the profile named by the setting', LIMIT, async () => {
  const ws = exampleWorkspace('kv-cache');
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 0 }, profilePath: 'load.gcov.json' };
  const expected = await analyse(ws.file);
  const slices = expected.slices[0];
  const hit = slices.paths.find((p) => p.endsIn === 'kernel')!;
  const profileFile = join(ws.dir, 'load.gcov.json');
  writeFileSync(profileFile, gcovJson(ws.file, slices.function, slices.paths, mix(slices.paths, 900, 50)));
  try {
    await client.initialize({ rootUri: ws.folderUri, workspaceFolders: [{ uri: ws.folderUri, name: 'ws' }] });
    await client.open(ws.uri, readFileSync(ws.file, 'utf8'), 1);
    await client.diagnosticsFor(ws.uri, 1);
    // On a line of the hit path: that row is marked.
    const position = { line: hit.end.range.start.line, character: hit.end.range.start.character };
    const ask = async () => hoverText((await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: ws.uri }, position })) as Hover);

    const first = await ask();
    assert.match(first, /\| Path \| Share \| Ends \| Userspace ns \| Split ns \| Saving ns \|/);
    const hitRow = row(first, hit.id);
    assert.match(hitRow[0], /^▶ /, 'the hovered path is marked');
    assert.equal(hitRow[1], '90.0% (900 req)');
    assert.match(hitRow[2], /^kernel: reply at line \d+$/);
    for (const cell of hitRow.slice(3)) assert.match(cell, /^-?[\d,]+(\.\d)?$/);
    assert.match(first, /gcov profile `load\.gcov\.json`, 1,000 requests covered/);
    assert.match(first, /No calibration file/);
    assert.match(first, /`recvSyscall` = /, 'parameters with their sources');
    for (const p of slices.paths.filter((q) => q.endsIn === 'userspace')) assert.match(row(first, p.id)[2], /^userspace/);

    // A different request mix on disk: the numbers follow (the watcher event drops the cache).
    writeFileSync(profileFile, gcovJson(ws.file, slices.function, slices.paths, mix(slices.paths, 100, 800)));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(profileFile).href, type: 2 }] });
    const second = await ask();
    assert.equal(row(second, hit.id)[1], '10.0% (100 req)');
    const expectedSaving = (md: string) => Number(/saving (-?[\d,.]+) ns/.exec(md)![1].replace(/,/g, ''));
    assert.ok(expectedSaving(first) > expectedSaving(second), `saving ${expectedSaving(first)} (90% hits) > ${expectedSaving(second)} (10% hits)`);

    // A calibration file: named among the sources, its parameters used.
    const calibrationDir = join(ws.dir, '.bpf-offload');
    mkdirSync(calibrationDir);
    writeFileSync(join(calibrationDir, 'calibration.json'), JSON.stringify({ version: 1, machine: { hostname: 'testhost' }, measuredAt: '2026-01-01T00:00:00Z', parameters: { bpfInstruction: { ns: 7, source: 'test calibration' } } }));
    const third = await ask();
    assert.match(third, /Calibration: `\.bpf-offload\/calibration\.json` \(2026-01-01T00:00:00Z, testhost\), replaces 1 parameters/);
    assert.match(third, /`bpfInstruction` = 7\.0 ns — measured: test calibration/);

    // A broken profile: said so, static shares instead.
    writeFileSync(profileFile, '{"not": "a profile"');
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(profileFile).href, type: 2 }] });
    const fourth = await ask();
    assert.match(fourth, /Profile `load\.gcov\.json` not used: /);
    assert.match(fourth, /static heuristic/);
  } finally {
    await client.stop();
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('hover off every entry is empty; a cancelled hover does not take the server down', LIMIT, async () => {
  const ws = exampleWorkspace('kv-cache');
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 10_000 } };
  try {
    await client.initialize({ rootUri: ws.folderUri, workspaceFolders: [{ uri: ws.folderUri, name: 'ws' }] });
    await client.open(ws.uri, readFileSync(ws.file, 'utf8'), 1);
    // Line 0 is the file's opening comment or include: no entry there.
    assert.equal(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: ws.uri }, position: { line: 0, character: 0 } }), null);
    const expected = await analyse(ws.file);
    const position = expected.entries[0].nameRange.start;
    // The debounce is long, so the hover has to analyse itself; cancel it right away.
    const source = new CancellationTokenSource();
    const pending = client.connection.sendRequest('textDocument/hover', { textDocument: { uri: ws.uri }, position }, source.token);
    source.cancel();
    await pending.then(
      () => undefined,
      (error: { code?: number }) => assert.equal(error.code, -32800, 'RequestCancelled'),
    );
    const after = hoverText((await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: ws.uri }, position })) as Hover);
    assert.match(after, /\*\*BPF Offload\*\* — handle_request/);
    assert.equal(client.child.exitCode, null, 'the server is still running');
  } finally {
    await client.stop();
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('a quick fix bound through data removes its diagnostic when applied', LIMIT, async () => {
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 0 }, entries: ['handle'] };
  const uri = 'file:///virtual/fix.c';
  const source = ['#include <string.h>', 'int handle(char *buf, int len) {', '  return (int)strlen(buf) + len;', '}', ''].join('\n');
  try {
    await client.initialize({
      capabilities: {
        workspace: { configuration: true, workspaceEdit: { documentChanges: true } },
        textDocument: { publishDiagnostics: { versionSupport: true }, codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor'] } } } },
      },
    });
    await client.open(uri, source, 1);
    const v1 = await client.diagnosticsFor(uri, 1);
    const warning = v1.diagnostics.find((d) => d.code === 'string-function' && d.message.startsWith('strlen'));
    assert.ok(warning, JSON.stringify(v1.diagnostics));
    assert.ok(warning.data, 'fix data travels in data');
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: warning.range,
      context: { diagnostics: [warning], only: ['quickfix'] },
    })) as CodeAction[];
    const fix = actions.find((a) => a.kind === 'quickfix' && /strnlen/.test(a.title));
    assert.ok(fix, JSON.stringify(actions));
    assert.deepEqual(fix.diagnostics, [warning]);
    const change = fix.edit!.documentChanges![0] as { textDocument: { version: number }; edits: TextEdit[] };
    assert.equal(change.textDocument.version, 1);
    const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'c', 1, source), change.edits);
    assert.match(fixed, /strnlen\(buf, \d+\)/);
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    const v2 = await client.diagnosticsFor(uri, 2);
    assert.ok(!v2.diagnostics.some((d) => d.code === 'string-function' && d.message.startsWith('strlen')), JSON.stringify(v2.diagnostics));
  } finally {
    await client.stop();
  }
});

test('untrusted workspace: a profile inside the folder is used, one outside it is refused', LIMIT, async () => {
  const ws = exampleWorkspace('kv-cache');
  const outside = exampleWorkspace('kv-cache');
  const expected = await analyse(ws.file);
  const slices = expected.slices[0];
  const profile = gcovJson(ws.file, slices.function, slices.paths, mix(slices.paths, 700, 100));
  writeFileSync(join(ws.dir, 'inside.gcov.json'), profile);
  writeFileSync(join(outside.dir, 'outside.gcov.json'), profile);
  const client = new LspTestClient();
  client.configuration = { diagnostics: { debounceMs: 0 }, profilePath: join(outside.dir, 'outside.gcov.json') };
  try {
    await client.initialize({ rootUri: ws.folderUri, workspaceFolders: [{ uri: ws.folderUri, name: 'ws' }], initializationOptions: { trusted: false } });
    await client.open(ws.uri, readFileSync(ws.file, 'utf8'), 1);
    await client.diagnosticsFor(ws.uri, 1);
    const position = expected.entries[0].nameRange.start;
    const ask = async () => hoverText((await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: ws.uri }, position })) as Hover);
    const refused = await ask();
    assert.match(refused, /not used: in an untrusted workspace the profile must be inside a workspace folder/);
    assert.match(refused, /static heuristic/);

    client.configuration = { diagnostics: { debounceMs: 0 }, profilePath: 'inside.gcov.json' };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const accepted = await ask();
    assert.match(accepted, /gcov profile `inside\.gcov\.json`, 1,000 requests covered/);
  } finally {
    await client.stop();
    rmSync(ws.dir, { recursive: true, force: true });
    rmSync(outside.dir, { recursive: true, force: true });
  }
});
