// The README's settings table is generated from server/src/settings.ts; it must never drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repoRoot = path.resolve(__dirname, '../../..');

function genDocs(args: string[]) {
  return spawnSync(process.execPath, ['scripts/gen-docs.mjs', ...args], { cwd: repoRoot, encoding: 'utf8' });
}

test('the settings table in README.md is up to date (run `node scripts/gen-docs.mjs`)', () => {
  const result = genDocs(['--check']);
  assert.equal(result.status, 0, result.stderr);
});

test('the README table names every setting with its default', async () => {
  const settingsModule = path.join(repoRoot, 'out', 'server', 'src', 'settings.js');
  const { SETTING_DEFINITIONS, SETTINGS_SECTION } = await import(settingsModule);
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('<!-- settings:start -->'), readme.indexOf('<!-- settings:end -->'));
  assert.ok(SETTING_DEFINITIONS.length > 0);
  for (const d of SETTING_DEFINITIONS) {
    assert.ok(table.includes(`| \`${SETTINGS_SECTION}.${d.key}\` |`), `${d.key} missing`);
    assert.ok(table.includes(`\`${JSON.stringify(d.default)}\``), `${d.key} default missing`);
  }
});

test('the check fails on a stale table and regenerating fixes it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-readme-'));
  try {
    const copy = path.join(dir, 'README.md');
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    fs.writeFileSync(copy, readme.replace(/(<!-- settings:start -->)[\s\S]*?(<!-- settings:end -->)/, '$1\n| stale |\n$2'));
    const stale = genDocs(['--check', '--readme', copy]);
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /settings table is stale/);
    assert.equal(genDocs(['--readme', copy]).status, 0);
    assert.equal(fs.readFileSync(copy, 'utf8'), readme);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
