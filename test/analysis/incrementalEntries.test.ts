// Entry discovery keeps what each top-level declaration says (entries.ts, entries/sockets.ts) and
// reuses it for declarations an edit carried over (plainTreeEdit.ts). Facts of one declaration
// change what is concluded about another: these edits change only the declaration holding the
// socket, the registration, the port or the polling loop, and the entries found in the untouched
// ones must follow — equal to a fresh analysis and to what the edit is known to mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';

const FILE = 'server.c';
const SERVER = `#include <sys/socket.h>
#define PORT 7000
static int open_socket(void) { int fd = socket(AF_INET, SOCK_DGRAM, 0); return fd; }
static void configure(struct sockaddr_in *addr) { addr->sin_port = htons(PORT); }
static int handle(char *buf, int n) { return buf[0] + n; }
static void serve(void) { int s = open_socket(); char buf[512]; for (;;) { int n = read(s, buf, sizeof buf); handle(buf, n); } }
static void on_event(int fd) { char b[64]; int n = recv(fd, b, 64, 0); handle(b, n); }
static void setup(void) { ev_io_init(&watcher, on_event, 0, 0); }
`;

/** name → protocol, port and how it was found, for every entry. */
function entriesOf(analysis: FileAnalysis): string[] {
  return analysis.entries.map((e) => `${e.name} ${e.how} ${e.protocol} ${e.port ?? '-'} ${e.receive?.call ?? '-'}`).sort();
}

test('entries found in declarations an edit left alone follow what the edited declaration now says', async () => {
  await initC();
  const others = new Map<string, FileSummary>();
  const steps: { text: string; expected: string[] }[] = [
    { text: SERVER, expected: ['on_event event-callback udp 7000 recv', 'serve receive-loop udp 7000 read'] },
    // The socket becomes a stream socket: serve's read is still on it, now TCP.
    { text: SERVER.replace('SOCK_DGRAM', 'SOCK_STREAM'), expected: ['on_event event-callback tcp 7000 recv', 'serve receive-loop tcp 7000 read'] },
    // No longer returned: serve's descriptor is not known to be a socket, so its read is no receive.
    { text: SERVER.replace('return fd;', 'return 0;'), expected: ['on_event event-callback udp 7000 recv'] },
    // The port set elsewhere changes.
    { text: SERVER.replace('htons(PORT)', 'htons(8080)'), expected: ['on_event event-callback udp 8080 recv', 'serve receive-loop udp 8080 read'] },
    // The registration goes: on_event's recv is in no loop and it is no callback any more.
    { text: SERVER.replace('ev_io_init(&watcher, on_event, 0, 0);', ''), expected: ['serve receive-loop udp 7000 read'] },
    // A polling loop calling it makes it a callback again.
    {
      text: `${SERVER.replace('ev_io_init(&watcher, on_event, 0, 0);', '')}int main(void) { while (1) { epoll_wait(0, 0, 0, 0); on_event(3); } }\n`,
      expected: ['on_event event-callback udp 7000 recv', 'serve receive-loop udp 7000 read'],
    },
    { text: SERVER, expected: ['on_event event-callback udp 7000 recv', 'serve receive-loop udp 7000 read'] },
  ];
  const memo = new AnalysisMemo();
  let version: ParsedVersion | undefined;
  try {
    for (const [i, { text, expected }] of steps.entries()) {
      const before = version?.plain.rootNode.children ?? [];
      version = reparse(version, text);
      if (i > 0) assert.ok(version.plain.rootNode.children.some((c) => before.includes(c)), `step ${i}: declarations were carried over`);
      const incremental = analyzeFile(FILE, version.plain, text, others, DEFAULT_ANALYZE_OPTIONS, memo);
      const fresh = analyzeFile(FILE, parsePlainC(text), text, others, DEFAULT_ANALYZE_OPTIONS);
      assert.deepEqual(entriesOf(incremental), expected, `step ${i}`);
      assert.deepEqual(incremental, fresh, `step ${i}`);
    }
  } finally {
    version?.tree.delete();
  }
});
