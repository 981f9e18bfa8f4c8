import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS, type AnalyzeOptions } from '../../server/src/analysis/analyze';

const EXAMPLES = path.resolve(__dirname, '../../../examples');

async function analyse(file: string, text: string, options: Partial<AnalyzeOptions> = {}) {
  await initC();
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    return analyzeFile(file, tree, text, new Map(), { ...DEFAULT_ANALYZE_OPTIONS, ...options });
  } finally {
    parsed.delete();
  }
}

async function analyseExample(name: string, options: Partial<AnalyzeOptions> = {}, edit = (t: string) => t) {
  const file = path.join(EXAMPLES, name, `${name}.c`);
  return analyse(file, edit(fs.readFileSync(file, 'utf8')), options);
}

const EXPECTED = [
  { example: 'kv-cache', name: 'main', handler: 'handle_request', protocol: 'udp', port: 11311, how: 'receive-loop', call: 'recvfrom', buffer: 'buf' },
  { example: 'dns-responder', name: 'serve', handler: 'answer_query', protocol: 'udp', port: 10053, how: 'receive-loop', call: 'recvmsg', buffer: 'query' },
  { example: 'rate-limiter', name: 'main', handler: undefined, protocol: 'udp', port: 10700, how: 'receive-loop', call: 'recvfrom', buffer: 'msg' },
  { example: 'stats-counter', name: 'main', handler: 'dispatch', protocol: 'udp', port: 18125, how: 'receive-loop', call: 'recvfrom', buffer: 'request' },
  { example: 'echo-rewrite', name: 'main', handler: 'rewrite_packet', protocol: 'udp', port: 17007, how: 'receive-loop', call: 'recvfrom', buffer: 'packet' },
  { example: 'tcp-kv', name: 'on_client_readable', handler: 'handle_line', protocol: 'tcp', port: 16380, how: 'event-callback', call: 'read', buffer: 'c->in' },
] as const;

for (const expected of EXPECTED) {
  test(`${expected.example}: the receive loop, its handler, protocol and port are found without configuration`, async () => {
    const analysis = await analyseExample(expected.example);
    assert.equal(analysis.entries.length, 1, JSON.stringify(analysis.entries.map((e) => e.id)));
    const [entry] = analysis.entries;
    assert.equal(entry.name, expected.name);
    assert.equal(entry.handler, expected.handler);
    assert.equal(entry.protocol, expected.protocol);
    assert.equal(entry.port, expected.port);
    assert.match(entry.portSource ?? '', /DEFAULT_PORT/);
    assert.equal(entry.how, expected.how);
    assert.equal(entry.receive?.call, expected.call);
    assert.equal(entry.receive?.buffer, expected.buffer);
    assert.ok(entry.summary.includes(expected.protocol.toUpperCase()), entry.summary);
    assert.ok(entry.summary.includes(`port ${expected.port}`), entry.summary);
  });
}

test('tcp-kv: the buffer is followed through the connection record into the line handler', async () => {
  const [entry] = (await analyseExample('tcp-kv')).entries;
  assert.deepEqual(entry.handlerChain, ['process_input']);
  assert.equal(entry.receive?.lengthVar, 'n');
});

test('a file without sockets has no entry, and the rules still check every function', async () => {
  const text = 'static int twice(int x) { return 2 * x; }\nint main(void) { char *p = malloc(4); return twice(p != 0); }\n';
  const analysis = await analyse('plain.c', text);
  assert.deepEqual(analysis.entries, []);
  assert.deepEqual(analysis.slices, []);
  assert.ok(analysis.diagnostics.some((d) => d.code === 'dynamic-memory'), 'main is checked when nothing is an entry');
});

test('read() from a file descriptor that is not a socket is not a receive', async () => {
  const text = `#include <fcntl.h>
#include <unistd.h>
int main(void) {
    char buf[64];
    int fd = open("/etc/hosts", O_RDONLY);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        write(1, buf, n);
    }
    return 0;
}
`;
  assert.deepEqual((await analyse('cat.c', text)).entries, []);
});

test('`// bpf-offload: entry` replaces discovery but keeps what discovery learnt about the function', async () => {
  const analysis = await analyseExample('kv-cache', {}, (t) => t.replace('int handle_request(', '// bpf-offload: entry\nint handle_request('));
  assert.equal(analysis.entries.length, 1);
  const [entry] = analysis.entries;
  assert.equal(entry.name, 'handle_request');
  assert.equal(entry.how, 'annotation');
  assert.equal(entry.protocol, 'udp');
  assert.equal(entry.port, 11311);
  assert.equal(entry.receive, undefined, 'the receive is in main, not in the annotated function');
  assert.equal(analysis.slices[0]?.function, 'handle_request');
});

test('an entry listed in settings replaces discovery', async () => {
  const analysis = await analyseExample('kv-cache', { entries: ['handle_set'] });
  assert.deepEqual(analysis.entries.map((e) => [e.name, e.how]), [['handle_set', 'setting']]);
});

test('discovered entries are the rules’ roots: setup code in main is no longer checked', async () => {
  const analysis = await analyseExample('kv-cache');
  const mainStart = analysis.summary.functions.find((f) => f.name === 'main')!.range.start.line;
  assert.ok(!analysis.diagnostics.some((d) => d.range.start.line >= mainStart), 'no finding inside main (socket set-up, perror, …)');
  assert.ok(analysis.diagnostics.some((d) => d.code === 'dynamic-memory'), 'handle_request’s callees are still checked');
});

test('libevent: a callback registered with event_new that receives is an event-callback entry; htons(CONST) gives the port', async () => {
  const text = `#include <event2/event.h>
#include <sys/socket.h>
#include <netinet/in.h>
static void on_read(evutil_socket_t fd, short what, void *arg) {
    char buf[512];
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
    if (n > 0)
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
}
int main(void) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(5353) };
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    struct event_base *base = event_base_new();
    struct event *ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, NULL);
    event_add(ev, NULL);
    return event_base_dispatch(base);
}
`;
  const analysis = await analyse('echo-libevent.c', text);
  assert.equal(analysis.entries.length, 1);
  const [entry] = analysis.entries;
  assert.equal(entry.name, 'on_read');
  assert.equal(entry.how, 'event-callback');
  assert.equal(entry.protocol, 'udp');
  assert.equal(entry.port, 5353);
  assert.equal(entry.handler, undefined);
  const slices = analysis.slices[0];
  assert.equal(slices.mode, 'inline');
  assert.ok(slices.paths.some((p) => p.end.kind === 'reply' && p.endsIn === 'kernel'), JSON.stringify(slices.paths.map((p) => p.description)));
});

test('malformed C does not crash entry discovery or slicing', async () => {
  const text = 'int main( { int fd = socket(AF_INET, SOCK_DGRAM; while (1) { n = recvfrom(fd, buf, ; handle(buf, n); if ( } }';
  const analysis = await analyse('broken.c', text);
  assert.ok(Array.isArray(analysis.entries));
  assert.ok(Array.isArray(analysis.slices));
});
