#!/usr/bin/env node
// Fetches real C code bases that nobody on this project wrote (Debian source packages) into
// .cache/corpus/<package>/, for the real-code tests and the benchmarks. Cached: a package already
// unpacked is not fetched again. The code is never committed (.cache/ is ignored).
//
// Usage: node scripts/fetch-corpus.mjs [PACKAGE...]   (default: memcached)
// Prints the unpacked source directory of each package, one per line.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const CORPUS_DIR = path.resolve('.cache/corpus');
const SOURCES_DIR = '/etc/apt/sources.list.d';
const DEB_SRC_FILE = path.join(SOURCES_DIR, 'bpf-offload-deb-src.sources');

function fail(message) {
  process.stderr.write(`fetch-corpus: ${message}\n`);
  process.exit(2);
}

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
}

/** Debian lists only binary packages by default; a deb-src twin of its sources file adds sources. */
function ensureDebSrc() {
  const existing = readdirSync(SOURCES_DIR).filter((f) => f.endsWith('.sources'));
  if (existing.some((f) => /^Types:.*deb-src/m.test(readFileSync(path.join(SOURCES_DIR, f), 'utf8')))) return;
  const base = path.join(SOURCES_DIR, 'debian.sources');
  if (!existsSync(base)) fail(`no ${base} to derive a deb-src entry from`);
  if (process.getuid?.() !== 0) fail('adding a deb-src entry needs root (or add one yourself and rerun)');
  writeFileSync(DEB_SRC_FILE, readFileSync(base, 'utf8').replace(/^Types: deb$/gm, 'Types: deb-src'));
  run('apt-get', ['update', '-q']);
}

function fetchPackage(name) {
  const target = path.join(CORPUS_DIR, name);
  const unpacked = existsSync(target) ? readdirSync(target).find((d) => d.startsWith(`${name}-`)) : undefined;
  if (unpacked) return path.join(target, unpacked);
  ensureDebSrc();
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  try {
    run('apt-get', ['source', '--download-only', name], { cwd: target });
  } catch (error) {
    fail(`apt-get source ${name} failed: ${String(error.stderr || error.message).trim().split('\n').pop()}`);
  }
  const orig = readdirSync(target).find((f) => /\.orig\.tar\.(xz|gz|bz2)$/.test(f));
  if (!orig) fail(`no upstream tarball for ${name}`);
  run('tar', ['xf', orig], { cwd: target });
  const dir = readdirSync(target).find((d) => d.startsWith(`${name}-`) && !d.includes('.tar'));
  if (!dir) fail(`unpacking ${orig} gave no ${name}-* directory`);
  return path.join(target, dir);
}

const names = process.argv.slice(2);
for (const name of names.length ? names : ['memcached']) {
  if (!/^[a-z0-9][a-z0-9.+-]*$/.test(name)) fail(`not a Debian package name: ${name}`);
  process.stdout.write(`${fetchPackage(name)}\n`);
}
