import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS, type FileAnalysis } from '../../server/src/analysis/analyze';
import { analyzeOffload } from '../../server/src/analysis/offload';
import { DEFAULT_PARAMETERS, type CostParameters } from '../../server/src/analysis/cost';
import type { Profile } from '../../server/src/analysis/profiles';
import type { SlicePath } from '../../server/src/analysis/slices';
import { runCli } from '../cli/helpers';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const KV_CACHE = path.join(EXAMPLES, 'kv-cache', 'kv-cache.c');

async function analyseKvCache(): Promise<FileAnalysis> {
  await initC();
  const text = fs.readFileSync(KV_CACHE, 'utf8');
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    return analyzeFile(KV_CACHE, tree, text, new Map(), DEFAULT_ANALYZE_OPTIONS);
  } finally {
    parsed.delete();
  }
}

const hitOf = (paths: SlicePath[]) => paths.find((p) => p.endsIn === 'kernel')!;
const missOf = (paths: SlicePath[]) => paths.find((p) => p.description.includes('s == NULL'))!;

/** Line counts as gcov would report them for `requests` requests split over the paths as given. */
function lineCounts(paths: SlicePath[], mix: Map<string, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const p of paths) for (const line of p.witnessLines) counts.set(line, (counts.get(line) ?? 0) + (mix.get(p.id) ?? 0));
  return counts;
}

function profileFor(paths: SlicePath[], mix: Map<string, number>, origin: string): Profile {
  const requests = [...mix.values()].reduce((a, b) => a + b, 0);
  return {
    tool: 'gcov',
    origin,
    files: [
      {
        file: KV_CACHE,
        lines: [...lineCounts(paths, mix)].map(([line, count]) => ({ line, count })).sort((a, b) => a.line - b.line),
        branches: [],
        functions: [{ name: 'handle_request', rawName: 'handle_request', executionCount: requests }],
      },
    ],
  };
}

/** 1000 requests: `hit` of them hit the cache, `miss` miss it, the rest are SETs. */
function mix(paths: SlicePath[], hit: number, miss: number): Map<string, number> {
  const set = paths.find((p) => p.description.includes('"SET "') && !p.description.includes('!(len > 4 && memcmp(req, "SET "'))!;
  return new Map([
    [hitOf(paths).id, hit],
    [missOf(paths).id, miss],
    [set.id, 1000 - hit - miss],
  ]);
}

test('kv-cache without a profile: static shares, said so, with a per-path estimate and a verdict', async () => {
  const analysis = await analyseKvCache();
  assert.equal(analysis.offload.length, 1);
  const [offload] = analysis.offload;
  assert.equal(offload.hook, 'xdp');
  assert.equal(offload.shareSource.kind, 'static');
  const estimate = offload.estimate!;
  assert.ok(estimate, offload.error);
  assert.match(estimate.shareNote, /no profile: static heuristic/);
  assert.equal(estimate.paths.length, analysis.slices[0].paths.length);
  const hit = hitOf(analysis.slices[0].paths);
  const hitInput = offload.input.paths.find((p) => p.id === hit.id)!;
  assert.equal(hitInput.endsIn, 'kernel');
  assert.deepEqual(hitInput.kernelWork?.mapLookups, { array: 1 }, 'the cache becomes one array map');
  assert.equal(hitInput.kernelWork?.instructions, hit.work.instructions);
  const missInput = offload.input.paths.find((p) => p.id === missOf(analysis.slices[0].paths).id)!;
  assert.equal(missInput.fallbackAfterKernelWork?.instructions, missOf(analysis.slices[0].paths).handover!.wasted.instructions);
  for (const origin of offload.paths) {
    assert.match(origin.kernelWork, /static estimate from the slice/);
    assert.match(origin.userspaceWork, /static estimate/);
  }
  assert.ok(['offload', 'offload-some', 'dont-offload'].includes(estimate.verdict.kind));
  assert.ok(Number.isFinite(estimate.expectedSavingNs));
  assert.ok(analysis.entries[0].summary.includes('1 of 6 paths can finish in the kernel'), analysis.entries[0].summary);
});

test('kv-cache: the estimate follows the profiled request mix', async () => {
  const analysis = await analyseKvCache();
  const paths = analysis.slices[0].paths;
  const mostlyHits = analyzeOffload(analysis, { profile: profileFor(paths, mix(paths, 900, 50), 'hits.gcov.json') })[0];
  const mostlyMisses = analyzeOffload(analysis, { profile: profileFor(paths, mix(paths, 100, 800), 'misses.gcov.json') })[0];
  for (const [result, hitShare] of [[mostlyHits, 0.9], [mostlyMisses, 0.1]] as const) {
    assert.equal(result.shareSource.kind, 'profile');
    assert.equal(result.profile?.requests, 1000);
    assert.ok(Math.abs(result.estimate!.kernelShare - hitShare) < 1e-9, `${result.estimate!.kernelShare} vs ${hitShare}`);
    assert.match(result.estimate!.shareNote, /profile .*1,000 requests/);
  }
  assert.ok(mostlyHits.estimate!.expectedSavingNs > mostlyMisses.estimate!.expectedSavingNs + 1000);
  assert.equal(mostlyHits.paths.find((p) => p.id === hitOf(paths).id)?.count, 900);
});

test('a profile without the handler falls back to static shares and says why', async () => {
  const analysis = await analyseKvCache();
  const other: Profile = { tool: 'gcov', origin: 'other.json', files: [{ file: '/elsewhere/other.c', lines: [], branches: [], functions: [] }] };
  const [result] = analyzeOffload(analysis, { profile: other });
  assert.equal(result.shareSource.kind, 'static');
  assert.ok(result.notes.some((n) => n.includes('other.json') && n.includes('static heuristics')));
});

test('with expensive kernel instructions the verdict turns against offloading', async () => {
  const analysis = await analyseKvCache();
  const parameters: CostParameters = { ...DEFAULT_PARAMETERS, bpfInstruction: { ns: 100, source: 'test: a deliberately slow machine' } };
  const [slow] = analyzeOffload(analysis, { parameters });
  const [normal] = analyzeOffload(analysis, {});
  assert.equal(slow.estimate!.verdict.kind, 'dont-offload');
  assert.ok(slow.estimate!.expectedSavingNs < normal.estimate!.expectedSavingNs);
  assert.ok(slow.estimate!.parametersUsed.some((p) => p.name === 'bpfInstruction' && p.source.startsWith('test:')));
});

test('CLI analyze --json reports entries with cost estimates and slices, and --profile changes the mix', async () => {
  const analysis = await analyseKvCache();
  const paths = analysis.slices[0].paths;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-profile-'));
  try {
    const counts = lineCounts(paths, mix(paths, 700, 200));
    const gcov = {
      format_version: '1',
      gcc_version: '12.2.0',
      current_working_directory: path.dirname(KV_CACHE),
      files: [
        {
          file: 'kv-cache.c',
          lines: [...counts].map(([line_number, count]) => ({ line_number, count, branches: [] })),
          functions: [{ name: 'handle_request', demangled_name: 'handle_request', execution_count: 1000, start_line: 1, end_line: 2 }],
        },
      ],
    };
    const profilePath = path.join(dir, 'kv-cache.gcov.json');
    fs.writeFileSync(profilePath, JSON.stringify(gcov));
    for (const [args, kind] of [[[], 'static'], [['--profile', profilePath], 'profile']] as const) {
      const result = runCli(['analyze', '--json', ...args, KV_CACHE]);
      assert.equal(result.status, 1, result.stderr);
      const [file] = JSON.parse(result.stdout).files;
      assert.equal(file.entries.length, 1);
      const [entry] = file.entries;
      assert.equal(entry.name, 'main');
      assert.equal(entry.handler, 'handle_request');
      assert.equal(entry.protocol, 'udp');
      assert.equal(entry.port, 11311);
      assert.equal(entry.cost.shareSource.kind, kind);
      assert.equal(entry.cost.input.parameters, undefined, 'the parameter table is listed once, in parametersUsed');
      assert.ok(entry.cost.estimate.parametersUsed.length > 0);
      assert.equal(file.slices.length, 1);
      assert.equal(file.slices[0].entryId, entry.id);
      assert.equal(file.slices[0].paths.length, paths.length);
      assert.equal(file.slices[0].paths.filter((p: SlicePath) => p.endsIn === 'kernel').length, 1);
      if (kind === 'profile') assert.ok(Math.abs(entry.cost.estimate.kernelShare - 0.7) < 1e-9);
    }
    const bad = runCli(['analyze', '--json', '--profile', path.join(dir, 'missing.json'), KV_CACHE]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /cannot read profile/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
