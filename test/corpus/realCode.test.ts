// The whole pipeline over real code nobody here wrote: memcached 1.6.18 (Debian bookworm's
// source package, fetched by scripts/fetch-corpus.mjs and cached in .cache/corpus/). Every .c
// file is analysed with the default options, as the editor does; nothing may throw, every
// diagnostic must be well-formed, and a few facts checked by reading memcached's code must hold.
// docs/real-code-findings.md records the judged summary this test keeps honest.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleByCode } from '../../server/src/analysis/rules/definitions';
import type { AnalysisDiagnostic, Range } from '../../server/src/analysis/model';
import { cSourcesUnder, fetchCorpus, runCorpus, type CorpusRun, type FileRun } from './corpusRun';

// CI sets this; there the corpus must be fetched, never skipped.
const REQUIRED = (process.env.BPF_OFFLOAD_REQUIRE_KERNEL ?? '') !== '';

let directory: string | undefined;
let unavailable: string | undefined;
let run: CorpusRun;
const texts = new Map<string, string[]>();

before(async () => {
  try {
    [directory] = fetchCorpus(['memcached']);
  } catch (error) {
    if (REQUIRED) throw new Error(`BPF_OFFLOAD_REQUIRE_KERNEL is set but memcached's source cannot be fetched: ${(error as Error).message}`);
    unavailable = `memcached's Debian source package cannot be fetched here: ${(error as Error).message}`;
    return;
  }
  run = await runCorpus(directory, { mode: 'default' });
});

function linesOf(file: string): string[] {
  let lines = texts.get(file);
  if (!lines) {
    lines = readFileSync(join(directory!, file), 'utf8').split('\n');
    texts.set(file, lines);
  }
  return lines;
}

function fileRun(file: string): FileRun {
  const found = run.files.find((f) => f.file === file);
  assert.ok(found, `${file} was not analysed`);
  return found;
}

/** 0-based line of the only line of `file` containing `needle` (memcached's code, located by text so a patch release moving lines does not break the test). */
function lineWith(file: string, needle: string): number {
  const hits = linesOf(file).flatMap((line, i) => (line.includes(needle) ? [i] : []));
  assert.equal(hits.length, 1, `expected one line of ${file} containing ${JSON.stringify(needle)}, found ${hits.length}`);
  return hits[0];
}

function at(file: string, line: number, code?: string): AnalysisDiagnostic[] {
  return fileRun(file).diagnostics.filter((d) => d.range.start.line === line && (!code || d.code === code));
}

function describe(diagnostics: AnalysisDiagnostic[]): string {
  return diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code}: ${d.message}`).join('\n') || '(none)';
}

function assertRangeInside(file: string, range: Range, what: string): void {
  const lines = linesOf(file);
  const { start, end } = range;
  assert.ok(start.line >= 0 && start.character >= 0, `${what}: negative start`);
  assert.ok(start.line < end.line || (start.line === end.line && start.character <= end.character), `${what}: start after end`);
  assert.ok(end.line < lines.length, `${what}: line ${end.line + 1} beyond the file's ${lines.length} lines`);
  assert.ok(start.character <= lines[start.line].length, `${what}: start column past the end of line ${start.line + 1}`);
  assert.ok(end.character <= lines[end.line].length + 1, `${what}: end column past the end of line ${end.line + 1}`);
}

test('the whole pipeline runs over every .c file of memcached without an exception', (t) => {
  if (unavailable) return t.skip(unavailable);
  const cFiles = cSourcesUnder(directory!).filter((f) => f.endsWith('.c'));
  assert.ok(cFiles.length >= 80, `memcached 1.6.18 has 83 .c files (vendored Lua included), found ${cFiles.length}`);
  assert.equal(run.files.length, cFiles.length);
  const crashes = run.files.filter((f) => f.crash).map((f) => `${f.file}: ${f.crash}`);
  assert.deepEqual(crashes, []);
  assert.ok(run.totalFunctions > 2000, `summaries found only ${run.totalFunctions} functions`);
  // Real code gives every rule family something to say; an empty result means the pipeline broke.
  assert.ok(run.files.reduce((n, f) => n + f.diagnostics.length, 0) > 1000);
});

test('every diagnostic has a known rule code, a rule severity and ranges inside its file', (t) => {
  if (unavailable) return t.skip(unavailable);
  const known = new Set(run.files.map((f) => f.file));
  for (const f of run.files) {
    for (const d of f.diagnostics) {
      const what = `${f.file}:${d.range.start.line + 1} ${d.code}`;
      assert.equal(d.file, f.file, `${what}: diagnostic names another file`);
      assert.ok(ruleByCode(d.code), `${what}: unknown rule code`);
      assert.ok(d.severity >= 1 && d.severity <= 3, `${what}: severity ${d.severity} is not Error, Warning or Information`);
      assert.ok(d.message.trim().length > 0, `${what}: empty message`);
      assertRangeInside(f.file, d.range, what);
      for (const r of d.related ?? []) {
        assert.ok(known.has(r.location.file), `${what}: related location in unknown file ${r.location.file}`);
        assertRangeInside(r.location.file, r.location.range, `${what} related ${r.message}`);
      }
    }
    for (const h of f.fallbacks) assertRangeInside(f.file, h.range, `${f.file} ${h.code} hint`);
  }
});

test('memcached.c: the libevent callback event_handler is the entry, and recvfrom on its UDP path is a blocking call', (t) => {
  if (unavailable) return t.skip(unavailable);
  const entries = fileRun('memcached.c').entries;
  assert.ok(entries.some((e) => / event_handler: /.test(e)), `entries of memcached.c: ${entries.join('; ')}`);
  // try_read_udp: `res = recvfrom(c->sfd, c->rbuf, c->rsize, ...)`, reached as
  // event_handler → drive_machine → try_read_udp.
  const line = lineWith('memcached.c', 'res = recvfrom(c->sfd, c->rbuf');
  const found = at('memcached.c', line, 'blocking-call');
  assert.equal(found.length, 1, describe(at('memcached.c', line)));
  assert.match(found[0].message, /recvfrom\(\)/);
  assert.deepEqual(
    found[0].related?.map((r) => r.message),
    ['drive_machine is called from event_handler here', 'try_read_udp is called from drive_machine here'],
  );
});

test('memcached.c: the protocol dispatch through c->try_read_command is an indirect call', (t) => {
  if (unavailable) return t.skip(unavailable);
  const line = lineWith('memcached.c', 'if (c->try_read_command(c) == 0) {');
  const found = at('memcached.c', line, 'indirect-call');
  assert.equal(found.length, 1, describe(at('memcached.c', line)));
  assert.match(found[0].message, /c->try_read_command/);
});

test('thread.c: reading the notification pipe in thread_libevent_process is a blocking call', (t) => {
  if (unavailable) return t.skip(unavailable);
  const line = lineWith('thread.c', 'if (read(fd, &ev_count, sizeof(uint64_t)) != sizeof(uint64_t)) {');
  assert.equal(at('thread.c', line, 'blocking-call').length, 1, describe(at('thread.c', line)));
});

test('slabs.c: a loop to MAX_NUMBER_OF_SLAB_CLASSES (a macro in memcached.h) is bounded at 64, not unbounded', (t) => {
  if (unavailable) return t.skip(unavailable);
  const line = lineWith('slabs.c', 'for (n = 0; n < MAX_NUMBER_OF_SLAB_CLASSES; n++) {');
  const found = at('slabs.c', line);
  assert.deepEqual(found.filter((d) => d.code === 'unbounded-loop'), [], describe(found));
  const bounded = found.filter((d) => d.code === 'bounded-loop');
  assert.equal(bounded.length, 1, describe(found));
  assert.match(bounded[0].message, /at most 64 times/);
});

test('assoc.c: the hash-chain walk in assoc_find is a heap traversal, not a loop to cap', (t) => {
  if (unavailable) return t.skip(unavailable);
  const line = lineWith('assoc.c', 'while (it) {');
  const found = at('assoc.c', line);
  assert.equal(found.filter((d) => d.code === 'heap-traversal').length, 1, describe(found));
  assert.match(found.find((d) => d.code === 'heap-traversal')!.message, /it = it->h_next/);
  assert.deepEqual(found.filter((d) => d.code === 'unbounded-loop' || d.code === 'bounded-loop'), [], describe(found));
});

test('itoa_ljust.c: itoa_u64 calling itself is recursion; crc32c.c: the SSE4.2 crc32 instructions are inline assembly', (t) => {
  if (unavailable) return t.skip(unavailable);
  const recursive = at('itoa_ljust.c', lineWith('itoa_ljust.c', 'p = itoa_u64(upper, p);'), 'recursion');
  assert.equal(recursive.length, 1);
  assert.match(recursive[0].message, /itoa_u64\(\) calls itself/);
  // Statements in function bodies; the cpuid one inside the SSE42() macro definition is not code.
  const asmLines = linesOf('crc32c.c').flatMap((line, i) => (/^\s*__asm__\(/.test(line) && !line.trimEnd().endsWith('\\') ? [i] : []));
  assert.ok(asmLines.length >= 5, `crc32c.c has ${asmLines.length} __asm__ statements`);
  for (const line of asmLines) assert.equal(at('crc32c.c', line, 'inline-asm').length, 1, `line ${line + 1}: ${describe(at('crc32c.c', line))}`);
});

// A false positive found there (docs/real-code-findings.md, bug 2), fixed in the call graph.
test('proxy_lua.c: the local X() macro is not the function X that a misparse of memcached.h produced', (t) => {
  if (unavailable) return t.skip(unavailable);
  const throughX = fileRun('proxy_lua.c').diagnostics.filter((d) => d.code === 'stack-size' && / → X \d+/.test(d.message));
  assert.deepEqual(throughX.map((d) => d.message.slice(0, 120)), []);
});
