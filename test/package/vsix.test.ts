// Builds the .vsix the way a release does (`npm run package`) and checks that it holds exactly
// what runs — and that what it holds runs without node_modules. The build happens in a copy
// of the repository so that it cannot disturb dist/, which other tests use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repoRoot = path.resolve(__dirname, '../../..');
const NOT_COPIED = new Set(['node_modules', '.git', 'out', 'dist', '.cache', 'test-results']);

function copyRepository(): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-vsix-'));
  for (const entry of fs.readdirSync(repoRoot)) {
    if (NOT_COPIED.has(entry) || entry.endsWith('.vsix')) continue;
    fs.cpSync(path.join(repoRoot, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

test('npm run package builds a .vsix holding only what runs', { timeout: 300_000 }, () => {
  const copy = copyRepository();
  const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-vsix-unpacked-'));
  try {
    const build = spawnSync('npm', ['run', 'package'], { cwd: copy, encoding: 'utf8' });
    assert.equal(build.status, 0, `npm run package failed:\n${build.stdout}\n${build.stderr}`);
    const vsix = path.join(copy, 'bpf-offload.vsix');
    assert.ok(fs.existsSync(vsix), 'bpf-offload.vsix was written');

    const entries = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const shipped = entries.filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));

    for (const required of [
      'package.json',
      'readme.md',
      'LICENSE.txt',
      'dist/client.js',
      'dist/server.js',
      'dist/cli.js',
      'dist/tree-sitter.wasm',
      'dist/tree-sitter-c.wasm',
      'dist/loadgen.c',
      'syntaxes/bpf-offload-annotations.tmLanguage.json',
    ]) {
      assert.ok(shipped.some((e) => e.toLowerCase() === required.toLowerCase()), `${required} missing from ${shipped.join(', ')}`);
    }
    const unwanted = shipped.filter(
      (e) =>
        // The load generator's C is no source of the extension: the calibration compiles it.
        (/\.(ts|map|mjs|c|h)$/.test(e) && e !== 'dist/loadgen.c') ||
        /^(node_modules|server|client|test|scripts|examples|out|bin|grammars|\.ci)\//.test(e) ||
        /^(tsconfig\.json|package-lock\.json|\.vscodeignore|\.gitignore)$/.test(e),
    );
    assert.deepEqual(unwanted, [], 'no sources, tests, maps or node_modules');

    // The manifest's entry points must be inside the package.
    execFileSync('unzip', ['-q', vsix, '-d', unpacked]);
    const extension = path.join(unpacked, 'extension');
    const manifest = JSON.parse(fs.readFileSync(path.join(extension, 'package.json'), 'utf8'));
    assert.ok(fs.existsSync(path.join(extension, manifest.main)), `main ${manifest.main}`);
    for (const grammar of manifest.contributes.grammars) {
      assert.ok(fs.existsSync(path.join(extension, grammar.path)), `grammar ${grammar.path}`);
    }

    // The bundles are self-contained: the CLI from the package analyses C with no node_modules
    // anywhere above it, loading the wasm files shipped beside it.
    const sample = path.join(unpacked, 'sample.c');
    fs.writeFileSync(sample, '#include <stdlib.h>\n// bpf-offload: entry\nint handle(int n) { void *p = malloc(n); free(p); return n; }\n');
    const run = spawnSync(process.execPath, [path.join(extension, 'dist', 'cli.js'), 'analyze', '--json', sample], {
      encoding: 'utf8',
      cwd: unpacked,
    });
    assert.equal(run.stderr, '');
    assert.equal(run.status, 1, 'an error diagnostic was found');
    assert.ok(JSON.parse(run.stdout).files[0].diagnostics.some((d: { code: string }) => d.code === 'dynamic-memory'));
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
    fs.rmSync(unpacked, { recursive: true, force: true });
  }
});
