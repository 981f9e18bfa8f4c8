import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, buildProgramFacts, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { computeSlices, type EntrySlices, type SlicePath } from '../../server/src/analysis/slices';
import type { Position, Range } from '../../server/src/analysis/model';

const EXAMPLES = path.resolve(__dirname, '../../../examples');

async function slicesOf(name: string) {
  await initC();
  const file = path.join(EXAMPLES, name, `${name}.c`);
  const text = fs.readFileSync(file, 'utf8');
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile(file, tree, text, new Map(), DEFAULT_ANALYZE_OPTIONS);
    assert.equal(analysis.slices.length, 1);
    return { slices: analysis.slices[0], text, analysis };
  } finally {
    parsed.delete();
  }
}

/** 0-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(index >= 0, `no line contains ${needle}`);
  return index;
}

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);
const covers = (ranges: Range[], line: number) => ranges.some((r) => r.start.line <= line && line <= r.end.line);

function onlyPath(slices: EntrySlices, match: (p: SlicePath) => boolean, what: string): SlicePath {
  const found = slices.paths.filter(match);
  assert.equal(found.length, 1, `${what}: ${JSON.stringify(slices.paths.map((p) => p.description))}`);
  return found[0];
}

test('kv-cache: a GET that hits the cache ends in the kernel; it reads the cache and builds the reply', async () => {
  const { slices } = await slicesOf('kv-cache');
  assert.equal(slices.function, 'handle_request');
  assert.equal(slices.mode, 'handler');
  assert.equal(slices.capped, false);
  const hit = onlyPath(slices, (p) => p.description.includes('"GET "') && p.description.includes('s != NULL'), 'GET hit');
  assert.equal(hit.endsIn, 'kernel');
  assert.equal(hit.end.kind, 'reply');
  assert.equal(hit.fallback, undefined);
  assert.equal(hit.handover, undefined);
  assert.equal(hit.packetBuffer, 'req');
  assert.equal(hit.reply?.buffer, 'reply');
  assert.ok(hit.reply!.builtBy.some((s) => s.startsWith('memcpy(reply, "VALUE "')), JSON.stringify(hit.reply));
  assert.deepEqual(hit.state, [{ name: 'cache', access: 'read', isConst: false }]);
  assert.ok(hit.calls.includes('cache_find') && hit.calls.includes('hash_key'));
  assert.ok(hit.work.instructions > 0 && hit.work.bytesCopied > 0);
  assert.equal(slices.paths.filter((p) => p.endsIn === 'kernel').length, 1, 'only the hit finishes in the kernel');
});

test('kv-cache: the miss path falls back in handle_miss and is handed over at `s == NULL`, before the work userspace redoes', async () => {
  const { slices, text } = await slicesOf('kv-cache');
  const miss = onlyPath(slices, (p) => p.description.includes('s == NULL'), 'GET miss');
  assert.equal(miss.endsIn, 'userspace');
  assert.equal(miss.fallback?.viaCall?.callee, 'handle_miss');
  // The first hand-over in execution order: backend_lookup's strcmp, before its malloc. The rules
  // only warn there (it could become strncmp), but the split has no stand-in for it.
  assert.equal(miss.fallback?.code, 'no-kernel-stand-in');
  assert.equal(miss.fallback!.range.start.line, lineOf(text, 'if (strcmp(settings[i].key, key) == 0)'));
  assert.match(miss.fallback!.message, /strcmp\(\) has no BPF stand-in: the split hands the request over/);
  const handover = miss.handover!;
  assert.equal(handover.range.start.line, lineOf(text, 'if (s == NULL)'));
  assert.match(handover.description, /s == NULL/);
  assert.ok(before(handover.range.start, miss.fallback!.viaCall!.range.start), 'handed over before calling handle_miss');
  assert.ok(handover.wasted.instructions > 0, 'the lookup had to run to know it missed');
  assert.ok(handover.wasted.instructions < miss.work.instructions / 2, 'most of the path (backend, snprintf, store) is not paid twice');
  assert.ok(!handover.wasted.libraryCalls.includes('malloc') && !handover.wasted.libraryCalls.includes('snprintf'));
});

test('kv-cache: SET falls back in handle_set and is handed over as soon as the command is not GET', async () => {
  const { slices, text } = await slicesOf('kv-cache');
  const set = onlyPath(slices, (p) => p.description.includes('"SET "') && !p.description.includes('!(len > 4 && memcmp(req, "SET "'), 'SET');
  assert.equal(set.endsIn, 'userspace');
  assert.equal(set.fallback?.viaCall?.callee, 'handle_set');
  assert.match(set.fallback!.message, /\S/);
  assert.equal(set.handover?.range.start.line, lineOf(text, 'memcmp(req, "GET ", 4) == 0'));
  assert.ok(set.handover!.wasted.instructions < set.workBeforeFallback!.instructions, 'earlier than the fallback point');
  assert.deepEqual(
    set.state.map((s) => s.name),
    ['cache', 'reject::rejected', 'sets_total'],
  );
  assert.ok(set.state.find((s) => s.name === 'sets_total')!.access === 'read-write');
});

test('kv-cache: the offloadable region shades the hit path and the lookup, not the miss handling', async () => {
  const { slices, text } = await slicesOf('kv-cache');
  const region = slices.offloadableRegion;
  assert.ok(covers(region, lineOf(text, 'memcpy(reply, "VALUE ", 6);')));
  assert.ok(covers(region, lineOf(text, 'uint32_t h = hash_key(key, len);')), 'cache_find body');
  assert.ok(!covers(region, lineOf(text, 'char *value = backend_lookup(name);')), 'handle_miss body');
  assert.ok(!covers(region, lineOf(text, 'return handle_set(req + 4')));
});

test('dns-responder: short and response datagrams are dropped in the kernel, A and NXDOMAIN answered there, the rest falls back to slow_answer', async () => {
  const { slices } = await slicesOf('dns-responder');
  assert.equal(slices.function, 'answer_query');
  const drops = slices.paths.filter((p) => p.end.kind === 'drop');
  assert.deepEqual(drops.map((p) => p.endsIn), ['kernel', 'kernel']);
  assert.ok(drops[0].description.startsWith('len < DNS_HEADER_LEN'));
  const kernelReplies = slices.paths.filter((p) => p.endsIn === 'kernel' && p.end.kind === 'reply');
  assert.equal(kernelReplies.length, 2, 'NXDOMAIN and the A answer');
  assert.ok(kernelReplies.every((p) => p.state.some((s) => s.name === 'fast_answers' && s.access !== 'read')));
  const slow = slices.paths.filter((p) => p.endsIn === 'userspace');
  assert.ok(slow.length >= 4);
  for (const p of slow) {
    assert.equal(p.fallback?.viaCall?.callee, 'slow_answer', p.description);
    assert.ok(p.handover && before(p.handover.range.start, p.fallback!.viaCall!.range.start), p.description);
  }
});

test('tcp-kv: PING and GET finish in the kernel, other commands fall back to slow_command', async () => {
  const { slices } = await slicesOf('tcp-kv');
  assert.equal(slices.function, 'handle_line');
  const kernel = slices.paths.filter((p) => p.endsIn === 'kernel').map((p) => p.description);
  assert.ok(kernel.some((d) => d.includes('"PING"')));
  assert.ok(kernel.some((d) => d.includes('"GET "')));
  const slow = slices.paths.filter((p) => p.endsIn === 'userspace');
  assert.equal(slow.length, 1);
  assert.equal(slow[0].fallback?.viaCall?.callee, 'slow_command');
  assert.ok(slices.paths.filter((p) => p.endsIn === 'kernel').every((p) => p.state.every((s) => s.access === 'read')));
});

test('rate-limiter (inline in the loop): paths start after recvfrom, end at sendto; the receive error path is left out', async () => {
  const { slices, text } = await slicesOf('rate-limiter');
  assert.equal(slices.mode, 'inline');
  assert.equal(slices.function, 'main');
  assert.ok(slices.notes.some((n) => /receive itself failed/.test(n)));
  assert.ok(slices.paths.every((p) => p.end.kind === 'reply' && p.end.range.start.line === lineOf(text, 'sendto(sock, out')));
  assert.ok(slices.paths.every((p) => p.reply?.buffer === 'out'));
  const check = onlyPath(slices, (p) => p.description.includes('"CHECK "') && !p.description.includes('!(len > 6 && memcmp(msg, "CHECK "'), 'CHECK');
  assert.ok(check.state.some((s) => s.name === 'buckets' && s.access !== 'read'));
  assert.ok(!slices.paths.some((p) => p.ranges.some((r) => r.start.line === lineOf(text, 'ssize_t got = recvfrom('))));
});

test('rate-limiter: CHECK reads the clock with clock_gettime(CLOCK_MONOTONIC), which the kernel half rewrites, so it ends in the kernel', async () => {
  const { slices, text, analysis } = await slicesOf('rate-limiter');
  const clockLine = lineOf(text, 'clock_gettime(CLOCK_MONOTONIC');
  const atClock = analysis.diagnostics.filter((d) => d.range.start.line === clockLine);
  assert.deepEqual(atClock.map((d) => d.code), ['monotonic-clock'], JSON.stringify(atClock));
  const check = onlyPath(slices, (p) => p.description.includes('"CHECK "') && !p.description.includes('!(len > 6 && memcmp(msg, "CHECK "'), 'CHECK');
  assert.equal(check.endsIn, 'kernel', check.fallback?.message);
  assert.ok(check.calls.includes('now_ns'));
  const estimate = analysis.offload[0]?.estimate?.paths.find((p) => p.id === check.id);
  assert.ok(estimate, 'CHECK has a cost estimate');
  assert.equal(estimate.endsIn, 'kernel');
  assert.ok(estimate.splitNs > 0 && estimate.splitNs < estimate.userspaceNs, JSON.stringify(estimate));
});

test('stats-counter: INCR of a registered name ends in the kernel; only the registration of a new name falls back', async () => {
  const { slices, text } = await slicesOf('stats-counter');
  assert.equal(slices.function, 'dispatch');
  const incr = slices.paths.filter((p) => p.description.includes('case CMD_INCR'));
  assert.equal(incr.length, 2, JSON.stringify(slices.paths.map((p) => p.description)));
  const known = onlyPath(slices, (p) => p.description.includes('case CMD_INCR') && p.endsIn === 'kernel', 'INCR of a known name');
  assert.match(known.description, /cmd_incr: c != NULL/);
  // Its work is that of the lookup path: no registration, no fprintf.
  assert.ok(known.calls.includes('find_counter') && !known.calls.includes('register_counter'), known.calls.join());
  assert.ok(!known.work.libraryCalls.includes('fprintf'));
  const fresh = onlyPath(slices, (p) => p.description.includes('case CMD_INCR') && p.endsIn === 'userspace', 'INCR of a new name');
  assert.match(fresh.description, /cmd_incr: c == NULL/);
  assert.equal(fresh.fallback?.viaCall?.callee, 'cmd_incr');
  assert.ok(fresh.calls.includes('register_counter') && fresh.work.libraryCalls.includes('fprintf'), 'userspace runs the registration');
  assert.ok(fresh.work.instructions > known.work.instructions);
  assert.ok(fresh.fallback!.range.start.line > lineOf(text, 'static struct counter *register_counter('), 'the Error is in register_counter');
  assert.ok(fresh.fallback!.range.start.line < lineOf(text, 'static size_t format_u64('));
  assert.equal(fresh.handover?.range.start.line, lineOf(text, 'if (c == NULL)'), 'handed over at the lookup miss');
  // DUMP formats with sprintf: the verifier would take bpf_snprintf(), but the split has no
  // stand-in and hands it over, so the path ends in userspace as the generated program answers it.
  const dump = onlyPath(slices, (p) => p.description.includes('case CMD_DUMP'), 'DUMP');
  assert.equal(dump.endsIn, 'userspace');
  assert.equal(dump.fallback?.code, 'no-kernel-stand-in');
  assert.equal(dump.fallback?.viaCall?.callee, 'cmd_dump');
  assert.match(dump.fallback!.message, /^sprintf\(\) has no BPF stand-in/);
  // GET, bad names and unknown commands never fall back.
  const others = slices.paths.filter((p) => !/case CMD_(INCR|DUMP)/.test(p.description));
  assert.equal(others.length, 4);
  assert.ok(others.every((p) => p.endsIn === 'kernel'));
});

test('enumeration stops at the cap and says so', async () => {
  await initC();
  const file = path.join(EXAMPLES, 'dns-responder', 'dns-responder.c');
  const text = fs.readFileSync(file, 'utf8');
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile(file, tree, text, new Map());
    const program = buildProgramFacts(new Map([[file, summarizeFile(file, tree, text)]]));
    const capped = computeSlices({ file, tree, text, program, entry: analysis.entries[0], diagnostics: analysis.diagnostics, maxPaths: 3 })!;
    assert.equal(capped.capped, true);
    assert.equal(capped.paths.length, 3);
    assert.ok(capped.notes.some((n) => n.includes('more than 3 paths')));
  } finally {
    parsed.delete();
  }
});
