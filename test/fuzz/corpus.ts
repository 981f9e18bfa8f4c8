// The fuzzers' seed texts: real C that nobody here wrote. memcached's sources from Debian
// (fetched by scripts/fetch-corpus.mjs into .cache/corpus, cached) and tree-sitter-c's generated
// parser.c (3.9 MB, 119k lines of machine-written C) from node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const PARSER_C = join(ROOT, 'node_modules', 'tree-sitter-c', 'src', 'parser.c');

export interface CorpusFile {
  name: string;
  text: string;
}

function cFilesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return cFilesUnder(path);
    return entry.name.endsWith('.c') && statSync(path).size > 0 ? [path] : [];
  });
}

/**
 * memcached's source directory, fetched if not cached. CI (BPF_OFFLOAD_REQUIRE_KERNEL or CI set)
 * must have it: a failed fetch throws there. Elsewhere it returns undefined with the reason.
 */
export function memcachedSources(): { directory?: string; problem?: string } {
  const fetch = spawnSync(process.execPath, [join(ROOT, 'scripts', 'fetch-corpus.mjs'), 'memcached'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  const directory = fetch.stdout?.trim().split('\n').pop();
  if (fetch.status === 0 && directory && existsSync(directory)) return { directory };
  const problem = `fetching memcached failed (${fetch.status ?? fetch.signal}): ${(fetch.stderr || String(fetch.error ?? '')).trim()}`;
  if (process.env.BPF_OFFLOAD_REQUIRE_KERNEL || process.env.CI) throw new Error(problem);
  return { problem };
}

/**
 * Every memcached .c file and parser.c. Analysing the whole of parser.c takes about half a minute
 * here, so a bounded run takes only its first `parserLines` lines (undefined: all of it).
 */
export function loadCorpus(options: { parserLines?: number }): { files: CorpusFile[]; problems: string[] } {
  const problems: string[] = [];
  const files: CorpusFile[] = [];
  const memcached = memcachedSources();
  if (memcached.directory) {
    for (const path of cFilesUnder(memcached.directory)) files.push({ name: `memcached/${relative(memcached.directory, path)}`, text: readFileSync(path, 'utf8') });
  } else if (memcached.problem) problems.push(memcached.problem);
  if (existsSync(PARSER_C)) {
    let text = readFileSync(PARSER_C, 'utf8');
    if (options.parserLines !== undefined) text = text.split('\n').slice(0, options.parserLines).join('\n');
    files.push({ name: `tree-sitter-c/parser.c${options.parserLines !== undefined ? ` (first ${options.parserLines} lines)` : ''}`, text });
  } else problems.push(`${PARSER_C} is missing (npm ci installs it)`);
  if (files.length === 0) throw new Error(`no corpus to fuzz with: ${problems.join('; ')}`);
  return { files, problems };
}
