// Profiles produced for real inside the test: a small UDP server built with coverage, driven
// over loopback with a known request mix, then read back with gcov / llvm-cov.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  branchProbabilities,
  describeProfile,
  functionExecutions,
  parseGcovJson,
  parseLlvmCovExport,
  parseProfile,
  pathSharesFromProfile,
  ProfileFormatError,
  type Profile,
} from '../../server/src/analysis/profiles';
import { estimateCost, type CostPath } from '../../server/src/analysis/cost';

const SERVER_C = `#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int store_value;

static int handle_request(const char *req, size_t len, char *reply)
{
    if (len < 3)
        return snprintf(reply, 64, "ERROR"); /* ERROR path */
    if (memcmp(req, "GET", 3) == 0) /* dispatch */
        return snprintf(reply, 64, "VALUE %d", store_value); /* GET path */
    store_value++; /* SET path */
    return snprintf(reply, 64, "STORED");
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        return 2;
    getsockname(fd, (struct sockaddr *)&addr, &alen);
    printf("%d\\n", ntohs(addr.sin_port));
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        char buf[64], reply[64];
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        ssize_t len = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
        if (len < 0)
            return 1;
        int rlen = handle_request(buf, (size_t)len, reply);
        sendto(fd, reply, (size_t)rlen, 0, (struct sockaddr *)&peer, plen);
    }
    return 0;
}
`;

const lineOf = (marker: string) => SERVER_C.split('\n').findIndex((l) => l.includes(marker)) + 1;
const DISPATCH_LINE = lineOf('/* dispatch */');
const GET_LINE = lineOf('/* GET path */');
const SET_LINE = lineOf('/* SET path */');
const ERROR_LINE = lineOf('/* ERROR path */');

function which(...names: string[]): string | undefined {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '').split(':')) {
      const candidate = path.join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Starts the server for gets + sets requests and sends them over loopback, one at a time. */
async function drive(binary: string, cwd: string, gets: number, sets: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const total = gets + sets;
  const server = spawn(binary, [String(total)], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    server.on('error', reject);
    setTimeout(() => reject(new Error('server did not print its port')), 10_000).unref();
  });
  const client = dgram.createSocket('udp4');
  try {
    // Interleaved so that the order of requests does not matter to the counts.
    for (let i = 0; i < total; i++) {
      const isGet = Math.floor((i * gets) / total) !== Math.floor(((i + 1) * gets) / total);
      const reply = new Promise<Buffer>((resolve, reject) => {
        client.once('message', resolve);
        setTimeout(() => reject(new Error(`no reply to request ${i}`)), 5_000).unref();
      });
      client.send(isGet ? 'GET key' : 'SET key 1', port, '127.0.0.1');
      const text = (await reply).toString();
      assert.match(text, isGet ? /^VALUE / : /^STORED$/);
    }
  } finally {
    client.close();
  }
  assert.equal(await exited, 0);
}

const witnesses = [
  { id: 'get', lines: [GET_LINE] },
  { id: 'set', lines: [SET_LINE] },
  { id: 'error', lines: [ERROR_LINE] },
];

function assertMix(profile: Profile, source: string, gets: number, sets: number): void {
  assert.equal(functionExecutions(profile, source, 'handle_request'), gets + sets);
  const shares = pathSharesFromProfile(profile, { file: source, functionName: 'handle_request', paths: witnesses });
  assert.ok(shares);
  assert.equal(shares.requests, gets + sets);
  assert.deepEqual(
    shares.shares.map((s) => [s.id, s.count]),
    [['get', gets], ['set', sets], ['error', 0]],
  );
  assert.ok(Math.abs(shares.shares[0].share - gets / (gets + sets)) < 1e-12);
  assert.ok(Math.abs(shares.unaccountedShare) < 1e-12);
  assert.deepEqual(shares.source, { kind: 'profile', tool: profile.tool, profile: profile.origin, requests: gets + sets });
  const [site] = branchProbabilities(profile, source, DISPATCH_LINE);
  assert.ok(site, 'a branch site on the dispatch line');
  assert.equal(site.total, gets + sets);
  const probabilities = site.outcomes.filter((o) => o.kind !== 'throw').map((o) => o.probability).sort();
  assert.deepEqual(probabilities, [sets / (gets + sets), gets / (gets + sets)].sort());
}

const gcc = which('gcc');
const gcov = which('gcov');

test('gcov JSON from a real run over loopback gives the known request mix', { skip: !gcc || !gcov ? 'gcc/gcov not installed' : false }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-gcov-'));
  try {
    const source = path.join(dir, 'server.c');
    writeFileSync(source, SERVER_C);
    // Compiling and linking separately names the coverage files after the object: server.gcda.
    execFileSync(gcc!, ['--coverage', '-O0', '-c', 'server.c', '-o', 'server.o'], { cwd: dir });
    execFileSync(gcc!, ['--coverage', 'server.o', '-o', 'server'], { cwd: dir });
    await drive(path.join(dir, 'server'), dir, 70, 30);
    execFileSync(gcov!, ['--json-format', '--branch-probabilities', 'server.c', '-o', '.'], { cwd: dir, stdio: 'ignore' });
    const gz = path.join(dir, 'server.gcov.json.gz');
    const profile = parseGcovJson(readFileSync(gz), gz);
    assert.equal(profile.tool, 'gcov');
    assert.equal(profile.files[0].file, source);
    assertMix(profile, source, 70, 30);
    // gcc lays out the then-block of a plain `if` as the fallthrough arc.
    const [site] = branchProbabilities(profile, source, DISPATCH_LINE);
    assert.equal(site.outcomes.find((o) => o.kind === 'fallthrough')?.count, 70);
    assert.match(describeProfile(profile, 100), /^gcov \(12[.\d]*\) profile .*server\.gcov\.json\.gz: 1 source file\(s\), 100 requests$/);

    // The plain JSON that --stdout prints reads the same, and another mix gives other shares.
    unlinkSync(path.join(dir, 'server.gcda'));
    await drive(path.join(dir, 'server'), dir, 20, 80);
    const stdout = execFileSync(gcov!, ['--json-format', '--branch-probabilities', '--stdout', 'server.c', '-o', '.'], { cwd: dir });
    const second = parseProfile(stdout, 'gcov --stdout');
    assertMix(second, source, 20, 80);

    // The cost model's numbers follow the profile's mix.
    const paths = (p: Profile): CostPath[] => {
      const shares = pathSharesFromProfile(p, { file: source, functionName: 'handle_request', paths: witnesses.slice(0, 2) })!;
      return [
        { id: 'get', description: 'GET', share: shares.shares[0].share, endsIn: 'kernel', kernelWork: { instructions: 100 }, userspaceWork: { handlerNs: 500 } },
        { id: 'set', description: 'SET', share: shares.shares[1].share, endsIn: 'userspace', fallbackAfterKernelWork: { instructions: 40 }, userspaceWork: { handlerNs: 500 } },
      ];
    };
    const first = estimateCost({ hook: 'xdp', paths: paths(profile), shareSource: { kind: 'profile', tool: 'gcov', profile: gz, requests: 100 } });
    const other = estimateCost({ hook: 'xdp', paths: paths(second), shareSource: { kind: 'profile', tool: 'gcov', profile: 'stdout', requests: 100 } });
    assert.ok(first.expectedSavingNs > other.expectedSavingNs);
    assert.match(first.shareNote, /gcov profile .* covered 100 requests/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const clang = which('clang', 'clang-14');
const profdata = which('llvm-profdata', 'llvm-profdata-14');
const llvmCov = which('llvm-cov', 'llvm-cov-14');

test('llvm-cov export from a real run over loopback gives the known request mix', { skip: !clang || !profdata || !llvmCov ? 'clang/llvm-profdata/llvm-cov not installed' : false }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-llvmcov-'));
  try {
    const source = path.join(dir, 'server.c');
    writeFileSync(source, SERVER_C);
    execFileSync(clang!, ['-fprofile-instr-generate', '-fcoverage-mapping', '-O0', '-o', 'server', source], { cwd: dir });
    await drive(path.join(dir, 'server'), dir, 70, 30, { ...process.env, LLVM_PROFILE_FILE: path.join(dir, 'server.profraw') });
    execFileSync(profdata!, ['merge', '-sparse', '-o', 'server.profdata', 'server.profraw'], { cwd: dir });
    const exported = execFileSync(llvmCov!, ['export', '-format=text', '-instr-profile=server.profdata', './server'], { cwd: dir, maxBuffer: 64 << 20 });
    const profile = parseLlvmCovExport(exported, 'server.profdata');
    assert.equal(profile.tool, 'llvm-cov');
    // A static function is exported as "server.c:handle_request"; the C name is kept apart.
    const fn = profile.files[0].functions.find((f) => f.name === 'handle_request');
    assert.ok(fn && fn.rawName.endsWith('handle_request'));
    assertMix(profile, source, 70, 30);
    const [site] = branchProbabilities(profile, source, DISPATCH_LINE);
    assert.deepEqual(site.outcomes.map((o) => [o.kind, o.count]), [['true', 70], ['false', 30]]);
    assert.equal(parseProfile(exported, 'auto').tool, 'llvm-cov');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed profiles are refused with a reason', () => {
  assert.throws(() => parseGcovJson('', 'x'), ProfileFormatError);
  assert.throws(() => parseGcovJson('{"nope": 1}', 'x'), /no "files" array/);
  assert.throws(() => parseLlvmCovExport('{"type": "other"}', 'y'), /llvm.coverage.json.export/);
  assert.throws(() => parseGcovJson(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'z'), /corrupt gzip/);
  assert.throws(() => parseProfile('[1,2]', 'w'), /neither gcov JSON/);
  // Missing pieces inside an otherwise valid document are skipped, not fatal.
  const p = parseGcovJson(JSON.stringify({ gcc_version: '12', files: [{ file: 'a.c', lines: [{ count: 3 }, { line_number: 2 }], functions: [{}] }] }), 'partial');
  assert.deepEqual(p.files[0].lines, [{ line: 2, count: 0 }]);
  assert.equal(pathSharesFromProfile(p, { file: 'a.c', functionName: 'missing', paths: [] }), undefined);
  assert.equal(pathSharesFromProfile(p, { file: 'b.c', functionName: 'missing', paths: [] }), undefined);
});
