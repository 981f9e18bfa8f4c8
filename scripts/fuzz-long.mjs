#!/usr/bin/env node
// The long fuzz run: the same random LSP sessions as test/fuzz/lspFuzz.test.ts, for longer, on
// the whole of tree-sitter-c's parser.c, with no cap on 100k-line documents, then the open/close
// memory check on parser.c itself. Needs a build: `npx tsc -p . && node scripts/build.mjs`.
//
// Usage: node scripts/fuzz-long.mjs [--seconds N] [--seed N] [--steps N] [--parser-lines N]
//                                   [--memory-cycles N]
//   --seconds        time for issuing random steps (default 300)
//   --seed           replay a run (printed at the start and with every failure)
//   --steps          stop after N steps (replays the prefix of a run that failed at step N)
//   --parser-lines   use only parser.c's first N lines (default: all of it)
//   --memory-cycles  open/close cycles of parser.c for the memory check (default 200; 0 skips)
// Exits 1 when the server crashed or hung, a request took over 2 s, or memory grew.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'out', 'test', 'fuzz');
if (!existsSync(path.join(out, 'session.js')) || !existsSync(path.join(root, 'dist', 'server.js'))) {
  console.error('fuzz-long: build first: npx tsc -p . && node scripts/build.mjs');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { LspTestClient } = require(path.join(root, 'out', 'test', 'lsp', 'lspClient.js'));
const { loadCorpus, PARSER_C } = require(path.join(out, 'corpus.js'));
const { FuzzSession, ANSWER_LIMIT_MS, describeRequest } = require(path.join(out, 'session.js'));
const { openCloseCycles, RSS_GROWTH_LIMIT_MB } = require(path.join(out, 'memory.js'));
const { seedFromEnvironment } = require(path.join(out, 'prng.js'));

function integer(name, value, fallback) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`fuzz-long: --${name} must be a non-negative integer, got ${value}`);
    process.exit(2);
  }
  return n;
}

let options;
try {
  options = parseArgs({
    options: {
      seconds: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      'parser-lines': { type: 'string' },
      'memory-cycles': { type: 'string' },
    },
  }).values;
} catch (error) {
  console.error(`fuzz-long: ${error.message}`);
  process.exit(2);
}
const seconds = integer('seconds', options.seconds, 300);
const seed = integer('seed', options.seed, undefined) ?? seedFromEnvironment();
const maxSteps = integer('steps', options.steps, undefined);
const parserLines = integer('parser-lines', options['parser-lines'], undefined);
const memoryCycles = integer('memory-cycles', options['memory-cycles'], 200);
const replay = (steps) => `node scripts/fuzz-long.mjs --seed ${seed}${steps !== undefined ? ` --steps ${steps}` : ''}${parserLines !== undefined ? ` --parser-lines ${parserLines}` : ''}`;

const { files, problems } = loadCorpus({ parserLines });
for (const problem of problems) console.log(`corpus: ${problem}`);
console.log(`fuzz-long: seed ${seed}, ${seconds} s, ${files.length} corpus files`);

let failed = false;
const client = new LspTestClient();
client.configuration = { diagnostics: { debounceMs: 20 }, entries: ['process_command', 'drive_machine', 'ts_lex'] };
await client.initialize();
const report = await new FuzzSession(client, files, seed).run({ budgetMs: seconds * 1000, maxSteps });
console.log(`${report.steps} steps, ${report.requests.length} requests`);
const late = report.requests.filter((r) => r.ms > ANSWER_LIMIT_MS).sort((a, b) => b.ms - a.ms);
if (late.length) {
  failed = true;
  console.log(`${late.length} requests over ${ANSWER_LIMIT_MS} ms; the slowest:`);
  for (const r of late.slice(0, 10)) console.log(`  ${describeRequest(r)}`);
}
for (const error of report.serverErrors) console.log(`server logged: ${error}`);
if (report.failure) {
  failed = true;
  console.log(`FAILURE: ${report.failure}\nlast steps:\n  ${report.history.join('\n  ')}`);
}
if (client.child.exitCode !== null) failed = true;
await client.stop();

if (memoryCycles > 0 && existsSync(PARSER_C)) {
  const parser = files.find((f) => f.name.startsWith('tree-sitter-c/parser.c'));
  const memoryClient = new LspTestClient();
  memoryClient.configuration = { diagnostics: { debounceMs: 1000 } };
  await memoryClient.initialize();
  const run = await openCloseCycles(memoryClient, parser.text, { warmup: 10, cycles: memoryCycles });
  const growth = run.endMb - run.warmupMb;
  console.log(`memory: ${parser.name} ×${run.cycles}: ${run.warmupMb.toFixed(0)} MB after warmup, ${run.endMb.toFixed(0)} MB at the end`);
  if (growth >= RSS_GROWTH_LIMIT_MB) {
    failed = true;
    console.log(`FAILURE: RSS grew by ${growth.toFixed(0)} MB (limit ${RSS_GROWTH_LIMIT_MB} MB)`);
  }
  await memoryClient.stop();
}

console.log(failed ? `FAILED — replay: ${replay(report.steps)}` : 'passed');
process.exit(failed ? 1 : 0);
