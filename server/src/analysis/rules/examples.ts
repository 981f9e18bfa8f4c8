// One small example per rule: C that triggers it and C written the way the advice says. Shown
// in docs/rules.md, and the rule tests assert that each `triggers` text produces the rule and
// each `passes` text does not, so the documentation cannot show an example that is wrong.

export interface RuleExample {
  triggers: string;
  passes: string;
  /** Target kernel the example is about, when it matters. */
  targetKernel?: string;
}

export const RULE_EXAMPLES: Record<string, RuleExample> = {
  'blocking-call': {
    triggers: `#include <sys/socket.h>
int reply(int fd, const char *buf, int len) {
    return send(fd, buf, len, 0);
}`,
    passes: `int reply(unsigned char *pkt, unsigned char *end) {
    if (pkt + 1 > end) return 0;
    pkt[0] = 'R'; /* rewrite in place, then XDP_TX */
    return 3;
}`,
  },
  'dynamic-memory': {
    triggers: `#include <stdlib.h>
int handle(int n) {
    char *tmp = malloc(64);
    tmp[0] = n;
    return tmp[0];
}`,
    passes: `int handle(int n) {
    char tmp[64];
    tmp[0] = n;
    return tmp[0];
}`,
  },
  'unknown-callee': {
    triggers: `int lookup(int key);
int handle(int key) { return lookup(key); }`,
    passes: `static int lookup(int key) { return key & 0xff; }
int handle(int key) { return lookup(key); }`,
  },
  'floating-point': {
    triggers: `int scale(int v) {
    double f = v * 1.5;
    return (int)f;
}`,
    passes: `int scale(int v) {
    return v * 3 / 2; /* fixed point */
}`,
  },
  simd: {
    triggers: `typedef int v4si __attribute__((vector_size(16)));
int sum4(const int *p) {
    v4si v = *(const v4si *)p;
    return v[0] + v[1] + v[2] + v[3];
}`,
    passes: `int sum4(const int *p) {
    return p[0] + p[1] + p[2] + p[3];
}`,
  },
  'unbounded-loop': {
    triggers: `int checksum(const unsigned char *p, int len) {
    int sum = 0;
    for (int i = 0; i < len; i++) sum += p[i];
    return sum;
}`,
    passes: `#define MAX_PAYLOAD 512
int checksum(const unsigned char *p, int len) {
    int sum = 0;
    for (int i = 0; i < len && i < MAX_PAYLOAD; i++) sum += p[i];
    return sum;
}`,
  },
  'bounded-loop': {
    triggers: `int zero(unsigned char *p) {
    for (int i = 0; i < 16; i++) p[i] = 0;
    return 0;
}`,
    passes: `int zero(unsigned char *p) {
    p[0] = 0;
    return 0;
}`,
  },
  recursion: {
    triggers: `int depth(int n) { return n <= 0 ? 0 : 1 + depth(n - 1); }`,
    passes: `int depth(int n) {
    int d = 0;
    for (int i = 0; i < 32 && n > 0; i++) { n--; d++; }
    return d;
}`,
  },
  'indirect-call': {
    triggers: `typedef int (*handler_fn)(int);
int dispatch(handler_fn *table, int op, int arg) { return table[op](arg); }`,
    passes: `static int get(int a) { return a; }
static int put(int a) { return -a; }
int dispatch(int op, int arg) {
    switch (op) {
    case 0: return get(arg);
    case 1: return put(arg);
    default: return 0;
    }
}`,
  },
  'stack-size': {
    triggers: `int handle(const unsigned char *p) {
    unsigned char copy[1024];
    copy[0] = p[0];
    return copy[0];
}`,
    passes: `int handle(const unsigned char *p) {
    unsigned char copy[64];
    copy[0] = p[0];
    return copy[0];
}`,
  },
  'variable-length-array': {
    triggers: `int handle(int n) {
    char buf[n];
    buf[0] = 1;
    return buf[0];
}`,
    passes: `#define MAX_N 64
int handle(int n) {
    char buf[MAX_N];
    if (n > MAX_N) return -1;
    buf[0] = 1;
    return buf[0];
}`,
  },
  'inline-asm': {
    triggers: `unsigned swap(unsigned x) {
    __asm__("bswap %0" : "+r"(x));
    return x;
}`,
    passes: `unsigned swap(unsigned x) { return __builtin_bswap32(x); }`,
  },
  'setjmp-longjmp': {
    triggers: `#include <setjmp.h>
static jmp_buf on_error;
int parse(const char *p) {
    if (setjmp(on_error)) return -1;
    return p[0];
}`,
    passes: `int parse(const char *p) {
    if (!p) return -1;
    return p[0];
}`,
  },
  'variadic-function': {
    triggers: `int count(int n, ...) { return n; }`,
    passes: `int count(int n, const int *values) { return n + values[0]; }`,
  },
  'too-many-arguments': {
    triggers: `int mix(int a, int b, int c, int d, int e, int f) { return a ^ b ^ c ^ d ^ e ^ f; }
int handle(int x) { return mix(x, 1, 2, 3, 4, 5); }`,
    passes: `struct mix_args { int a, b, c, d, e, f; };
int mix(const struct mix_args *m) { return m->a ^ m->b ^ m->c ^ m->d ^ m->e ^ m->f; }
int handle(int x) {
    struct mix_args m = { x, 1, 2, 3, 4, 5 };
    return mix(&m);
}`,
  },
  'heap-traversal': {
    triggers: `struct entry { struct entry *next; int key; };
int find(struct entry *head, int key) {
    for (struct entry *e = head; e; e = e->next)
        if (e->key == key) return 1;
    return 0;
}`,
    passes: `#define SLOTS 64
int find(const int *slots, int key) {
    return slots[key & (SLOTS - 1)] == key;
}`,
  },
  'string-function': {
    triggers: `#include <string.h>
int is_get(const char *cmd) { return strcmp(cmd, "get") == 0; }`,
    passes: `#include <string.h>
int is_get(const char *cmd) { return strncmp(cmd, "get", 4) == 0; }`,
  },
  'unsupported-libc': {
    triggers: `#include <stdlib.h>
long parse_ttl(const char *s) { return (long)strtod(s, 0); }`,
    passes: `long parse_ttl(const char *s) {
    long v = 0;
    for (int i = 0; i < 10 && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (s[i] - '0');
    return v;
}`,
  },
  'inlined-copy': {
    triggers: `#include <string.h>
struct hdr { unsigned char mac[6]; };
void copy_mac(struct hdr *dst, const struct hdr *src) { memcpy(dst->mac, src->mac, 6); }`,
    passes: `struct hdr { unsigned char mac[6]; };
void copy_first(struct hdr *dst, const struct hdr *src) { dst->mac[0] = src->mac[0]; }`,
  },
  'monotonic-clock': {
    triggers: `#include <time.h>
unsigned long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}`,
    passes: `#include <time.h>
unsigned long long wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* blocking-call: stays in userspace */
    return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}`,
  },
  'global-state': {
    triggers: `unsigned long requests;
int handle(void) { requests++; return 0; }`,
    passes: `static const int limits[2] = { 10, 20 };
int handle(int i) { return limits[i & 1]; }`,
  },
  'program-size': {
    targetKernel: '5.1',
    triggers: `int work(unsigned char *p) {
    int s = 0;
    for (int i = 0; i < 256; i++)
        for (int j = 0; j < 64; j++) s += p[i] ^ j;
    return s;
}`,
    passes: `int work(unsigned char *p) {
    int s = 0;
    for (int i = 0; i < 16; i++) s += p[i];
    return s;
}`,
  },
};
