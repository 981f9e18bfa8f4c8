// Positive and negative cases for each check, beyond the documented examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeC, describe, withCode, Severity } from './helpers';

async function codes(text: string, code: string) {
  return withCode(await analyzeC(text), code);
}

test('loop bounds: literal, #define, enum, sizeof, <=, countdown, capped &&, step 2', async () => {
  const cases: [string, number][] = [
    ['for (int i = 0; i < 10; i++) a[i] = 0;', 10],
    ['for (int i = 0; i <= 15; i++) a[i & 7] = 0;', 16],
    ['for (int i = 0; i < N && i < CAP; i++) a[i & 7] = 0;', 24],
    ['for (int i = 0; i < E_LAST; i++) a[i] = 0;', 3],
    ['for (int i = 0; i < sizeof a; i++) a[i] = 0;', 8],
    ['for (int i = 0; i < sizeof(a) / sizeof(a[0]); i++) a[i] = 0;', 8],
    ['for (int i = 10; i > 0; i--) a[i & 7] = 0;', 10],
    ['int k = 0; while (k < 5) { a[k] = 0; k++; }', 5],
    ['unsigned c = 6; while (c--) a[c & 7] = 0;', 6],
    ['for (int i = 0; i < 20; i += 2) a[i & 7] = 0;', 10],
    ['unsigned u; for (; u < 12; u++) a[u & 7] = 0;', 12],
  ];
  for (const [loop, bound] of cases) {
    const text = `#define CAP 24\nenum e { E_A, E_B, E_C, E_LAST };\nint f(int N) { char a[8]; ${loop} return a[0]; }`;
    const diagnostics = await analyzeC(text);
    const found = withCode(diagnostics, 'bounded-loop');
    assert.equal(found.length, 1, `${loop}\n${describe(diagnostics)}`);
    assert.match(found[0].message, new RegExp(`at most ${bound} times`), loop);
    assert.deepEqual(withCode(diagnostics, 'unbounded-loop'), [], loop);
  }
});

test('loop bounds: data-dependent, infinite, counter written in the body, signed unknown start', async () => {
  const cases = [
    'for (int i = 0; i < n; i++) a[i & 7] = 0;',
    'for (;;) { if (a[0]) break; }',
    'while (1) { if (a[0]) break; }',
    'for (int i = 0; i < 8; i++) { a[i] = 0; i = a[1]; }',
    'int j; for (; j < 8; j++) a[j] = 0;',
    'do { a[0]++; } while (a[0] != 3);',
  ];
  for (const loop of cases) {
    const diagnostics = await analyzeC(`int f(int n) { char a[8]; ${loop} return a[0]; }`);
    const found = withCode(diagnostics, 'unbounded-loop');
    assert.equal(found.length, 1, `${loop}\n${describe(diagnostics)}`);
    assert.equal(found[0].severity, Severity.Warning);
    assert.match(found[0].message, /capped|caps it at/);
  }
});

test('heap traversal: list and tree walks are Errors, array walks are not', async () => {
  const list = await codes(`struct n { struct n *next; int v; };
int f(struct n *h) { int s = 0; for (struct n *p = h; p; p = p->next) s += p->v; return s; }`, 'heap-traversal');
  assert.equal(list.length, 1);
  assert.match(list[0].message, /p = p->next/);
  const tree = await codes(`struct t { struct t *left, *right; };
int depth(struct t *n) { int d = 0; while (n) { n = n->left; d++; } return d; }`, 'heap-traversal');
  assert.equal(tree.length, 1);
  assert.deepEqual(await codes(`int f(int *a) { int s = 0; for (int i = 0; i < 4; i++) s += a[i]; return s; }`, 'heap-traversal'), []);
});

test('floating point: types, literals, fields, math.h; not sizeof(double) or integers', async () => {
  const text = `#include <math.h>
struct stat { double mean; int count; };
typedef float real;
int f(struct stat *s, int v) {
    real r = 2;
    int q = (int)sqrt(v);
    return q + (int)s->mean + (int)(v * 0.5) + (int)r;
}`;
  const found = await codes(text, 'floating-point');
  const messages = found.map((d) => d.message).join('\n');
  assert.match(messages, /`real` is a floating-point type/);
  assert.match(messages, /sqrt\(\) is a math\.h/);
  assert.match(messages, /`s->mean` reads or writes a floating-point field/);
  assert.match(messages, /literal `0\.5`/);
  assert.ok(found.every((d) => d.severity === Severity.Error));
  assert.deepEqual(await codes(`int f(int v) { return v * 3 / 2 + (int)sizeof(double) + 0x1e; }`, 'floating-point'), []);
});

test('SIMD: x86 types and intrinsics, NEON types, vector_size', async () => {
  const x86 = await codes(`#include <immintrin.h>
int f(const int *p) { __m128i v = _mm_loadu_si128((const __m128i *)p); return _mm_cvtsi128_si32(v); }`, 'simd');
  assert.ok(x86.some((d) => /__m128i/.test(d.message)) && x86.some((d) => /_mm_loadu_si128\(\) is a SIMD intrinsic/.test(d.message)));
  const neon = await codes(`#include <arm_neon.h>
int f(const unsigned char *p) { uint8x16_t v = vld1q_u8(p); return vgetq_lane_u8(v, 0); }`, 'simd');
  assert.ok(neon.length >= 2, describe(neon));
  assert.deepEqual(await codes(`int f(const int *p) { return p[0] + p[1]; }`, 'simd'), []);
  // Intrinsics are SIMD, not "unknown callees".
  const all = await analyzeC(`int f(void) { return _mm_popcnt_u32(3); }`);
  assert.deepEqual(withCode(all, 'unknown-callee'), [], describe(all));
});

test('recursion: direct and mutual; a plain call chain is not recursion', async () => {
  const mutual = await codes(`int odd(int n);
int even(int n) { return n == 0 ? 1 : odd(n - 1); }
int odd(int n) { return n == 0 ? 0 : even(n - 1); }`, 'recursion');
  assert.equal(mutual.length, 2);
  assert.match(mutual[0].message, /even\(\) and odd\(\) call each other/);
  assert.deepEqual(await codes(`int a(int n) { return n + 1; } int b(int n) { return a(n) + a(n); }`, 'recursion'), []);
});

test('indirect calls: pointer parameter, struct member, table; direct calls are fine', async () => {
  const found = await codes(`struct ops { int (*handle)(int); };
int f(int (*cb)(int), struct ops *o, int (*table[4])(int), int x) { return cb(x) + o->handle(x) + table[x & 3](x) + (*cb)(x); }`, 'indirect-call');
  assert.equal(found.length, 4, describe(found));
  assert.deepEqual(await codes(`static int g(int x) { return x; } int f(int x) { return g(x); }`, 'indirect-call'), []);
});

test('stack: summed along the deepest chain, reported where it crosses 512 with the chain', async () => {
  const text = `static int leaf(const unsigned char *p) { unsigned char b[300]; b[0] = p[0]; return b[0]; }
static int small(const unsigned char *p) { return p[0]; }
// bpf-offload: entry
int entry(const unsigned char *p) { unsigned char a[300]; a[0] = p[0]; return leaf(a) + small(a); }`;
  const found = await codes(text, 'stack-size');
  assert.equal(found.length, 1);
  assert.equal(found[0].range.start.line, 0, 'at leaf, where the sum crosses 512');
  assert.match(found[0].message, /at least 600 bytes \(entry 300 → leaf 300\)/);
  assert.deepEqual(found[0].related?.map((r) => r.message), ['leaf is called from entry here']);
  assert.deepEqual(await codes(text.replace(/300/g, '200'), 'stack-size'), []);
  const unknown = await codes(`int f(void) { struct mystery m; char big[600]; big[0] = 0; return big[0] + (int)sizeof m; }`, 'stack-size');
  assert.match(unknown[0].message, /sizes not known and not counted: m \(struct mystery\)/);
});

test('VLA, inline asm, setjmp, variadic definitions and calls, more than 5 arguments', async () => {
  assert.equal((await codes(`int f(int n) { char b[n]; b[0] = 0; return b[0]; }`, 'variable-length-array')).length, 1);
  assert.deepEqual(await codes(`int f(int n) { char b[16]; b[0] = n; return b[0]; }`, 'variable-length-array'), []);
  assert.equal((await codes(`int f(int x) { asm volatile("" : : "r"(x)); return x; }`, 'inline-asm')).length, 1);
  assert.equal((await codes(`#include <setjmp.h>\njmp_buf j; int f(void) { longjmp(j, 1); return 0; }`, 'setjmp-longjmp')).length, 1);
  const variadic = await codes(`int log_it(const char *f, ...) { return f[0]; } int g(void) { return log_it("a", 1, 2); }`, 'variadic-function');
  assert.equal(variadic.length, 2);
  assert.equal((await codes(`int six(int a,int b,int c,int d,int e,int f){return a;} int g(void){return six(1,2,3,4,5,6);}`, 'too-many-arguments')).length, 1);
  assert.deepEqual(await codes(`int five(int a,int b,int c,int d,int e){return a;} int g(void){return five(1,2,3,4,5);}`, 'too-many-arguments'), []);
});

test('global state: mutable globals and static locals once per function; const globals are silent', async () => {
  const found = await codes(`static const int limits[2] = {1, 2};
const char *const names[2] = {"a", "b"};
unsigned long hits;
int f(int i) { static int calls; calls++; hits++; hits += 2; return limits[i & 1] + names[0][0]; }`, 'global-state');
  assert.deepEqual(found.map((d) => d.message.split(':')[0]).sort(), ['Static local `calls` keeps state between requests', '`hits` is mutable global state'].sort());
  assert.ok(found.every((d) => d.severity === Severity.Information));
  assert.deepEqual(await codes(`int f(int hits) { hits++; return hits; } int hits2;`, 'global-state'), []);
});

test('unknown callees: not for libc-table functions, macros, or functions defined in the program', async () => {
  const text = `#include <string.h>
#define MIN(a, b) ((a) < (b) ? (a) : (b))
int mystery(int);
static int known(int x) { return x; }
int f(int x, char *d) { memcpy(d, "ab", 2); return MIN(x, 3) + known(x) + mystery(x) + (int)__builtin_bswap32(x); }`;
  const found = await codes(text, 'unknown-callee');
  assert.equal(found.length, 1, describe(found));
  assert.match(found[0].message, /^mystery\(\) is declared but its body is not in the analysed files/);
});
