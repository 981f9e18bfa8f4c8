// Bounded fuzzing of the language server through the real LSP over stdio (part of `npm test`;
// scripts/fuzz-long.mjs runs the same for longer). Mutated real C — memcached from Debian and
// tree-sitter-c's generated parser.c — opened, edited and queried in random sequences. The seed is
// printed with every failure; BPF_OFFLOAD_FUZZ_SEED=N replays a run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LspTestClient } from '../lsp/lspClient';
import { loadCorpus, ROOT, type CorpusFile } from './corpus';
import { openCloseCycles, RSS_GROWTH_LIMIT_MB } from './memory';
import { seedFromEnvironment } from './prng';
import { ANSWER_LIMIT_MS, describeRequest, FuzzSession, slowest, type SessionReport } from './session';

const SEED = seedFromEnvironment();
/** Wall-clock budget for issuing random steps (requests still in flight are awaited after it). */
const BUDGET_MS = 20_000;
// A bounded run takes parser.c's first lines only: all of it costs ~30 s of analysis by itself.
const PARSER_LINES = 8_000;
const LIMIT = { timeout: 600_000 };

let corpus: CorpusFile[] = [];
let report: SessionReport | undefined;
let client: LspTestClient | undefined;

const replay = () =>
  `seed ${SEED} (replay: BPF_OFFLOAD_FUZZ_SEED=${SEED}${report ? ` BPF_OFFLOAD_FUZZ_STEPS=${report.steps}` : ''} node --test out/test/fuzz/lspFuzz.test.js)`;

before(() => {
  const loaded = loadCorpus({ parserLines: PARSER_LINES });
  corpus = loaded.files;
  for (const problem of loaded.problems) console.log(`fuzz corpus: ${problem}`);
  console.log(`fuzz: ${corpus.length} corpus files, ${replay()}`);
});

after(async () => {
  await client?.stop();
});

test('random open/edit/close/request sequences on mutated real C never crash or hang the server', LIMIT, async () => {
  client = new LspTestClient();
  // Short debounce: analyses start while edits and requests are still arriving.
  client.configuration = { diagnostics: { debounceMs: 20 }, entries: ['process_command', 'drive_machine', 'ts_lex'] };
  await client.initialize();
  const maxSteps = process.env.BPF_OFFLOAD_FUZZ_STEPS ? Number(process.env.BPF_OFFLOAD_FUZZ_STEPS) : undefined;
  report = await new FuzzSession(client, corpus, SEED).run({ budgetMs: BUDGET_MS, maxSteps, hugeDocuments: 1 });
  const worst = slowest(report.requests);
  console.log(`fuzz: ${report.steps} steps, ${report.requests.length} requests, slowest ${worst ? describeRequest(worst) : 'none'}`);
  for (const error of report.serverErrors.slice(0, 10)) console.log(`fuzz: the server logged: ${error}`);
  assert.equal(report.failure, undefined, `${report.failure}\n${replay()}\nlast steps:\n  ${report.history.join('\n  ')}\nserver stderr: ${client.stderr.join('').slice(-2000)}`);
  assert.equal(client.child.exitCode, null, `the server is alive after the run; ${replay()}`);
  assert.ok(report.requests.length > 10, `the run made requests (${report.requests.length}); ${replay()}`);
  const final = report.requests[report.requests.length - 1];
  assert.match(final.target, /^final request/, 'the final request was answered');
});

test(`every request of the random run is answered within ${ANSWER_LIMIT_MS} ms`, LIMIT, () => {
  assert.ok(report, 'the random run happened');
  const late = report.requests.filter((r) => r.ms > ANSWER_LIMIT_MS).sort((a, b) => b.ms - a.ms);
  assert.deepEqual(
    late.map(describeRequest),
    [],
    `${late.length} of ${report.requests.length} requests took longer than ${ANSWER_LIMIT_MS} ms; the slowest: ${late[0] ? describeRequest(late[0]) : ''}\n${replay()}`,
  );
});

test('memory stays flat: a big real file opened, analysed and closed 100 times frees its trees', LIMIT, async () => {
  const memoryClient = new LspTestClient();
  try {
    memoryClient.configuration = { diagnostics: { debounceMs: 0 } };
    await memoryClient.initialize();
    const big = corpus.find((f) => f.name === 'memcached/proto_text.c') ?? [...corpus].sort((a, b) => b.text.length - a.text.length)[0];
    // Each cycle waits for the diagnostics, so the analysis thread has parsed the file (a tree in
    // wasm memory) that the close must free.
    const run = await openCloseCycles(memoryClient, big.text, { warmup: 40, cycles: 100, waitForDiagnostics: true });
    const growth = run.endMb - run.warmupMb;
    console.log(`fuzz memory: ${big.name} ×${run.cycles}: RSS ${run.warmupMb.toFixed(0)} MB after warmup, ${run.endMb.toFixed(0)} MB at the end`);
    assert.ok(growth < RSS_GROWTH_LIMIT_MB, `RSS grew by ${growth.toFixed(0)} MB over ${run.cycles} open/close cycles of ${big.name} (limit ${RSS_GROWTH_LIMIT_MB} MB)`);
    assert.equal(memoryClient.child.exitCode, null);
  } finally {
    await memoryClient.stop();
  }
});

test('memory stays flat: an analysed document opened, analysed and closed 100 times', LIMIT, async () => {
  const memoryClient = new LspTestClient();
  try {
    memoryClient.configuration = { diagnostics: { debounceMs: 0 } };
    await memoryClient.initialize();
    // Analysis state (results, plans, estimates) must go with the document, not only its tree.
    const text = readFileSync(join(ROOT, 'examples', 'kv-cache', 'kv-cache.c'), 'utf8');
    const run = await openCloseCycles(memoryClient, text, { warmup: 20, cycles: 100, waitForDiagnostics: true });
    const growth = run.endMb - run.warmupMb;
    console.log(`fuzz memory: kv-cache.c analysed ×${run.cycles}: RSS ${run.warmupMb.toFixed(0)} MB after warmup, ${run.endMb.toFixed(0)} MB at the end`);
    assert.ok(growth < RSS_GROWTH_LIMIT_MB, `RSS grew by ${growth.toFixed(0)} MB over ${run.cycles} analysed open/close cycles (limit ${RSS_GROWTH_LIMIT_MB} MB)`);
  } finally {
    await memoryClient.stop();
  }
});
