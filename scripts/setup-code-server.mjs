#!/usr/bin/env node
// Prepares a real VS Code for the editor tests: code-server (VS Code in the browser, from npm)
// and Debian's Chromium to drive it. Idempotent and cached: a second run finds everything in
// place and only prints where it is. Recipe and background: docs/testing.md.
//
// Usage: node scripts/setup-code-server.mjs [--check]
//   --check  install nothing; exit 0 when everything is in place, 1 otherwise.
// The last line on stdout is a JSON object {"codeServer": PATH, "chromium": PATH}.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// 4.100.x is the last code-server line whose install accepts Node 20.
const CODE_SERVER_VERSION = '4.100.3';
// What code-server 4.100.3 depends on: its @vscode/ripgrep downloads this release at install
// time, which cannot work offline, unless the archive is already in its cache folder.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_RELEASE = 'v13.0.0-10';
const RIPGREP_TARGET = 'x86_64-unknown-linux-musl';

// Headers and tools the native modules of VS Code build against, the `rg` that stands in for
// the downloaded one, and the browser.
const APT_PACKAGES = ['libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'ripgrep', 'chromium', 'python3', 'make', 'g++'];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const installPrefix = path.join(repoRoot, '.cache', 'code-server');
const codeServerBin = path.join(installPrefix, 'node_modules', '.bin', 'code-server');
const installedMarker = path.join(installPrefix, 'installed-version');
const vscodeDir = path.join(installPrefix, 'node_modules', 'code-server', 'lib', 'vscode');
// Written by install scripts: if they are missing, code-server starts but cannot search or
// open a terminal, and a half-finished install must not count as cached.
const BUILT_BY_INSTALL_SCRIPTS = ['node_modules/@vscode/ripgrep/bin/rg', 'node_modules.asar'];
const CHROMIUM = '/usr/bin/chromium';

function progress(message) {
  process.stderr.write(`setup-code-server: ${message}\n`);
}

function fail(message) {
  progress(`error: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) return { status: 127, error: result.error.message };
  return { status: result.status ?? 1 };
}

function missingAptPackages() {
  return APT_PACKAGES.filter((name) => {
    const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return query.status !== 0 || !query.stdout.includes('install ok installed');
  });
}

function installAptPackages(missing) {
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (args) => {
    const [command, ...rest] = [...asRoot, 'apt-get', ...args];
    return run(command, rest, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  progress(`installing Debian packages: ${missing.join(' ')}`);
  const install = ['install', '-y', '-q', '--no-install-recommends', ...missing];
  if (apt(install).status === 0) return;
  // A fresh machine may have no package lists yet.
  progress('apt-get install failed; updating the package lists and retrying');
  if (apt(['update', '-q']).status !== 0 || apt(install).status !== 0) {
    fail(`cannot install ${missing.join(' ')} (needs root or passwordless sudo, and Debian's apt)`);
  }
}

function isCodeServerInstalled() {
  if (!existsSync(codeServerBin) || !existsSync(installedMarker)) return false;
  if (readFileSync(installedMarker, 'utf8').trim() !== CODE_SERVER_VERSION) return false;
  if (BUILT_BY_INSTALL_SCRIPTS.some((file) => !existsSync(path.join(vscodeDir, file)))) return false;
  // Without --config, code-server writes a default config into the user's home.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'code-server-version-'));
  const version = spawnSync(codeServerBin, ['--config', path.join(scratch, 'config.yaml'), '--version'], { encoding: 'utf8', timeout: 60_000 });
  rmSync(scratch, { recursive: true, force: true });
  // The first run of code-server may log a line about its config file before the version.
  return version.status === 0 && version.stdout.split('\n').some((line) => line.startsWith(`${CODE_SERVER_VERSION} `));
}

/** Puts Debian's `rg` where @vscode/ripgrep's installer looks before it tries to download. */
function prepareRipgrepCache() {
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (!rg) fail('ripgrep (rg) is not installed');
  const cacheDir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = path.join(cacheDir, `ripgrep-${RIPGREP_RELEASE}-${RIPGREP_TARGET}.tar.gz`);
  if (existsSync(archive)) return;
  progress(`writing ${archive} from ${rg}`);
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(path.join(os.tmpdir(), 'rg-staging-'));
  try {
    copyFileSync(rg, path.join(staging, 'rg'));
    const tar = run('tar', ['-czf', archive, '-C', staging, 'rg']);
    if (tar.status !== 0) fail(`tar could not write ${archive}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The environment without npm's own variables: run from `npm test`, they name this project as
 * npm's prefix, and code-server's postinstall (`npm install` in lib/vscode) would inherit them.
 */
function environmentWithoutNpm() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

function installCodeServer() {
  progress(`installing code-server@${CODE_SERVER_VERSION} into ${installPrefix} (builds native modules; a few minutes)`);
  mkdirSync(installPrefix, { recursive: true });
  // Its own package.json keeps npm from walking up into the project's.
  const manifest = path.join(installPrefix, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, JSON.stringify({ name: 'code-server-cache', private: true }, null, 2) + '\n');
  rmSync(installedMarker, { force: true });
  // npm would keep a half-built copy from an interrupted or failed run: start from nothing.
  rmSync(path.join(installPrefix, 'node_modules'), { recursive: true, force: true });
  rmSync(path.join(installPrefix, 'package-lock.json'), { force: true });
  const npm = run(
    'npm',
    ['install', '--prefix', installPrefix, '--no-audit', '--no-fund', '--no-save', `code-server@${CODE_SERVER_VERSION}`],
    {
      env: {
        ...environmentWithoutNpm(),
        npm_config_yes: 'true',
        npm_config_unsafe_perm: 'true',
      },
    },
  );
  if (npm.status !== 0) fail(`npm install code-server@${CODE_SERVER_VERSION} failed (exit ${npm.status})`);
  if (!existsSync(codeServerBin)) fail(`npm finished but ${codeServerBin} is missing`);
  const notBuilt = BUILT_BY_INSTALL_SCRIPTS.filter((file) => !existsSync(path.join(vscodeDir, file)));
  if (notBuilt.length) {
    fail(`code-server's postinstall did not finish (missing ${notBuilt.join(', ')} in ${vscodeDir}); did npm skip install scripts?`);
  }
  writeFileSync(installedMarker, CODE_SERVER_VERSION + '\n');
  if (!isCodeServerInstalled()) fail(`${codeServerBin} --version does not report ${CODE_SERVER_VERSION}`);
}

function main() {
  const checkOnly = process.argv.includes('--check');
  const missing = missingAptPackages();
  const ready = missing.length === 0 && existsSync(CHROMIUM) && isCodeServerInstalled();
  if (checkOnly) {
    if (!ready) progress(missing.length ? `missing Debian packages: ${missing.join(' ')}` : 'code-server is not installed');
    process.exit(ready ? 0 : 1);
  }
  if (missing.length) installAptPackages(missing);
  if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing after installing chromium`);
  if (isCodeServerInstalled()) {
    progress(`code-server ${CODE_SERVER_VERSION} already installed`);
  } else {
    prepareRipgrepCache();
    installCodeServer();
    progress(`code-server ${CODE_SERVER_VERSION} installed`);
  }
  process.stdout.write(JSON.stringify({ codeServer: codeServerBin, chromium: CHROMIUM }) + '\n');
}

main();
