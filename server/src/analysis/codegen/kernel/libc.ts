// Bounded inline stand-ins for the libc byte functions the handler code calls. Every loop runs
// at most BPFO_MAX_PAYLOAD times and stops early at the length the caller asked for, so the
// verifier sees a constant trip count whatever the length is.
import type { SyntaxNode } from '../../syntax';
import { calleeName } from '../../entries/sockets';

/** libc name → generated replacement name. */
export const LIBC_REPLACEMENTS: ReadonlyMap<string, string> = new Map([
  ['memcpy', 'bpfo_memcpy'],
  ['memmove', 'bpfo_memmove'],
  ['memset', 'bpfo_memset'],
  ['memcmp', 'bpfo_memcmp'],
  ['memchr', 'bpfo_memchr'],
  ['strncmp', 'bpfo_strncmp'],
  ['strnlen', 'bpfo_strnlen'],
]);

/** Byte-order helpers and the like: same meaning, BPF spelling. */
export const RENAMED_CALLS: ReadonlyMap<string, string> = new Map([
  ['htons', 'bpf_htons'],
  ['ntohs', 'bpf_ntohs'],
  ['htonl', 'bpf_htonl'],
  ['ntohl', 'bpf_ntohl'],
]);

/** Library functions the kernel half runs as a bounded byte loop (strlen through bpfo_strnlen). */
export const BYTE_STAND_INS: readonly string[] = [...LIBC_REPLACEMENTS.keys(), 'strlen'];

export function isByteStandIn(callee: string): boolean {
  return BYTE_STAND_INS.includes(callee);
}

/** `clock_gettime(CLOCK_MONOTONIC, &ts)`: the one clock read the kernel half can answer identically. */
export function isMonotonicClockRead(call: SyntaxNode): boolean {
  if (calleeName(call) !== 'clock_gettime') return false;
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a && a.type !== 'comment') ?? [];
  return args.length === 2 && args[0]?.text === 'CLOCK_MONOTONIC';
}

/**
 * Why the kernel half hands `node` over to userspace whatever the rules say of it, or undefined
 * when it has a kernel form: a call of a library function (one `isDefined` says the file does not
 * define) with no stand-in, rename or rewrite here, or a read of errno. The one definition of
 * what the split can run: the translator hands these over, and the slices end paths at them
 * (slices/splitHandovers.ts), even where the verifier rules only warn (sprintf → bpf_snprintf).
 * Indirect calls and calls of defined functions are the caller's to judge.
 */
export function splitHandoverReason(node: SyntaxNode, isDefined: (name: string) => boolean): string | undefined {
  if (node.type === 'identifier' && node.text === 'errno') return 'errno is the C library\'s';
  if (node.type !== 'call_expression') return undefined;
  const callee = calleeName(node);
  if (!callee || isDefined(callee)) return undefined;
  if (isByteStandIn(callee) || RENAMED_CALLS.has(callee) || isMonotonicClockRead(node)) return undefined;
  return `${callee}() has no BPF stand-in`;
}

/**
 * C text of the replacements whose names appear in `used`. With bpf_loop (kernel ≥ 5.17) each
 * stand-in is a callback the verifier checks once per call site, instead of an inline loop it
 * walks byte by byte along every path; the inline loops are for older targets.
 */
export function libcReplacementSource(used: Set<string>, options: { bpfLoop: boolean } = { bpfLoop: false }): string {
  const clamp = used.has('bpfo_clamp')
    ? `/* An index into a local array, kept inside it (an out-of-range index is undefined in C anyway). */
static __always_inline __u64 bpfo_clamp(__u64 index, __u64 length)
{
\treturn index < length ? index : 0;
}`
    : '';
  const rest = options.bpfLoop ? loopHelperSource(used) : inlineHelperSource(used);
  // Stand-ins called inside a bpf_loop callback are inline loops even when bpf_loop exists.
  const inlineNames = new Set([...used].filter((n) => n.endsWith('_inline')).map((n) => n.slice(0, -'_inline'.length)));
  const inlined = options.bpfLoop && inlineNames.size > 0
    // Masked indices: measured on 6.18, the verifier walks these loops inside a callback about
    // as fast as the bpf_loop versions outside one (stats-counter: 84K insns); unmasked, it did not finish in 5 minutes.
    ? inlineHelperSource(inlineNames).replace(/\b(bpfo_(?:memcpy|memmove|memset|memcmp|memchr|strncmp|strnlen))\b/g, '$1_inline').replace(/\[i\]/g, '[i & BPFO_INDEX_MASK]')
    : '';
  return [clamp, rest, inlined].filter(Boolean).join('\n\n');
}

function inlineHelperSource(used: Set<string>): string {
  const parts: string[] = [];
  const want = (name: string) => used.has(name);
  if (want('bpfo_memcpy') || want('bpfo_memmove'))
    parts.push(`/* memcpy/memmove: byte loop (the buffers a handler copies between never overlap in place). */
static __always_inline void *bpfo_memcpy(void *dst, const void *src, __u64 n)
{
\t__u8 *d = dst;
\tconst __u8 *s = src;
\tfor (__u32 i = 0; i < BPFO_MAX_PAYLOAD; i++) {
\t\tif (i >= n)
\t\t\tbreak;
\t\td[i] = s[i];
\t}
\treturn dst;
}`);
  if (want('bpfo_memmove')) parts.push('#define bpfo_memmove bpfo_memcpy');
  if (want('bpfo_memset'))
    parts.push(`static __always_inline void *bpfo_memset(void *dst, int c, __u64 n)
{
\t__u8 *d = dst;
\tfor (__u32 i = 0; i < BPFO_MAX_PAYLOAD; i++) {
\t\tif (i >= n)
\t\t\tbreak;
\t\td[i] = (__u8)c;
\t}
\treturn dst;
}`);
  if (want('bpfo_memcmp'))
    parts.push(`static __always_inline int bpfo_memcmp(const void *a, const void *b, __u64 n)
{
\tconst __u8 *x = a, *y = b;
\tfor (__u32 i = 0; i < BPFO_MAX_PAYLOAD; i++) {
\t\tif (i >= n)
\t\t\tbreak;
\t\tif (x[i] != y[i])
\t\t\treturn x[i] < y[i] ? -1 : 1;
\t}
\treturn 0;
}`);
  if (want('bpfo_memchr'))
    parts.push(`static __always_inline void *bpfo_memchr(const void *p, int c, __u64 n)
{
\tconst __u8 *s = p;
\tfor (__u32 i = 0; i < BPFO_MAX_PAYLOAD; i++) {
\t\tif (i >= n)
\t\t\tbreak;
\t\tif (s[i] == (__u8)c)
\t\t\treturn (void *)(s + i);
\t}
\treturn 0;
}`);
  if (want('bpfo_strncmp'))
    parts.push(`static __always_inline int bpfo_strncmp(const char *a, const char *b, __u64 n)
{
\tfor (__u32 i = 0; i < BPFO_MAX_PAYLOAD; i++) {
\t\tif (i >= n)
\t\t\tbreak;
\t\tif (a[i] != b[i])
\t\t\treturn (__u8)a[i] < (__u8)b[i] ? -1 : 1;
\t\tif (a[i] == 0)
\t\t\tbreak;
\t}
\treturn 0;
}`);
  if (want('bpfo_strnlen'))
    parts.push(`static __always_inline __u64 bpfo_strnlen(const char *s, __u64 n)
{
\tfor (__u32 i = 0; i < BPFO_MAX_PAYLOAD; i++) {
\t\tif (i >= n || s[i] == 0)
\t\t\treturn i;
\t}
\treturn n < BPFO_MAX_PAYLOAD ? n : BPFO_MAX_PAYLOAD;
}`);
  return parts.join('\n\n');
}

const LOOP_HELPERS: Record<string, { step: string; call: string }> = {
  bpfo_memcpy: {
    step: `static long bpfo_memcpy_step(__u64 i, void *ctx)
{
\tstruct bpfo_bytes *m = ctx;
\tif (i >= m->n)
\t\treturn 1;
\tm->a[i & BPFO_INDEX_MASK] = m->b[i & BPFO_INDEX_MASK];
\treturn 0;
}`,
    call: `static __always_inline void *bpfo_memcpy(void *dst, const void *src, __u64 n)
{
\tstruct bpfo_bytes m = { .a = dst, .b = (__u8 *)src, .n = n };
\tbpf_loop(n < BPFO_MAX_PAYLOAD ? n : BPFO_MAX_PAYLOAD, bpfo_memcpy_step, &m, 0);
\treturn dst;
}`,
  },
  bpfo_memset: {
    step: `static long bpfo_memset_step(__u64 i, void *ctx)
{
\tstruct bpfo_bytes *m = ctx;
\tif (i >= m->n)
\t\treturn 1;
\tm->a[i & BPFO_INDEX_MASK] = (__u8)m->c;
\treturn 0;
}`,
    call: `static __always_inline void *bpfo_memset(void *dst, int c, __u64 n)
{
\tstruct bpfo_bytes m = { .a = dst, .c = c, .n = n };
\tbpf_loop(n < BPFO_MAX_PAYLOAD ? n : BPFO_MAX_PAYLOAD, bpfo_memset_step, &m, 0);
\treturn dst;
}`,
  },
  bpfo_memcmp: {
    step: `static long bpfo_memcmp_step(__u64 i, void *ctx)
{
\tstruct bpfo_bytes *m = ctx;
\tif (i >= m->n)
\t\treturn 1;
\t__u8 x = m->a[i & BPFO_INDEX_MASK], y = m->b[i & BPFO_INDEX_MASK];
\tif (x == y)
\t\treturn 0;
\tm->result = x < y ? -1 : 1;
\treturn 1;
}`,
    call: `static __always_inline int bpfo_memcmp(const void *a, const void *b, __u64 n)
{
\tstruct bpfo_bytes m = { .a = (__u8 *)a, .b = (__u8 *)b, .n = n };
\tbpf_loop(n < BPFO_MAX_PAYLOAD ? n : BPFO_MAX_PAYLOAD, bpfo_memcmp_step, &m, 0);
\treturn (int)m.result;
}`,
  },
  bpfo_memchr: {
    step: `static long bpfo_memchr_step(__u64 i, void *ctx)
{
\tstruct bpfo_bytes *m = ctx;
\tif (i >= m->n)
\t\treturn 1;
\tif (m->a[i & BPFO_INDEX_MASK] != (__u8)m->c)
\t\treturn 0;
\tm->result = (long)i;
\treturn 1;
}`,
    call: `static __always_inline void *bpfo_memchr(const void *p, int c, __u64 n)
{
\tstruct bpfo_bytes m = { .a = (__u8 *)p, .c = c, .n = n, .result = -1 };
\tbpf_loop(n < BPFO_MAX_PAYLOAD ? n : BPFO_MAX_PAYLOAD, bpfo_memchr_step, &m, 0);
\treturn m.result < 0 ? (void *)0 : (void *)((const __u8 *)p + (m.result & BPFO_INDEX_MASK));
}`,
  },
  bpfo_strncmp: {
    step: `static long bpfo_strncmp_step(__u64 i, void *ctx)
{
\tstruct bpfo_bytes *m = ctx;
\tif (i >= m->n)
\t\treturn 1;
\t__u8 x = m->a[i & BPFO_INDEX_MASK], y = m->b[i & BPFO_INDEX_MASK];
\tif (x != y) {
\t\tm->result = x < y ? -1 : 1;
\t\treturn 1;
\t}
\treturn x == 0;
}`,
    call: `static __always_inline int bpfo_strncmp(const char *a, const char *b, __u64 n)
{
\tstruct bpfo_bytes m = { .a = (__u8 *)a, .b = (__u8 *)b, .n = n };
\tbpf_loop(n < BPFO_MAX_PAYLOAD ? n : BPFO_MAX_PAYLOAD, bpfo_strncmp_step, &m, 0);
\treturn (int)m.result;
}`,
  },
  bpfo_strnlen: {
    step: `static long bpfo_strnlen_step(__u64 i, void *ctx)
{
\tstruct bpfo_bytes *m = ctx;
\tif (i >= m->n || m->a[i & BPFO_INDEX_MASK] == 0)
\t\treturn 1;
\tm->result = (long)i + 1;
\treturn 0;
}`,
    call: `static __always_inline __u64 bpfo_strnlen(const char *s, __u64 n)
{
\tstruct bpfo_bytes m = { .a = (__u8 *)s, .n = n };
\tbpf_loop(n < BPFO_MAX_PAYLOAD ? n : BPFO_MAX_PAYLOAD, bpfo_strnlen_step, &m, 0);
\treturn (__u64)m.result;
}`,
  },
};

function loopHelperSource(used: Set<string>): string {
  const names = Object.keys(LOOP_HELPERS).filter((n) => used.has(n) || (n === 'bpfo_memcpy' && used.has('bpfo_memmove')));
  if (names.length === 0) return '';
  const parts = [`/* Arguments of one stand-in call, read by its bpf_loop step. */
struct bpfo_bytes {
\t__u8 *a;
\t__u8 *b;
\t__u64 n;
\tint c;
\tlong result;
};`];
  for (const n of names) parts.push(LOOP_HELPERS[n].step, LOOP_HELPERS[n].call);
  if (used.has('bpfo_memmove')) parts.push('#define bpfo_memmove bpfo_memcpy');
  return parts.join('\n\n');
}
