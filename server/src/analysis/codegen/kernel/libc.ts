// Bounded inline stand-ins for the libc byte functions the handler code calls. Every loop runs
// at most BPFO_MAX_PAYLOAD times and stops early at the length the caller asked for, so the
// verifier sees a constant trip count whatever the length is.

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

/** C text of the replacements whose names appear in `used`. */
export function libcReplacementSource(used: Set<string>): string {
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
