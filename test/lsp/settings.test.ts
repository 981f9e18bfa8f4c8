import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultSettings,
  resolveSettings,
  restrictedSettingNames,
  SETTING_DEFINITIONS,
  SETTINGS_SECTION,
  settingDefinition,
} from '../../server/src/settings';
import { COMMAND_CONTRIBUTIONS } from '../../client/src/commands';

// Tests run from out/test/lsp; the manifest is at the repository root.
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, Record<string, unknown>> = manifest.contributes?.configuration?.properties ?? {};

function defaultOf(settings: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], settings);
}

test('the manifest declares exactly the settings the server defines', () => {
  const serverKeys = SETTING_DEFINITIONS.map((d) => `${SETTINGS_SECTION}.${d.key}`).sort();
  assert.deepEqual(Object.keys(properties).sort(), serverKeys);
});

test('every manifest setting has the server default, type, enum and scope, and a description', () => {
  const defaults = defaultSettings();
  for (const d of SETTING_DEFINITIONS) {
    const name = `${SETTINGS_SECTION}.${d.key}`;
    const property = properties[name];
    assert.ok(property, `${name} missing from package.json`);
    assert.deepEqual(property.default, defaultOf(defaults, d.key), `${name} default`);
    assert.equal(property.type, d.type, `${name} type`);
    assert.deepEqual(property.enum, d.enum, `${name} enum`);
    assert.equal(property.scope, d.scope, `${name} scope`);
    assert.ok(typeof property.markdownDescription === 'string' && property.markdownDescription.length > 20, `${name} description`);
    if (d.enum) assert.ok(d.enum.includes(String(property.default)), `${name} default is one of its enum values`);
  }
});

test('the settings the issue asks for exist with the right shape', () => {
  assert.equal(settingDefinition('targetKernel')?.default, '6.1');
  assert.equal(settingDefinition('targetKernel')?.scope, 'resource');
  assert.deepEqual(settingDefinition('programType')?.enum, ['auto', 'xdp', 'sk_msg', 'sk_skb']);
  assert.equal(settingDefinition('entries')?.type, 'array');
  assert.equal(settingDefinition('profilePath')?.type, 'string');
  assert.deepEqual(settingDefinition('trace.server')?.enum, ['off', 'messages', 'verbose']);
  assert.deepEqual(settingDefinition('logLevel')?.enum, ['error', 'warn', 'info', 'debug']);
  assert.equal(settingDefinition('diagnostics.debounceMs')?.default, 200);
  for (const key of ['clangPath', 'bpftoolPath']) assert.equal(settingDefinition(key)?.scope, 'machine-overridable');
});

test('every setting naming an executable is restricted, and the manifest lists exactly the restricted ones', () => {
  const namesAnExecutable = SETTING_DEFINITIONS.filter((d) => /path$/i.test(d.key) && d.key !== 'profilePath');
  assert.ok(namesAnExecutable.length >= 2);
  for (const d of namesAnExecutable) assert.equal(d.restricted, true, `${d.key} must be restricted`);
  const untrusted = manifest.capabilities?.untrustedWorkspaces;
  assert.equal(untrusted?.supported, 'limited');
  assert.deepEqual([...untrusted.restrictedConfigurations].sort(), restrictedSettingNames().sort());
});

test('the manifest contributes the commands the client registers', () => {
  assert.deepEqual(manifest.contributes?.commands, COMMAND_CONTRIBUTIONS);
  const ids = COMMAND_CONTRIBUTIONS.map((c) => c.command);
  assert.ok(ids.includes('bpfOffload.restartServer') && ids.includes('bpfOffload.showLog'));
});

test('resolveSettings keeps valid values, replaces invalid ones and reports them', () => {
  const { settings, problems } = resolveSettings(
    {
      targetKernel: '5.15',
      programType: 'tc',
      entries: ['handle', 3],
      clangPath: '/opt/clang',
      trace: { server: 'verbose' },
      diagnostics: { debounceMs: -1 },
    },
    true,
  );
  assert.equal(settings.targetKernel, '5.15');
  assert.equal(settings.programType, 'auto');
  assert.deepEqual(settings.entries, []);
  assert.equal(settings.clangPath, '/opt/clang');
  assert.equal(settings.trace.server, 'verbose');
  assert.equal(settings.diagnostics.debounceMs, 200);
  assert.equal(problems.length, 3);
  assert.ok(problems.some((p) => p.includes('bpfOffload.programType')));
});

test('in an untrusted workspace restricted settings fall back to their defaults', () => {
  const { settings, problems } = resolveSettings({ clangPath: '/tmp/evil', bpftoolPath: './x', targetKernel: '5.10' }, false);
  assert.equal(settings.clangPath, 'clang');
  assert.equal(settings.bpftoolPath, 'bpftool');
  assert.equal(settings.targetKernel, '5.10');
  assert.equal(problems.filter((p) => p.includes('untrusted')).length, 2);
});

test('missing, null or malformed sections give the defaults', () => {
  for (const section of [undefined, null, 42, 'x', [], { trace: 'off' }]) {
    assert.deepEqual(resolveSettings(section, true).settings, defaultSettings());
  }
  // Defaults are copies: changing one result does not change the next.
  defaultSettings().entries.push('mutated');
  assert.deepEqual(defaultSettings().entries, []);
});
