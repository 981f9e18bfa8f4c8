// The diagnostics of an edit do not wait for the profile and calibration files to be checked:
// the options of the last analysis are used at once and checked meanwhile
// (ProfilesFeature.recentOffloadOptions); when a file changed, the document is analysed again
// with the new options before anything is published.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PublishDiagnosticsParams } from 'vscode-languageserver/node';
import type { AnalyzeOptions } from '../../server/src/analysis/analyze';
import type { OffloadOptions } from '../../server/src/analysis/offload';
import { DEFAULT_PARAMETERS } from '../../server/src/analysis/cost/parameters';
import { initC } from '../../server/src/analysis/syntax';
import { Analyzer } from '../../server/src/analyzer';
import { SettingsProvider } from '../../server/src/features/configuration';
import { DiagnosticsFeature } from '../../server/src/features/diagnostics';
import { ProfilesFeature } from '../../server/src/features/profiles';
import { silentLogger } from '../../server/src/log';
import { defaultSettings } from '../../server/src/settings';
import { CALIBRATION_RELATIVE_PATH } from '../../server/src/tools/calibrate';

function writeCalibration(folder: string, ns: number): void {
  const file = join(folder, CALIBRATION_RELATIVE_PATH);
  mkdirSync(join(file, '..'), { recursive: true });
  const parameters = { bpfInstruction: { ns, source: 'test calibration' } };
  writeFileSync(file, JSON.stringify({ version: 1, machine: { hostname: 'testhost' }, measuredAt: '2026-01-01T00:00:00Z', parameters }));
}

test('recentOffloadOptions: none before a first read; the same options after, current until a file changes', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'bpf-offload-recent-'));
  try {
    const profiles = new ProfilesFeature(silentLogger(), () => true);
    profiles.setFolders([pathToFileURL(folder).href]);
    const uri = pathToFileURL(join(folder, 'server.c')).href;
    const settings = defaultSettings();
    writeCalibration(folder, 7);
    assert.equal(profiles.recentOffloadOptions(uri, settings), undefined, 'nothing read yet');

    const read = await profiles.offloadOptions(uri, settings);
    assert.equal(read.parameters?.bpfInstruction.ns, 7);
    const recent = profiles.recentOffloadOptions(uri, settings);
    assert.ok(recent);
    assert.equal(recent.options, read, 'the options read last, as they are');
    assert.equal(await recent.current, true, 'the file did not change');

    // A different calibration on disk (other size), without any watcher event.
    writeCalibration(folder, 1234);
    const stale = profiles.recentOffloadOptions(uri, settings);
    assert.ok(stale);
    assert.equal(stale.options.parameters?.bpfInstruction.ns, 7, 'handed out at once, before the check');
    assert.equal(await stale.current, false, 'the check finds the change');
    const after = profiles.recentOffloadOptions(uri, settings);
    assert.equal(after?.options.parameters?.bpfInstruction.ns, 1234, 'the check read the new file');
    assert.equal(await after?.current, true);

    // Another profile setting is another set of options: none read yet.
    assert.equal(profiles.recentOffloadOptions(uri, { ...settings, profilePath: 'other.json' }), undefined);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

/** A DiagnosticsFeature over an in-process Analyzer whose offload options come from `recent`. */
async function diagnosticsWith(recent: () => { options: OffloadOptions; current: Promise<boolean> } | undefined, fresh: OffloadOptions) {
  await initC();
  const analyzer = new Analyzer(silentLogger(), { workerPath: '' });
  const usedOptions: (OffloadOptions | undefined)[] = [];
  const analyze = analyzer.analyze.bind(analyzer);
  analyzer.analyze = (uri: string, options: AnalyzeOptions) => {
    usedOptions.push(options.offload);
    return analyze(uri, options);
  };
  const published: PublishDiagnosticsParams[] = [];
  const settings = new SettingsProvider(silentLogger(), () => true, undefined);
  const feature = new DiagnosticsFeature({
    analyzer,
    settings,
    logger: silentLogger(),
    publish: (p) => published.push(p),
    relatedInformation: true,
    offloadOptions: async () => fresh,
    recentOffloadOptions: recent,
  });
  return { analyzer, feature, usedOptions, published };
}

/** Waits until `done` holds (the default debounce of an edit is 200 ms). */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // Anything that would come after (a third analysis, a second publish) has had its turn.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const HANDLER = '// bpf-offload: entry\nint handle(char *buf, int len) {\n  return len;\n}\n';
const OLD: OffloadOptions = { parameters: { ...DEFAULT_PARAMETERS } };
const NEW: OffloadOptions = { parameters: { ...DEFAULT_PARAMETERS } };

test('an edit is analysed with the recent options at once, and again when their files changed', { timeout: 20_000 }, async () => {
  // As ProfilesFeature does: a check that finds a change reads the new files, so the next
  // recent options are the new ones, and current.
  let filesChanged = false;
  const recent = () => {
    const stale = filesChanged;
    filesChanged = false;
    return { options: stale ? OLD : NEW, current: Promise.resolve(!stale) };
  };
  const { analyzer, feature, usedOptions, published } = await diagnosticsWith(recent, NEW);
  const uri = 'file:///virtual/recent.c';
  analyzer.openDocument(uri, 'c', 1, HANDLER);

  // The files changed since OLD was read: analysed with OLD, then again with the new ones.
  filesChanged = true;
  await feature.documentOpened(uri);
  await until(() => published.length === 1, 'the first publish');
  assert.equal(usedOptions.length, 2, 'analysed twice');
  assert.equal(usedOptions[0], OLD);
  assert.equal(usedOptions[1], NEW);
  assert.equal(published.length, 1, 'published once, from the second analysis');
  assert.equal(published[0].version, 1);

  // Unchanged files: one analysis with the recent options, published.
  analyzer.changeDocument(uri, 2, [{ text: HANDLER.replace('len;', 'len + 1;') }]);
  await feature.documentChanged(uri);
  await until(() => published.length === 2, 'the second publish');
  assert.equal(usedOptions.length, 3);
  assert.equal(usedOptions[2], NEW);
  assert.deepEqual(published.map((p) => p.version), [1, 2]);
  feature.dispose();
});

test('without recent options the diagnostics wait for the files to be read', { timeout: 20_000 }, async () => {
  const FRESH: OffloadOptions = { parameters: { ...DEFAULT_PARAMETERS } };
  const { analyzer, feature, usedOptions, published } = await diagnosticsWith(() => undefined, FRESH);
  const uri = 'file:///virtual/first.c';
  analyzer.openDocument(uri, 'c', 1, HANDLER);
  await feature.documentOpened(uri);
  await until(() => published.length === 1, 'the publish');
  assert.deepEqual(usedOptions, [FRESH]);
  assert.equal(published.length, 1);
  feature.dispose();
});

test('files that keep changing cost one analysis more, not an endless loop', { timeout: 20_000 }, async () => {
  const READ: OffloadOptions = { parameters: { ...DEFAULT_PARAMETERS } };
  const { analyzer, feature, usedOptions, published } = await diagnosticsWith(() => ({ options: OLD, current: Promise.resolve(false) }), READ);
  const uri = 'file:///virtual/changing.c';
  analyzer.openDocument(uri, 'c', 1, HANDLER);
  await feature.documentOpened(uri);
  await until(() => published.length === 1, 'the publish');
  assert.deepEqual(usedOptions, [OLD, READ], 'the second analysis waits for the files to be read');
  feature.dispose();
});
