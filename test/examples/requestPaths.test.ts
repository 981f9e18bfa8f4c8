// The analysis and the split agree on where each request of an example's script is answered.
// requests.txt marks every request `kernel` or `user`: what the generated program does with it
// (test/e2e checks those marks against the kernel). Here each request is matched to the slice
// path it takes, from line coverage of the plain server: the server is built with --coverage
// and replayed on the first k requests for every k, so the lines request k runs are the
// difference of two runs. Its path is the one whose witness lines all ran (the most specific,
// when several do); that path must end in the kernel exactly when the request is marked kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import type { EntrySlices, SlicePath } from '../../server/src/analysis/slices';
import { parseGcovJson } from '../../server/src/analysis/profiles';
import { EXAMPLES, freePort, readReplies, readRequests, replayTcp, replayUdp, startServer, type ExampleServer } from './example-servers';

const gcovWorks = spawnSync('gcov', ['--version']).status === 0;

function slicesOf(server: ExampleServer): EntrySlices {
  const file = path.join(server.dir, `${server.name}.c`);
  const text = readFileSync(file, 'utf8');
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile(file, tree, text, new Map(), DEFAULT_ANALYZE_OPTIONS);
    assert.equal(analysis.slices.length, 1, 'one entry');
    return analysis.slices[0];
  } finally {
    parsed.delete();
  }
}

interface Counts {
  lines: Map<number, number>;
  /** Times the sliced function was entered. */
  entered: number;
}

/** Runs the coverage build on the first `k` requests and reads the counts of its source. */
async function countsAfter(server: ExampleServer, binary: string, outDir: string, k: number, sliced: string): Promise<Counts> {
  for (const f of readdirSync(outDir)) if (f.endsWith('.gcda')) rmSync(path.join(outDir, f));
  const requests = readRequests(server).slice(0, k).map((r) => r.bytes);
  const expected = readReplies(server).slice(0, k);
  const port = await freePort(server.transport);
  const running = await startServer(binary, port);
  try {
    // Short silences: a request meant to get no reply is handled long before 50 ms on loopback.
    if (server.transport === 'udp') await replayUdp(port, requests, expected, { silenceMs: 50 });
    else await replayTcp(port, requests, expected, { silenceMs: 50 });
  } finally {
    assert.equal(await running.stop(), 0, running.log());
  }
  const gcda = readdirSync(outDir).find((f) => f.endsWith('.gcda'));
  assert.ok(gcda, 'the coverage build wrote its counts on exit');
  const gcov = spawnSync('gcov', ['--json-format', '--stdout', gcda], { cwd: outDir, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(gcov.status, 0, gcov.stderr);
  const profile = parseGcovJson(gcov.stdout, gcda);
  const source = profile.files.find((f) => path.basename(f.file) === `${server.name}.c`);
  assert.ok(source, `the profile covers ${server.name}.c`);
  return {
    lines: new Map(source.lines.map((l) => [l.line, l.count])),
    entered: source.functions.find((f) => f.name === sliced)?.executionCount ?? 0,
  };
}

/**
 * Of the paths whose witness lines all ran, the one the request took. A false branch of an if
 * without else is witnessed by the line after the if, which the true branch runs too: when the
 * first line of the true branch also ran, the true branch was taken. So among paths with as many
 * witness lines, the one whose own witness lines (those the others lack) start earliest wins.
 */
function pathTaken(candidates: SlicePath[]): SlicePath[] {
  const most = Math.max(...candidates.map((p) => p.witnessLines.length));
  const tied = candidates.filter((p) => p.witnessLines.length === most);
  if (tied.length < 2) return tied;
  const shared = tied[0].witnessLines.filter((l) => tied.every((p) => p.witnessLines.includes(l)));
  const firstOwn = (p: SlicePath) => Math.min(...p.witnessLines.filter((l) => !shared.includes(l)));
  const earliest = Math.min(...tied.map(firstOwn));
  return tied.filter((p) => firstOwn(p) === earliest);
}

for (const server of EXAMPLES) {
  test(`${server.name}: each request of requests.txt is on a kernel path exactly when it is marked kernel`, { skip: !gcovWorks && 'gcov is not installed', timeout: 300_000 }, async () => {
    await initC();
    const slices = slicesOf(server);
    const outDir = mkdtempSync(path.join(os.tmpdir(), `paths-${server.name}-`));
    try {
      const env = { ...process.env };
      delete env.CFLAGS;
      const make = spawnSync('make', ['-s', '-C', server.dir, `O=${outDir}`, 'CFLAGS=-O0 --coverage'], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(make.status, 0, make.stderr);
      const binary = path.join(outDir, server.name);
      const requests = readRequests(server);
      const mismatches: string[] = [];
      let matched = 0;
      let previous = await countsAfter(server, binary, outDir, 0, slices.function);
      for (let k = 1; k <= requests.length; k++) {
        const now = await countsAfter(server, binary, outDir, k, slices.function);
        const before = previous;
        const ran = (line: number) => (now.lines.get(line) ?? 0) > (before.lines.get(line) ?? 0);
        const request = requests[k - 1];
        const entered = slices.mode === 'inline' || now.entered > before.entered;
        previous = now;
        // A TCP segment that completes no line reaches no handler: it is no request path.
        if (!entered) continue;
        const chosen = pathTaken(slices.paths.filter((p) => p.witnessLines.every(ran)));
        const want = request.answeredIn === 'kernel' ? 'kernel' : 'userspace';
        const where = `requests.txt line ${request.line} (${request.answeredIn})`;
        if (chosen.length === 0) mismatches.push(`${where}: no path's witness lines all ran`);
        else if (chosen.some((p) => p.endsIn !== want))
          mismatches.push(`${where}: takes ${chosen.map((p) => `${p.id} (${p.endsIn}: ${p.description}${p.fallback ? `; ${p.fallback.message}` : ''})`).join(' or ')}`);
        else matched++;
      }
      assert.deepEqual(mismatches, [], `${server.name}: analysis and requests.txt disagree`);
      assert.ok(matched > 0 && requests.some((r) => r.answeredIn === 'kernel'), 'requests were matched to paths');
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
}
