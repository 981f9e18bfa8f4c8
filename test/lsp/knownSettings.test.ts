// A first open does not wait for the client to answer workspace/configuration for the document:
// it is analysed with the window's settings, read at start-up (SettingsProvider.known), while the
// document's own are asked for; when a folder overrides a setting, it is analysed again with the
// document's own before anything is published. The profile and calibration are read ahead for
// the window's settings (ProfilesFeature.prefetch), so that the first open does not wait for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PublishDiagnosticsParams } from 'vscode-languageserver/node';
import type { AnalyzeOptions } from '../../server/src/analysis/analyze';
import { initC } from '../../server/src/analysis/syntax';
import { Analyzer } from '../../server/src/analyzer';
import { SettingsProvider } from '../../server/src/features/configuration';
import { DiagnosticsFeature } from '../../server/src/features/diagnostics';
import { ProfilesFeature } from '../../server/src/features/profiles';
import { silentLogger } from '../../server/src/log';
import { defaultSettings } from '../../server/src/settings';
import { CALIBRATION_RELATIVE_PATH } from '../../server/src/tools/calibrate';

const WINDOW = { entries: ['handle'] };
const OVERRIDDEN = 'file:///folder-b/';

/** A client whose folder-b overrides the entries setting; every request is recorded. */
function clientSettings() {
  const asked: (string | undefined)[] = [];
  const fetch = async (scopeUri: string | undefined) => {
    asked.push(scopeUri);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return scopeUri?.startsWith(OVERRIDDEN) ? { entries: ['other'] } : WINDOW;
  };
  return { asked, provider: new SettingsProvider(silentLogger(), () => true, fetch) };
}

test('known: nothing before the window settings are read; then the window settings, checked against the document\'s own', async () => {
  const { asked, provider } = clientSettings();
  assert.equal(provider.known('file:///folder-a/a.c'), undefined, 'nothing read yet');
  const window = await provider.get();
  assert.deepEqual(window.entries, ['handle']);

  const same = provider.known('file:///folder-a/a.c');
  assert.ok(same);
  assert.equal(same.settings, window, "the window's settings, at once");
  assert.equal(await same.same, true, 'the document has no override');
  const own = provider.known('file:///folder-a/a.c');
  assert.ok(own && own.same === undefined, 'once read, its own settings, with nothing to check');
  assert.deepEqual(own.settings.entries, ['handle']);

  const differing = provider.known(`${OVERRIDDEN}b.c`);
  assert.ok(differing);
  assert.equal(await differing.same, false, 'the folder overrides the entries');
  assert.deepEqual(provider.known(`${OVERRIDDEN}b.c`)?.settings.entries, ['other']);
  assert.deepEqual(asked, [undefined, 'file:///folder-a/a.c', `${OVERRIDDEN}b.c`], 'each scope asked once');

  provider.invalidate();
  assert.equal(provider.known('file:///folder-a/a.c'), undefined, 'nothing known after a configuration change');
});

test('a first open whose folder overrides a setting is analysed with the window settings, then with its own, and published once', { timeout: 20_000 }, async () => {
  await initC();
  const { provider } = clientSettings();
  await provider.get();
  const analyzer = new Analyzer(silentLogger(), { workerPath: '' });
  const usedEntries: string[][] = [];
  const analyze = analyzer.analyze.bind(analyzer);
  analyzer.analyze = (uri: string, options: AnalyzeOptions) => {
    usedEntries.push([...(options.entries ?? [])]);
    return analyze(uri, options);
  };
  const published: PublishDiagnosticsParams[] = [];
  const feature = new DiagnosticsFeature({ analyzer, settings: provider, logger: silentLogger(), publish: (p) => published.push(p), relatedInformation: true });
  const text = 'int handle(char *buf, int len) {\n  return len;\n}\nint other(char *buf, int len) {\n  return 0;\n}\n';

  const plain = 'file:///folder-a/a.c';
  analyzer.openDocument(plain, 'c', 1, text);
  await feature.documentOpened(plain);
  await until(() => published.length === 1);
  assert.deepEqual(usedEntries, [['handle']], 'one analysis: the window settings were the document\'s');

  const overridden = `${OVERRIDDEN}b.c`;
  analyzer.openDocument(overridden, 'c', 1, text);
  await feature.documentOpened(overridden);
  await until(() => published.some((p) => p.uri === overridden));
  assert.deepEqual(usedEntries.slice(1), [['handle'], ['other']], "analysed with the window's entries, then with the folder's");
  assert.equal(published.filter((p) => p.uri === overridden).length, 1, 'published once, from the second analysis');
  feature.dispose();
  analyzer.dispose();
});

test('prefetch reads every folder\'s calibration for the window settings, so that a first open takes the recent options', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'bpf-offload-prefetch-'));
  try {
    const file = join(folder, CALIBRATION_RELATIVE_PATH);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify({ version: 1, machine: { hostname: 'testhost' }, measuredAt: '2026-01-01T00:00:00Z', parameters: { bpfInstruction: { ns: 9, source: 'test' } } }));
    const profiles = new ProfilesFeature(silentLogger(), () => true);
    profiles.setFolders([pathToFileURL(folder).href]);
    const uri = pathToFileURL(join(folder, 'src', 'server.c')).href;
    const settings = defaultSettings();
    assert.equal(profiles.recentOffloadOptions(uri, settings), undefined, 'nothing read yet');
    await profiles.prefetch(settings);
    const recent = profiles.recentOffloadOptions(uri, settings);
    assert.equal(recent?.options.parameters?.bpfInstruction.ns, 9, 'the calibration read ahead');
    assert.equal(await recent?.current, true);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // A second analysis or publish that would follow has had its turn.
  await new Promise((resolve) => setTimeout(resolve, 50));
}
