// The code base the editor benchmark opens: memcached from Debian's source package (fetched and
// cached by scripts/fetch-corpus.mjs). clangd needs it configured (config.h, libevent headers)
// and a compilation database; both are prepared here once and reused.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Corpus {
  name: string;
  /** The unpacked source directory. */
  dir: string;
  /** Every .c and .h file, absolute paths, sorted. */
  files: string[];
  /** Directory holding compile_commands.json for clangd (outside the source tree). */
  compileCommandsDir: string;
  /** The flags given to every file, for the report. */
  flags: string[];
}

const LIBEVENT_HEADER = '/usr/include/event2/event.h';

function listCFiles(dir: string): string[] {
  const result: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) result.push(...listCFiles(full));
    else if (/\.[ch]$/.test(entry.name)) result.push(full);
  }
  return result.sort();
}

/** libevent-dev is only needed by the benchmark (memcached's configure and clangd's includes). */
function ensureLibevent(log: (line: string) => void): void {
  if (existsSync(LIBEVENT_HEADER)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`memcached needs libevent headers (${LIBEVENT_HEADER}); install them: sudo apt-get install libevent-dev`);
  }
  log('Installing libevent-dev (memcached needs its headers)…');
  const result = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'libevent-dev'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`apt-get install libevent-dev failed: ${result.stderr.trim().split('\n').pop()}`);
}

function ensureConfigured(dir: string, log: (line: string) => void): void {
  if (existsSync(path.join(dir, 'config.h'))) return;
  log(`Configuring ${path.basename(dir)} (once; about 20 s)…`);
  const result = spawnSync('./configure', [], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`./configure in ${dir} failed: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
}

export function prepareMemcached(root: string, log: (line: string) => void): Corpus {
  const fetched = execFileSync(process.execPath, [path.join(root, 'scripts/fetch-corpus.mjs'), 'memcached'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const dir = fetched.split('\n').pop()!;
  if (!existsSync(path.join(dir, 'memcached.c'))) throw new Error(`fetch-corpus gave ${dir}, which has no memcached.c`);
  ensureLibevent(log);
  ensureConfigured(dir, log);

  const files = listCFiles(dir);
  // The flags of memcached's own Makefile (DEFS, CFLAGS) minus optimisation and -Werror, which
  // change nothing clangd reports but would turn its warnings into errors.
  const flags = ['-DHAVE_CONFIG_H', `-I${dir}`, '-pthread', '-Wall', '-pedantic', '-Wmissing-prototypes', '-Wmissing-declarations', '-Wredundant-decls'];
  const vendorIncludes = [`-I${path.join(dir, 'vendor/lua/src')}`, `-I${path.join(dir, 'vendor/mcmc')}`];
  const compileCommandsDir = mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-bench-cdb-'));
  const commands = files
    .filter((f) => f.endsWith('.c'))
    .map((file) => ({ directory: path.dirname(file), file, arguments: ['cc', ...flags, ...vendorIncludes, '-c', file] }));
  writeFileSync(path.join(compileCommandsDir, 'compile_commands.json'), JSON.stringify(commands, null, 1));
  return { name: `memcached ${versionOf(dir)}`, dir, files, compileCommandsDir, flags };
}

function versionOf(dir: string): string {
  const fromName = /memcached-([\d.]+)/.exec(dir)?.[1];
  if (fromName) return fromName;
  try {
    return /PACKAGE_VERSION "([^"]+)"/.exec(readFileSync(path.join(dir, 'config.h'), 'utf8'))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

export function lineCount(file: string): number {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
