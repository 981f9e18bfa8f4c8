// Each libc function gets the severity the rules' semantics give it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeC, describe, Severity } from './helpers';

const CASES: [call: string, code: string, severity: Severity][] = [
  ['strlen(s)', 'string-function', Severity.Warning],
  ['strcmp(s, "get")', 'string-function', Severity.Warning],
  ['(int)(long)strcpy(d, s)', 'string-function', Severity.Warning],
  ['(int)(long)strcat(d, s)', 'string-function', Severity.Warning],
  ['(int)strtol(s, 0, 10)', 'string-function', Severity.Warning],
  ['atoi(s)', 'string-function', Severity.Warning],
  ['(int)(long)memcpy(d, s, 8)', 'inlined-copy', Severity.Information],
  ['(int)(long)memset(d, 0, sizeof d)', 'inlined-copy', Severity.Information],
  ['memcmp(d, s, 4)', 'inlined-copy', Severity.Information],
  ['(int)(long)__builtin_memcpy(d, s, 16)', 'inlined-copy', Severity.Information],
  ['strncmp(s, "get", 3)', 'inlined-copy', Severity.Information],
  ['(int)(long)memcpy(d, s, n)', 'string-function', Severity.Warning],
  ['memcmp(d, s, n)', 'string-function', Severity.Warning],
  ['(int)strtod(s, 0)', 'unsupported-libc', Severity.Error],
  ['(int)atof(s)', 'unsupported-libc', Severity.Error],
  ['sprintf(d, "%.2f", 1)', 'unsupported-libc', Severity.Error],
  ['snprintf(d, 8, "%g", 1)', 'unsupported-libc', Severity.Error],
  ['snprintf(d, 8, s, 1)', 'unsupported-libc', Severity.Error],
  ['snprintf(d, 8, "%d", n)', 'string-function', Severity.Warning],
  ['sprintf(d, "%u", n)', 'string-function', Severity.Warning],
  ['sscanf(s, "%d", &n)', 'unsupported-libc', Severity.Error],
  ['(qsort(d, 8, 1, 0), 0)', 'unsupported-libc', Severity.Error],
  ['(int)(long)bsearch(s, d, 8, 1, 0)', 'unsupported-libc', Severity.Error],
  ['(int)(long)malloc(8)', 'dynamic-memory', Severity.Error],
  ['(free(d), 0)', 'dynamic-memory', Severity.Error],
  ['(int)(long)alloca(n)', 'dynamic-memory', Severity.Error],
  ['(int)recv(n, d, 8, 0)', 'blocking-call', Severity.Error],
  ['(int)sendto(n, d, 8, 0, 0, 0)', 'blocking-call', Severity.Error],
  ['(int)read(n, d, 8)', 'blocking-call', Severity.Error],
  ['printf("%d", n)', 'blocking-call', Severity.Error],
  ['tcsetattr(n, 0, 0)', 'blocking-call', Severity.Error],
  ['(int)sleep(1)', 'blocking-call', Severity.Error],
  ['pthread_mutex_lock(0)', 'blocking-call', Severity.Error],
  ['pthread_cond_wait(0, 0)', 'blocking-call', Severity.Error],
  ['pthread_create(0, 0, 0, 0)', 'blocking-call', Severity.Error],
  ['fork()', 'blocking-call', Severity.Error],
  ['execvp(s, 0)', 'blocking-call', Severity.Error],
  ['clock_gettime(CLOCK_MONOTONIC, 0)', 'monotonic-clock', Severity.Information],
  ['clock_gettime(CLOCK_REALTIME, 0)', 'blocking-call', Severity.Error],
  ['clock_gettime(CLOCK_BOOTTIME, 0)', 'blocking-call', Severity.Error],
  ['clock_gettime(n, 0)', 'blocking-call', Severity.Error],
  ['(int)time(0)', 'blocking-call', Severity.Error],
  ['setjmp(0)', 'setjmp-longjmp', Severity.Error],
  ['(int)sqrt(n)', 'floating-point', Severity.Error],
];

for (const [call, code, severity] of CASES) {
  test(`${call} → ${code} (${Severity[severity]})`, async () => {
    const text = `int f(char *s, int n) { char d[32]; return ${call}; }`;
    const diagnostics = (await analyzeC(text)).filter((d) => d.code !== 'global-state');
    assert.equal(diagnostics.length, 1, describe(diagnostics));
    assert.equal(diagnostics[0].code, code, describe(diagnostics));
    assert.equal(diagnostics[0].severity, severity, describe(diagnostics));
    const name = /([a-z_]+)\(/.exec(call.replace(/^\(int\)(\(long\))?/, '').replace(/^\(/, ''))![1];
    assert.ok(diagnostics[0].message.startsWith(`${name}()`), `message names ${name}: ${diagnostics[0].message}`);
  });
}

test('functions with a direct BPF lowering are silent', async () => {
  const diagnostics = await analyzeC(`int f(unsigned short p, int c) { return ntohs(p) + htonl(c) + isdigit(c) + tolower(c) + (int)__builtin_bswap64(c); }`);
  assert.deepEqual(diagnostics, [], describe(diagnostics));
});
