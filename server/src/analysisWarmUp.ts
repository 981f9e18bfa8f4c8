// What the analysis thread analyses before any document arrives. Why: the first analysis in a
// fresh thread runs cold (V8 has compiled nothing yet, the grammar's tables are not read in), and
// it used to be the user's first didOpen that paid for that. First a small UDP server (below),
// which goes through every step — a receive loop for the entry discovery, a handler with a table
// lookup, a bounded loop and a reply for the rules and the slices; then, once the workspace index
// sends its summaries, one of the workspace's own files (workspaceWarmUpFile). Each is analysed
// afresh and then edited a few times (warmUpEditOffsets), since most of the user's analyses are of
// edits, which take other code paths (incremental reparse, the memo's reuse).
import type { FileSummary, FunctionInfo } from './analysis/model';

export const WARM_UP_FILE = 'bpf-offload-warm-up.c';

/**
 * The largest file the thread analyses once as a warm-up on the workspace's own code
 * (analysisWorker.ts): the sample below is small and exercises few of the paths a real server's
 * file takes, and the first analysis of a large file still ran a fifth to a third slower than the
 * next one. Bounded so that the warm-up costs a fraction of a second of an idle thread.
 */
export const WORKSPACE_WARM_UP_MAX_LINES = 4000;

/**
 * The C source file (not a header) of the known ones whose functions reach furthest down, up to
 * `maxLines` lines, with that many lines: the most code of one file for a bounded warm-up.
 * Undefined when no file with a function fits. Ties go to the first file in name order, so the
 * choice does not depend on the order the summaries came in.
 */
export function workspaceWarmUpFile(summaries: ReadonlyMap<string, FileSummary>, maxLines = WORKSPACE_WARM_UP_MAX_LINES): { file: string; lines: number } | undefined {
  let chosen: { file: string; lines: number } | undefined;
  for (const [file, summary] of summaries) {
    if (!file.endsWith('.c')) continue;
    const lines = functionLines(summary.functions);
    if (lines === 0 || lines > maxLines) continue;
    if (!chosen || lines > chosen.lines || (lines === chosen.lines && file < chosen.file)) chosen = { file, lines };
  }
  return chosen;
}

/**
 * The document warm-up (documentWarmUp.ts): once a large document has been answered and the thread
 * has been quiet for a while, it types a character at this many places of it and takes each back,
 * a place per turn of the event loop, with the document's own parse and memo, stopped by any job
 * posted meanwhile. Why: the warm-ups before the first document run on a sample and on another file of the
 * workspace, and V8 still optimised code on the way through the first hundred edits of
 * memcached.c: over 100 edits, the analysis thread's jobs took p50 10 / p95 16-21 ms right after
 * the open, and p50 6.5 / p95 12-13.5 ms after 200 edits of the same file (three alternated LSP
 * sessions each, AMD EPYC host of 2026-11-27). Warming up on another large file of memcached
 * instead (40 places of proto_text.c, or of memcached.c before it was opened) gained less and
 * delayed the first open. 60 places of memcached.c take 1.2-1.6 s of an idle thread; 80 places gained little over 60.
 */
export const DOCUMENT_WARM_UP_PLACES = 60;

/** Documents with fewer lines of functions than this are analysed fast enough cold. */
export const DOCUMENT_WARM_UP_MIN_LINES = 1000;

/** Lines of a document's functions: how far down its last function body reaches. */
export function functionLines(functions: readonly FunctionInfo[]): number {
  return functions.reduce((most, fn) => Math.max(most, fn.range.end.line + 1), 0);
}

/**
 * Whether a document with `lines` lines of functions gets the document warm-up, the largest one
 * warmed up on so far in this thread having `warmedLines` (0: none): only large documents, and
 * each at least twice as long as the last, so that a session pays for a few warm-ups at most
 * (their cost doubles with each, and all of them together cost less than twice the last).
 */
export function warmsUpDocument(lines: number, warmedLines: number, minLines = DOCUMENT_WARM_UP_MIN_LINES): boolean {
  return lines >= minLines && lines >= 2 * warmedLines;
}

/** The character the warm-up types and takes back at each of warmUpEditOffsets. */
export const WARM_UP_TYPED = 'x';

/**
 * Where the warm-up types a character and takes it back: in front of the first statement of the
 * middle line of each of the `count` longest function bodies. Why: a thread that had only ever
 * analysed whole files ran the first dozen edits of a large file at up to twice the time of the
 * later ones, because the incremental reparse and the memo's reuse, which only edits reach, were
 * still unoptimised (in the editor benchmark, five of the twelve slowest of 100 edits of
 * memcached.c were among its first fourteen). Offsets ascending; a body with no line starting
 * with a word character inside it gives none.
 */
export function warmUpEditOffsets(text: string, functions: readonly FunctionInfo[], count: number): number[] {
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  const longest = [...functions]
    .sort((a, b) => b.bodyRange.end.line - b.bodyRange.start.line - (a.bodyRange.end.line - a.bodyRange.start.line) || a.bodyRange.start.line - b.bodyRange.start.line)
    .slice(0, count);
  const offsets: number[] = [];
  for (const fn of longest) {
    const { start, end } = fn.bodyRange;
    const middle = (start.line + end.line) >> 1;
    // The middle line, or the nearest one below it inside the body that starts a word.
    for (let line = middle; line < end.line; line++) {
      if (line <= start.line) continue;
      const lineText = text.slice(lineStarts[line], lineStarts[line + 1] ?? text.length);
      const first = lineText.search(/\S/);
      if (first >= 0 && /[A-Za-z_]/.test(lineText[first])) {
        offsets.push(lineStarts[line] + first);
        break;
      }
    }
  }
  return offsets.sort((a, b) => a - b);
}

export const WARM_UP_SOURCE = `#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define SLOTS 64
#define NAME_MAX 15

struct counter {
    char name[NAME_MAX + 1];
    unsigned long hits;
};

static struct counter counters[SLOTS];
static unsigned long requests;

static unsigned slot_of(const char *name, size_t len)
{
    unsigned h = 5381;
    for (size_t i = 0; i < len && i < NAME_MAX; i++)
        h = h * 33 + (unsigned char)name[i];
    return h % SLOTS;
}

static int handle(const char *request, size_t len, char *reply, size_t cap)
{
    if (len < 2 || request[0] != 'C')
        return -1;
    struct counter *c = &counters[slot_of(request + 1, len - 1)];
    c->hits++;
    requests++;
    if (cap < 4)
        return -1;
    memcpy(reply, "OK\\r\\n", 4);
    return 4;
}

int main(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(9000) };
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    for (;;) {
        char buf[512], out[64];
        struct sockaddr_in peer;
        socklen_t peer_len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &peer_len);
        if (n <= 0)
            continue;
        int r = handle(buf, (size_t)n, out, sizeof out);
        if (r > 0)
            sendto(fd, out, (size_t)r, 0, (struct sockaddr *)&peer, peer_len);
    }
}
`;
