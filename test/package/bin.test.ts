// package.json "bin": the commands npm links must exist, be executable and reach the bundles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const repoRoot = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

test('every bin entry is an executable node script', () => {
  assert.ok(manifest.bin['bpf-offload'], 'the CLI is declared');
  for (const [name, relative] of Object.entries<string>(manifest.bin)) {
    const file = path.join(repoRoot, relative);
    assert.ok(fs.existsSync(file), `${name}: ${relative} is missing`);
    assert.ok((fs.statSync(file).mode & 0o111) !== 0, `${name}: ${relative} is not executable`);
    assert.match(fs.readFileSync(file, 'utf8'), /^#!\/usr\/bin\/env node\n/, `${name}: no node shebang`);
  }
});

test('bin/bpf-offload runs the bundled CLI', () => {
  const result = spawnSync(path.join(repoRoot, manifest.bin['bpf-offload']), ['--version'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `bpf-offload ${manifest.version}\n`);
});
