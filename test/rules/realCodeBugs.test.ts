// Regressions for the rule bugs found by running the rules over memcached, dnsmasq and lighttpd
// (docs/real-code-findings.md, "Rule bugs, with minimal reproductions"). Each test is the
// reproduction from that page, asserting the corrected verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeC, analyzeProgram, describe, withCode, Severity } from './helpers';

test('bug 1: a cast to a typedef of the program is a cast, not a call of an unknown function', async () => {
  const found = await analyzeC(`typedef unsigned int rel_time_t;
unsigned now(long sec, long started) { return (rel_time_t) (sec - started); }
unsigned later(long sec) { return (rel_time_t)(sec) + (unsigned)(sec); }`);
  assert.deepEqual(withCode(found, 'unknown-callee'), [], describe(found));
  // A typedef from another file of the program counts too; a real unknown call is still reported.
  const across = await analyzeProgram({
    'types.h': 'typedef double lua_Number;',
    'main.c': '#include "types.h"\nlong f(long x) { return (long)(lua_Number)(x >> 1) + (mystery)(x); }',
  }, 'main.c');
  assert.deepEqual(withCode(across, 'unknown-callee').map((d) => d.message.split(' ')[0]), ['mystery()'], describe(across));
});

test('bug 2: a function-like macro of the calling file (or its headers) is not a function of the same name elsewhere', async () => {
  const files = {
    'a.c': '#include "defs.h"\nvoid set_field(void *L, const char *name, int v);\nvoid register_defines(void *L) { X(1) X(2) Y(3); }',
    'defs.h': '#define X(x) set_field(L, #x, x);\n#define Y(x) set_field(L, "y", x)',
    'other.c': 'int X(int n) { char big[2048]; big[n & 2047] = 1; return big[0]; }\nint Y(int n) { char big[2048]; big[n & 2047] = 1; return big[0]; }',
  };
  const found = await analyzeProgram(files, 'a.c');
  assert.deepEqual(withCode(found, 'stack-size'), [], describe(found));
  assert.deepEqual(found.filter((d) => /\b[XY]\(\)/.test(d.message)), [], describe(found));
  // Without the macro, the call does reach the other file's function.
  const plain = await analyzeProgram({ ...files, 'defs.h': '' , 'a.c': 'int X(int);\nvoid register_defines(void *L) { X(1); }' }, 'a.c');
  assert.equal(withCode(plain, 'stack-size').length, 1, describe(plain));
});

test('bug 3: strncat scans its destination with no bound, so it is a string function, not a constant copy', async () => {
  const found = await analyzeC('#include <string.h>\n#define MAXDNAME 1025\nvoid dot(char *name) { strncat(name, ".", MAXDNAME); }');
  assert.deepEqual(withCode(found, 'inlined-copy'), [], describe(found));
  const strncat = withCode(found, 'string-function');
  assert.equal(strncat.length, 1, describe(found));
  assert.equal(strncat[0].severity, Severity.Warning);
  assert.match(strncat[0].message, /strncat\(\) scans the destination/);
});

test('bug 5: sizeof of a type whose size the analysis cannot compute is still a compile-time constant', async () => {
  const found = await analyzeC(`#include <string.h>
#include <net/if.h>
struct server { int fd; char interface[IF_NAMESIZE + 1]; };
void reset(struct server *s, char *d) { memset(s, 0, sizeof(struct server)); memcpy(d, s, 2 * sizeof *s + 1); }
void copy(char *d, const char *s, unsigned n) { memcpy(d, s, n); }`);
  const copies = withCode(found, 'inlined-copy');
  assert.deepEqual(copies.map((d) => d.message.split(' (')[0]), ['memset() of sizeof(struct server) bytes', 'memcpy() of 2 * sizeof *s + 1 bytes'], describe(found));
  assert.match(copies[0].message, /compile-time constant/);
  const runTime = withCode(found, 'string-function');
  assert.equal(runTime.length, 1, describe(found));
  assert.match(runTime[0].message, /memcpy\(\) with a size known only at run time \(`n`\)/);
});

test('bug 4: a counter of a typedef of an unsigned type starts at 0 or more; the message names a start that is unknown', async () => {
  const text = `typedef unsigned int WORD;
typedef WORD COUNT;
typedef struct { unsigned char data[64]; WORD datalen; } CTX;
void pad(CTX *ctx) {
  COUNT i;
  i = ctx->datalen;
  ctx->data[i++] = 0x80;
  while (i < 64)
    ctx->data[i++] = 0x00;
}`;
  const found = await analyzeC(text);
  assert.deepEqual(withCode(found, 'unbounded-loop'), [], describe(found));
  assert.match(withCode(found, 'bounded-loop')[0]?.message ?? '', /at most 64 times/, describe(found));
  // Signed: the start is what is missing, and the message says so rather than blaming the limit.
  const signed = withCode(await analyzeC(text.replace('typedef unsigned int WORD;', 'typedef int WORD;')), 'unbounded-loop');
  assert.equal(signed.length, 1);
  assert.match(signed[0].message, /`i < 64` compares `i` with a constant, but `i` starts from a value not known at compile time and its type `COUNT` is signed/, signed[0].message);
});

test('bug 6: an attribute macro written without a semicolon does not turn the next statement into a VLA', async () => {
  const found = await analyzeC(`#define __attribute_fallthrough__ __attribute__((fallthrough));
int decode(unsigned char *result, int n, unsigned v) {
    int out_pos = 0;
    switch (n) {
      case 3:
        result[out_pos++] = v & 0xFF;
        __attribute_fallthrough__
      case 2:
        result[out_pos++] = (v >> 8) & 0xFF;
        break;
    }
    return out_pos;
}`);
  assert.deepEqual(withCode(found, 'variable-length-array'), [], describe(found));
});

test('bug 7: a prototype after an export macro does not record a global named after its return type', async () => {
  const text = `#define API extern
typedef struct CallInfo CallInfo;
struct CallInfo { int n; };
API CallInfo *extend(void *L);
int size(void) { return (int)sizeof(CallInfo); }`;
  const found = await analyzeC(text);
  assert.deepEqual(withCode(found, 'global-state'), [], describe(found));
  // The well-known Lua export macro needs no #define in the file.
  const lua = await analyzeC('typedef struct CallInfo CallInfo;\nLUAI_FUNC CallInfo *luaE_extendCI(void *L);\nint size(void) { return (int)sizeof(CallInfo *); }');
  assert.deepEqual(withCode(lua, 'global-state'), [], describe(lua));
});

test('bug 8: stacked attribute macros before a prototype do not swallow the definitions after it', async () => {
  const found = await analyzeC(`typedef struct { char *ptr; unsigned used; } buffer;
__attribute_cold__
__attribute_nonnull__()
void buffer_free_ptr(buffer *b);
static inline int is_digit(int c);
static inline int is_digit(int c) { return (unsigned)c - '0' <= 9; }
int first_is_digit(const buffer *b) { return is_digit(b->ptr[0]); }`);
  assert.deepEqual(withCode(found, 'unknown-callee'), [], describe(found));
});

test('bug 9: system-header macros and libc functions are classified, not unknown callees', async () => {
  const found = await analyzeC(`#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <pthread.h>
#include <time.h>
int is_dir(const struct stat *st) { return S_ISDIR(st->st_mode) + (int)CMSG_SPACE(sizeof(int)); }
const char *why(int e) { return strerror(e); }
int later(time_t a, time_t b) { return difftime(a, b) > 0.0; }
int init(pthread_mutex_t *m) { return pthread_mutex_init(m, 0); }
int sum(int n, ...) { va_list ap; va_start(ap, n); int s = va_arg(ap, int); va_end(ap); return s; }
int first(va_list ap) { return va_arg(ap, int); }`);
  assert.deepEqual(withCode(found, 'unknown-callee'), [], describe(found));
  const message = (name: string) => found.filter((d) => d.message.startsWith(`${name}()`)).map((d) => d.code);
  assert.deepEqual(message('S_ISDIR'), []);
  assert.deepEqual(message('CMSG_SPACE'), []);
  assert.deepEqual(message('strerror'), ['unsupported-libc']);
  assert.deepEqual(message('difftime'), ['floating-point']);
  assert.deepEqual(message('pthread_mutex_init'), ['unsupported-libc']);
  // In the variadic definition its own diagnostic covers va_*; reading a va_list elsewhere is reported.
  assert.deepEqual(message('va_start'), []);
  assert.deepEqual(message('va_arg'), ['variadic-function']);
  assert.equal(found.filter((d) => d.code === 'variadic-function' && d.range.start.line === 10).length, 1, describe(found));
});

test('a variadic call with more than 5 arguments is reported once, as variadic, naming the argument count', async () => {
  const found = await analyzeC('int my_syslog(int p, const char *f, ...) { return p + f[0]; }\nint g(void) { return my_syslog(1, "%d %d %d %d", 1, 2, 3, 4, 5); }');
  const atCall = found.filter((d) => d.range.start.line === 1);
  assert.deepEqual(atCall.map((d) => d.code), ['variadic-function'], describe(found));
  assert.match(atCall[0].message, /also called with 7 arguments/);
});

test('program size: with no entry, only functions no other function calls are reported, and absurd estimates are capped', async () => {
  const loops = (n: number) => Array.from({ length: n }, (_, i) => `for (int i${i} = 0; i${i} < 1000; i${i}++)`).join(' ');
  const text = `int leaf(unsigned char *p) { int s = 0; ${loops(2)} s += p[i0 ^ i1]; return s; }
int middle(unsigned char *p) { return leaf(p) + 1; }
int top(unsigned char *p) { int s = 0; ${loops(4)} s += middle(p); return s; }`;
  const found = withCode(await analyzeC(text), 'program-size');
  assert.deepEqual(found.map((d) => d.message.split('()')[0]), ['From top'], describe(found));
  assert.match(found[0].message, /more than 1,000,000,000 instructions/);
});
