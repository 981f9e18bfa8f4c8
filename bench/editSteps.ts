// `npm run bench:steps -- [--file=memcached.c] [--edits=100] [--slow=12] [--check] [--lines=435,880]
// [--rounds=1]`: the
// benchmark's edits replayed in this process, without the LSP around them, each timed step by
// step (reparse, then analyzeFile's steps) as the analysis thread runs them: the same reparse and
// AnalysisMemo, every other corpus file's summary known. It shows where an edit's time goes
// before and after a change; the figures of record stay `npm run bench`'s, through the real LSP.
// --check also compares each result with a fresh analysis of the same text (they must be equal).
// --lines keeps only the edits on those (1-based) lines, and --rounds replays the edits that many
// times: a few slow edits measured over many rounds vary less than once each on a shared machine,
// and the percentiles of each edit's fastest round are printed per step.
// --cpu times each step by this process's CPU time instead of the clock: on a loaded machine the
// clock also counts the time other processes held the cores.
import { deepStrictEqual } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AnalysisMemo, analyzeFile, DEFAULT_ANALYZE_OPTIONS, type AnalyzeOptions } from '../server/src/analysis/analyze';
import type { FileSummary } from '../server/src/analysis/model';
import { reparse } from '../server/src/analysis/plainTreeEdit';
import { initC, parsePlainC } from '../server/src/analysis/syntax';
import { summarizeFile } from '../server/src/analysis/summarize';
import { prepareMemcached } from './lsp/corpus';
import { planEditPositions, TYPED } from './lsp/edits';
import { percentile } from './lib/stats';

function option(name: string, fallback: string): string {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
}

function offsetOf(text: string, line: number, character: number): number {
  let offset = 0;
  for (let row = 0; row < line; row++) offset = text.indexOf('\n', offset) + 1;
  return offset + character;
}

async function main(): Promise<void> {
  const corpus = prepareMemcached(process.cwd(), (line) => console.log(line));
  const target = path.join(corpus.dir, option('file', 'memcached.c'));
  const edits = Number(option('edits', '100'));
  const slowMs = Number(option('slow', '12'));
  const check = process.argv.includes('--check');
  const onlyLines = new Set(option('lines', '').split(',').filter(Boolean).map(Number));
  const rounds = Number(option('rounds', '1'));
  const cpu = process.argv.includes('--cpu');
  // CPU milliseconds used by the process so far (all its threads: the collector's included).
  const cpuNow = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  let stepStarted = 0;
  await initC();
  const others = new Map<string, FileSummary>();
  for (const file of corpus.files) {
    if (file === target) continue;
    const text = readFileSync(file, 'utf8');
    others.set(file, summarizeFile(file, parsePlainC(text), text));
  }
  const original = readFileSync(target, 'utf8');
  const lines = original.split('\n');
  const memo = new AnalysisMemo();
  let steps = new Map<string, number>();
  // With --cpu a step's time is the CPU used since the previous step ended (steps run back to back).
  const onStepTimed = (step: string, ms: number) => {
    if (!cpu) return void steps.set(step, ms);
    const now = cpuNow();
    steps.set(step, now - stepStarted);
    stepStarted = now;
  };
  const options: AnalyzeOptions = { ...DEFAULT_ANALYZE_OPTIONS, onStepTimed };
  const now = () => (cpu ? cpuNow() : performance.now());
  let version = reparse(undefined, original);
  analyzeFile(target, version.plain, original, others, options, memo);
  const perStep = new Map<string, number[]>();
  // With --rounds, per edit (line, and whether undone) and step, the fastest round: on a shared
  // machine the least disturbed run is the closest to what the step itself costs.
  const fastest = new Map<string, Map<string, number>>();
  const totals: number[] = [];
  let mismatches = 0;
  const planned = (await planEditPositions(target, Math.ceil(edits / 2))).filter((at) => onlyLines.size === 0 || onlyLines.has(at.line + 1));
  const positions = Array.from({ length: rounds }, () => planned).flat();
  for (const [index, at] of positions.entries()) {
    const offset = offsetOf(original, at.line, at.character);
    for (const text of [original.slice(0, offset) + TYPED + original.slice(offset), original]) {
      if (totals.length >= edits * rounds) break;
      steps = new Map();
      const started = now();
      version = reparse(version, text);
      steps.set('reparse', now() - started);
      stepStarted = now();
      const result = analyzeFile(target, version.plain, text, others, options, memo);
      const total = now() - started;
      totals.push(total);
      for (const [step, ms] of steps) perStep.set(step, [...(perStep.get(step) ?? []), ms]);
      const edit = `L${at.line + 1}${text === original ? ' (undone)' : ''}`;
      const best = fastest.get(edit) ?? new Map<string, number>();
      for (const [step, ms] of [...steps, ['total', total] as [string, number]]) best.set(step, Math.min(ms, best.get(step) ?? Infinity));
      fastest.set(edit, best);
      if (total >= slowMs && index < planned.length) {
        const where = `L${at.line + 1}${text === original ? ' (undone)' : ''}`;
        const split = [...steps].map(([step, ms]) => `${step} ${ms.toFixed(1)}`).join(', ');
        console.log(`${total.toFixed(1).padStart(6)} ms ${where.padEnd(14)} ${split} | ${lines[at.line].trim().slice(0, 40)}`);
      }
      if (check) {
        const fresh = analyzeFile(target, parsePlainC(text), text, others, DEFAULT_ANALYZE_OPTIONS);
        try {
          deepStrictEqual({ ...result }, { ...fresh });
        } catch (error) {
          if (++mismatches <= 3) console.log(`MISMATCH at L${at.line + 1}: ${String(error).slice(0, 1500)}`);
        }
      }
    }
  }
  console.log(`\n${path.basename(target)}, ${totals.length} edits, reparse + analysis in this process (${cpu ? 'CPU ' : ''}ms):`);
  console.log(`  ${'step'.padEnd(16)} ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'max'.padStart(6)}`);
  for (const [step, times] of [...perStep, ['total', totals] as [string, number[]]]) {
    console.log(`  ${step.padEnd(16)} ${[50, 95, 100].map((p) => percentile(times, p).toFixed(1).padStart(6)).join(' ')}`);
  }
  if (rounds > 1) {
    // Each edit's fastest round, then percentiles over the edits: the tail of what the steps
    // themselves cost, with most of the machine's noise taken out.
    console.log(`\n  per edit the fastest of ${rounds} rounds, then over the ${fastest.size} edits (ms):`);
    console.log(`  ${'step'.padEnd(16)} ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'max'.padStart(6)}`);
    for (const step of [...perStep.keys(), 'total']) {
      const times = [...fastest.values()].map((best) => best.get(step) ?? 0);
      console.log(`  ${step.padEnd(16)} ${[50, 95, 100].map((p) => percentile(times, p).toFixed(2).padStart(6)).join(' ')}`);
    }
    if (onlyLines.size > 0) {
      console.log(`\n  fastest of ${rounds} rounds per edit (ms): rules, slices, total`);
      for (const [edit, best] of fastest) console.log(`  ${edit.padEnd(16)} ${['rules', 'slices', 'total'].map((step) => best.get(step)!.toFixed(2).padStart(6)).join(' ')}`);
    }
  }
  if (check) console.log(`  results different from a fresh analysis: ${mismatches}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
