// The part of a first didOpen that no cache of a fresh server can skip: tree-sitter's parse of the
// whole file and the copy of its tree into JavaScript (plainTree.ts). Timed in the benchmark's
// own process with the server's code, it is the floor under our first-open latency.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { reparse } from '../../server/src/analysis/plainTreeEdit';
import { initC } from '../../server/src/analysis/syntax';
import { middle } from '../lib/stats';

export interface ParseFloor {
  file: string;
  /** Median over the timed runs, after one untimed run (the wasm module's and the JIT's first use). */
  ms: number;
  runs: number;
}

export async function measureParseFloor(file: string, name: string, runs: number): Promise<ParseFloor> {
  await initC();
  const text = readFileSync(file, 'utf8');
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const parsed = reparse(undefined, text);
    const elapsed = performance.now() - started;
    parsed.tree.delete();
    if (i > 0) times.push(elapsed);
  }
  return { file: name, ms: middle(times), runs };
}
