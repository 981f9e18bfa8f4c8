// Which code the rules check: entries, skip annotations, call chains across files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeC, analyzeProgram, describe, withCode } from './helpers';
import { messageWithCallChain } from '../../server/src/analysis/rules';
import { CancelledError } from '../../server/src/analysis/analyze';

const CHAIN = `#include <stdlib.h>
static int get_key(int n) {
    char *p = malloc(n);
    return p != 0;
}
static int parse(int n) { return get_key(n); }
// bpf-offload: entry
int handler(int n) { return parse(n); }
int unrelated(int n) { char *q = malloc(n); return q != 0; }
`;

test('a diagnostic in a callee carries the call chain from the entry, one step per call site', async () => {
  const diagnostics = await analyzeC(CHAIN);
  const memory = withCode(diagnostics, 'dynamic-memory');
  assert.equal(memory.length, 1, describe(diagnostics));
  const [d] = memory;
  assert.equal(d.range.start.line, 2);
  assert.deepEqual(d.related?.map((r) => r.message), ['parse is called from handler here', 'get_key is called from parse here']);
  assert.deepEqual(d.related?.map((r) => r.location.range.start.line), [7, 5]);
  assert.match(messageWithCallChain(d), /parse is called from handler \(line 8\); get_key is called from parse \(line 6\)/);
});

test('with an entry, functions not reachable from it are not checked', async () => {
  const diagnostics = await analyzeC(CHAIN);
  assert.ok(!diagnostics.some((d) => d.range.start.line === 8), describe(diagnostics));
});

test('with no entry anywhere, every function of the file is checked as its own root', async () => {
  const text = CHAIN.replace('// bpf-offload: entry\n', '');
  const memory = withCode(await analyzeC(text), 'dynamic-memory');
  assert.deepEqual(memory.map((d) => d.range.start.line), [2, 7]);
  assert.equal(memory[0].related, undefined, 'roots have no chain');
});

test('entries named in the options work like the annotation', async () => {
  const text = CHAIN.replace('// bpf-offload: entry\n', '');
  const memory = withCode(await analyzeC(text, { entries: ['unrelated'] }), 'dynamic-memory');
  assert.deepEqual(memory.map((d) => d.range.start.line), [7]);
});

test('a function marked skip is neither checked nor followed', async () => {
  const text = CHAIN.replace('static int parse', '// bpf-offload: skip\nstatic int parse');
  const diagnostics = await analyzeC(text);
  assert.deepEqual(withCode(diagnostics, 'dynamic-memory'), [], describe(diagnostics));
  // The call into the skipped function is not an unknown callee either: the user decided.
  assert.deepEqual(withCode(diagnostics, 'unknown-callee'), [], describe(diagnostics));
});

test('an entry in one file restricts the checks of another file to what it reaches', async () => {
  const files = {
    'src/main.c': `int lib_parse(const char *p);
// bpf-offload: entry
int on_packet(const char *p) { return lib_parse(p); }
`,
    'src/lib.c': `#include <string.h>
int lib_helper(const char *p) { return (int)strlen(p); }
int lib_parse(const char *p) { return lib_helper(p); }
int lib_unused(const char *p) { return (int)strlen(p) + 1; }
`,
  };
  const lib = await analyzeProgram(files, 'src/lib.c');
  const strings = withCode(lib, 'string-function');
  assert.deepEqual(strings.map((d) => d.range.start.line), [1], describe(lib));
  assert.deepEqual(strings[0].related?.map((r) => [r.location.file, r.message]), [
    ['src/main.c', 'lib_parse is called from on_packet here'],
    ['src/lib.c', 'lib_helper is called from lib_parse here'],
  ]);
  // From the entry's file the cross-file callee is known: no unknown-callee.
  const main = await analyzeProgram(files, 'src/main.c');
  assert.deepEqual(withCode(main, 'unknown-callee'), [], describe(main));
  // Without lib.c it is unknown.
  const alone = await analyzeProgram({ 'src/main.c': files['src/main.c'] }, 'src/main.c');
  assert.equal(withCode(alone, 'unknown-callee').length, 1);
  assert.match(withCode(alone, 'unknown-callee')[0].message, /lib_parse\(\) is declared but its body is not in the analysed files/);
});

test('cancellation stops the rules with CancelledError', async () => {
  let polls = 0;
  await assert.rejects(analyzeC(CHAIN, { isCancelled: () => ++polls > 2 }), CancelledError);
});

test('malformed C does not crash the rules', async () => {
  const broken = [
    'int f( { for (;; ',
    'int g(void) { while ( } return strlen(; }',
    '#define X (\nint h(void) { int a[X]; for (int i = 0; i < X; i++) a[i] = 0; return 0; }',
    'int k(void) { for (i = 0; i < ; i++) {} do { } while (; memcpy(a, b, ); }',
    '',
    'struct { double x; } s; float f(float) { return s.x; }',
  ];
  for (const text of broken) await analyzeC(text);
});
