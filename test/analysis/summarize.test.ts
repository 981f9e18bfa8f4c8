import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { findFunctionDefinition, functionNameOf } from '../../server/src/analysis/treeHelpers';
import { summarize } from './summarizeText';
import type { FileSummary, FunctionInfo } from '../../server/src/analysis/model';

function fn(summary: FileSummary, name: string): FunctionInfo {
  const found = summary.functions.find((f) => f.name === name);
  assert.ok(found, `function ${name} not found in ${summary.functions.map((f) => f.name).join(', ')}`);
  return found;
}

const typesOf = (vars: { name: string; typeText: string }[]) => vars.map((v) => `${v.name}: ${v.typeText}`);

test('parameters fold pointer, array and function-pointer declarators into their type text', async () => {
  const s = await summarize(
    'int handle(const char *req, uint8_t key[16], int (*cb)(int, char *), struct conn *c, size_t n) { return 0; }\n',
  );
  const handle = fn(s, 'handle');
  assert.deepEqual(typesOf(handle.params), [
    'req: const char *',
    'key: uint8_t [16]',
    'cb: int (*)(int, char *)',
    'c: struct conn *',
    'n: size_t',
  ]);
  assert.equal(handle.returnType, 'int');
  assert.equal(fn(await summarize('void f(void) {}\n'), 'f').params.length, 0);
});

test('locals include nested blocks and for-initialisers; static locals and VLAs are marked', async () => {
  const s = await summarize(`#define BUF 64
enum { SLOTS = 4 };
int work(int n, char *src) {
  static int calls = 0;
  char line[BUF * 2], *p = line;
  for (int i = 0, j = n; i < j; i++) {
    if (i) {
      unsigned char tmp[n];
      long table[SLOTS][sizeof(int)];
      char copy[MAXLEN];
    }
  }
  return calls;
}
`);
  const work = fn(s, 'work');
  assert.deepEqual(typesOf(work.locals), [
    'calls: int',
    'line: char [BUF * 2]',
    'p: char *',
    'i: int',
    'j: int',
    'tmp: unsigned char [n]',
    'table: long [SLOTS][sizeof(int)]',
    'copy: char [MAXLEN]',
  ]);
  const byName = new Map(work.locals.map((l) => [l.name, l]));
  assert.equal(byName.get('calls')?.isStatic, true);
  assert.equal(byName.get('line')?.isStatic, undefined);
  assert.equal(byName.get('tmp')?.isVariableLength, true);
  assert.equal(byName.get('line')?.isVariableLength, undefined);
  assert.equal(byName.get('table')?.isVariableLength, undefined);
  // An unknown upper-case name is taken for a macro from an unseen header, not a variable.
  assert.equal(byName.get('copy')?.isVariableLength, undefined);
});

test('a length using a local variable is a VLA even when spelled like a constant expression', async () => {
  const s = await summarize('void f(void) { int len = 3; char b[len + 1]; char c[(2 + 3) * 4]; char *argv[4]; }\n');
  const [, b, c, argv] = fn(s, 'f').locals;
  assert.equal(argv.typeText, 'char *[4]');
  assert.equal(b.isVariableLength, true);
  assert.equal(c.isVariableLength, undefined);
});

test('an array declared with [] takes its length from the initializer when it is certain', async () => {
  const s = await summarize(`void f(void) {
  char s[] = "ab\\n";
  char u[] = "\u00e9" "x";
  int m[][2] = { {1, 2}, {3, 4}, {5, 6} };
  int d[] = { [3] = 1 };
  char *p = "abc";
}
`);
  assert.deepEqual(typesOf(fn(s, 'f').locals), ['s: char [4]', 'u: char [4]', 'm: int [3][2]', 'd: int []', 'p: char *']);
});

test('static, inline and variadic functions; pointer-returning declarators and attributes', async () => {
  const s = await summarize(`static inline char *dup(const char *s) { return 0; }
static void __attribute__((noreturn)) die(const char *fmt, ...) { exit(1); }
int plain(int a) { return a; }
void (*pick(int which))(int) { return 0; }
`);
  const dup = fn(s, 'dup');
  assert.deepEqual([dup.isStatic, dup.isInline, dup.isVariadic, dup.returnType], [true, true, false, 'char *']);
  const die = fn(s, 'die');
  assert.deepEqual([die.isStatic, die.isInline, die.isVariadic, die.returnType], [true, false, true, 'void']);
  assert.deepEqual(typesOf(die.params), ['fmt: const char *']);
  const plain = fn(s, 'plain');
  assert.deepEqual([plain.isStatic, plain.isVariadic], [false, false]);
  assert.equal(fn(s, 'pick').returnType, 'void (*)(int)');
});

test('direct calls name the callee; calls through pointers do not, and arguments are counted', async () => {
  const text = `typedef int (*handler_t)(int);
static handler_t table_handler;
int run(int fd, handler_t cb, struct ops *ops) {
  int (*local)(int) = cb;
  log_msg("x", fd, 3);
  cb(fd);
  (*local)(fd);
  ops->handle(fd, 1);
  table_handler(fd);
  return (process)(fd, 0) + helper();
}
`;
  const s = await summarize(text);
  const calls = fn(s, 'run').calls.map((c) => [c.callee ?? null, c.calleeText, c.argumentCount]);
  assert.deepEqual(calls, [
    ['log_msg', 'log_msg', 3],
    [null, 'cb', 1],
    [null, '(*local)', 1],
    [null, 'ops->handle', 2],
    [null, 'table_handler', 1],
    ['process', '(process)', 2],
    ['helper', 'helper', 0],
  ]);
  const direct = fn(s, 'run').calls[0];
  const lines = text.split('\n');
  assert.equal(lines[direct.calleeRange.start.line].slice(direct.calleeRange.start.character, direct.calleeRange.end.character), 'log_msg');
  const indirect = fn(s, 'run').calls[3];
  assert.deepEqual(indirect.calleeRange, indirect.range);
});

test('prototypes are separate from definitions, with variadic ones marked', async () => {
  const s = await summarize(`int foo(int);
extern int logf(const char *fmt, ...);
static char *name(int x) __attribute__((unused));
int (*hook)(int);
int foo(int x) { return x; }
`);
  assert.deepEqual(
    s.prototypes.map((p) => [p.name, p.isVariadic]),
    [['foo', false], ['logf', true], ['name', false]],
  );
  assert.deepEqual(s.functions.map((f) => f.name), ['foo']);
  // A function pointer variable is a global, not a prototype.
  assert.deepEqual(s.globals.map((g) => [g.name, g.typeText]), [['hook', 'int (*)(int)']]);
});

test('globals: static, extern and const; typedefs and prototypes are not globals', async () => {
  const s = await summarize(`typedef unsigned int u32;
static int counter;
extern char *progname;
const int limit = 10, *ptr;
static const char *const names[] = { "a", "b" };
int f(void);
void g(void) { int local; }
`);
  const globals = new Map(s.globals.map((g) => [g.name, g]));
  assert.deepEqual([...globals.keys()], ['counter', 'progname', 'limit', 'ptr', 'names']);
  const flags = (name: string) => {
    const g = globals.get(name);
    return [g?.isStatic, g?.isExtern, g?.isConst];
  };
  assert.deepEqual(flags('counter'), [true, false, false]);
  assert.deepEqual(flags('progname'), [false, true, false]);
  assert.deepEqual(flags('limit'), [false, false, true]);
  assert.deepEqual(flags('ptr'), [false, false, false]);
  assert.deepEqual(flags('names'), [true, false, true]);
  assert.equal(globals.get('names')?.typeText, 'const char *const [2]');
});

test('records: fields with array lengths and bit widths, nested anonymous members, typedefs', async () => {
  const s = await summarize(`#define NAME_LEN 32
struct entry {
  char name[NAME_LEN];
  unsigned flags : 3;
  unsigned : 0;
  union { int i; float f; };
  struct inner { short a; } in;
  struct entry *next;
};
typedef struct { int x, y; } point_t, *point_p;
`);
  const entry = s.records.find((r) => r.name === 'entry');
  assert.ok(entry);
  assert.equal(entry.kind, 'struct');
  const fields = entry.fields;
  assert.deepEqual(fields[0], { name: 'name', typeText: 'char [NAME_LEN]', arrayLength: 32 });
  assert.deepEqual(fields[1], { name: 'flags', typeText: 'unsigned', bitWidth: 3 });
  assert.deepEqual(fields[2], { name: '', typeText: 'unsigned', bitWidth: 0 });
  assert.equal(fields[3].name, '');
  assert.match(fields[3].typeText, /^union <anon@test\.c:6:3>$/);
  assert.deepEqual(fields.slice(4).map((f) => `${f.name}: ${f.typeText}`), ['in: struct inner', 'next: struct entry *']);
  const union = s.records.find((r) => r.kind === 'union');
  assert.deepEqual(union?.fields.map((f) => f.name), ['i', 'f']);
  assert.ok(s.records.find((r) => r.name === 'inner'));
  const anonymous = s.records.find((r) => r.name.startsWith('<anon@test.c:10'));
  assert.ok(anonymous);
  assert.deepEqual(s.typedefs.map((t) => [t.name, t.typeText]), [
    ['point_t', `struct ${anonymous.name}`],
    ['point_p', `struct ${anonymous.name} *`],
  ]);
});

test('enum members count up from explicit constant expressions', async () => {
  const s = await summarize(`#define BASE 0x10
enum state { IDLE, BUSY = BASE << 1, DONE, ERR = -1, AFTER, CHAR = 'A', MASK = (1 << 4) | DONE };
enum { LOCAL_A = sizeof(int), LOCAL_B = UNKNOWN_CONST, LOCAL_C };
`);
  assert.deepEqual(s.enums[0].name, 'state');
  assert.deepEqual(
    s.enums[0].members.map((m) => [m.name, m.value]),
    [['IDLE', 0], ['BUSY', 32], ['DONE', 33], ['ERR', -1], ['AFTER', 0], ['CHAR', 65], ['MASK', 49]],
  );
  assert.equal(s.enums[1].name, undefined);
  const [a, b, c] = s.enums[1].members;
  assert.equal(a.value, 4);
  assert.ok(Number.isNaN(b.value) && Number.isNaN(c.value), 'unknown values are NaN, never guessed');
});

test('#define: object-like and function-like macros; #include as written', async () => {
  const s = await summarize(`#include <stdio.h>
#include "conn.h"
#define PORT 8080 /* default */
#define EMPTY
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define LONG_ONE 1 + \\
  2
`);
  assert.deepEqual(s.includes, ['<stdio.h>', '"conn.h"']);
  assert.deepEqual(
    s.defines.map((d) => [d.name, d.value, d.params]),
    [['PORT', '8080', undefined], ['EMPTY', '', undefined], ['MAX', '((a) > (b) ? (a) : (b))', ['a', 'b']], ['LONG_ONE', '1 + 2', undefined]],
  );
});

test('annotations attach to the next function definition, not to prototypes', async () => {
  const s = await summarize(`// bpf-offload: entry
int handle_get(int fd);

int handle_get(int fd) { return fd; }

/* bpf-offload: skip */
static void slow_path(void) {}

// bpf-offload: entry point for later
//   bpf-offload:   entry
int handle_set(void) { return 0; }
// bpf-offload: skip
`);
  assert.deepEqual(
    s.annotations.map((a) => [a.kind, a.functionName, a.range.start.line]),
    [['entry', 'handle_get', 0], ['skip', 'slow_path', 5], ['entry', 'handle_set', 9], ['skip', undefined, 11]],
  );
});

test('functions inside #if blocks and with macro-confused specifiers are still found', async () => {
  const s = await summarize(`#ifdef USE_FAST
int fast(void) { return 1; }
#else
int slow(void) { return 2; }
#endif
MAYBE_UNUSED static int quiet(void) { return 0; }
static __always_inline int hot(void) { return 0; }
`);
  assert.deepEqual(s.functions.map((f) => f.name), ['fast', 'slow', 'quiet', 'hot']);
  assert.equal(fn(s, 'quiet').returnType, 'int');
  assert.equal(fn(s, 'quiet').isStatic, true);
  assert.equal(fn(s, 'hot').isInline, true);
});

test('a file with syntax errors is summarised as far as it can be, without throwing', async () => {
  const s = await summarize(`int ok(int a) { return a; }
int broken(int a { if (a > ) { return; 
struct s { int x; ;
int later(char *p) { char buf[8]; use(buf, p); return 0; }
`);
  assert.equal(s.hasSyntaxErrors, true);
  assert.ok(s.functions.some((f) => f.name === 'ok'));
  const later = s.functions.find((f) => f.name === 'later');
  if (later) assert.deepEqual(later.calls.map((c) => c.callee), ['use']);
});

test('garbage text and an empty file give an empty summary, not an exception', async () => {
  for (const text of ['', '\u0000\u0001 }}}{{{ ))) <<< @@@ #### ` \\', '%$^&*(', 'int int int ( ( ( ;;; } struct { enum {', '#define\n#include\n']) {
    const s = await summarize(text);
    assert.equal(s.file, 'test.c');
    assert.ok(Array.isArray(s.functions));
  }
  assert.equal((await summarize('@@@ garbage')).hasSyntaxErrors, true);
  assert.equal((await summarize('')).hasSyntaxErrors, false);
});

test('ranges point at the definition, its name and its body', async () => {
  const text = 'int x;\nstatic int add(int a, int b)\n{\n  return a + b;\n}\n';
  const s = await summarize(text);
  const add = fn(s, 'add');
  assert.deepEqual(add.range, { start: { line: 1, character: 0 }, end: { line: 4, character: 1 } });
  assert.deepEqual(add.nameRange, { start: { line: 1, character: 11 }, end: { line: 1, character: 14 } });
  assert.deepEqual(add.bodyRange, { start: { line: 2, character: 0 }, end: { line: 4, character: 1 } });
});

test('tree helpers find a function definition by name', async () => {
  await initC();
  const parsed = parseC('#if 1\nstatic char *a(void) { return 0; }\n#endif\nint b(int x) { return x; }\n');
  const tree = plainTreeOf(parsed);
  try {
    assert.equal(functionNameOf(findFunctionDefinition(tree, 'a')!), 'a');
    assert.equal(findFunctionDefinition(tree, 'b')?.startPosition.row, 3);
    assert.equal(findFunctionDefinition(tree, 'c'), undefined);
  } finally {
    parsed.delete();
  }
});
