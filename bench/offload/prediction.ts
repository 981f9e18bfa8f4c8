// The cost model's prediction for a benchmark mix: the example is analysed as the editor does,
// its entry's request paths priced by the model (server/src/analysis/offload.ts), and the
// shares replaced by the mix the load generator sends: the kernel request's path carries the
// kernel share, the fallback request's path the rest, every other path none. Each request's
// path is the one whose conditions the scenario names (never a path id, which changes when the
// analysis does); where it ends is what the analysis says, which the bench sets beside what the
// kernel half's counters show.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { estimateCost, type CostParameters, type CostPath, type Hook } from '../../server/src/analysis/cost';
import { costInputFor } from '../../server/src/analysis/offload';
import type { EntrySlices } from '../../server/src/analysis/slices';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import type { RequestEntry } from '../../server/src/analysis/entries';
import type { RequestClass, Scenario } from './scenarios';

export interface ModelPaths {
  slices: EntrySlices;
  entry: RequestEntry | undefined;
  kernelPathId: string;
  fallbackPathId: string;
  /** Where the analysis says each request finishes after the split. */
  kernelEndsIn: 'kernel' | 'userspace';
  fallbackEndsIn: 'kernel' | 'userspace';
  /** How the model sees each chosen path ("kernel"/"userspace" and its description). */
  kernelPath: string;
  fallbackPath: string;
}

export interface Prediction {
  /** Expected saving per request, ns (positive: the split is cheaper). */
  savingNs: number;
  userspaceNs: number;
  splitNs: number;
}

/** Analyses the example and finds the request path of each of the scenario's requests. */
export async function modelPaths(root: string, scenario: Scenario, fallbackRequest: RequestClass): Promise<ModelPaths> {
  await initC();
  const file = path.join(root, 'examples', scenario.example, `${scenario.example}.c`);
  const text = readFileSync(file, 'utf8');
  const parsed = parseC(text);
  try {
    const analysis = analyzeFile(file, plainTreeOf(parsed), text, new Map(), { ...DEFAULT_ANALYZE_OPTIONS, entries: [scenario.handler] });
    const slices = analysis.slices.find((s) => s.function === scenario.handler);
    if (!slices) throw new Error(`the analysis found no request paths in ${scenario.handler}`);
    const pick = (which: 'kernel' | 'fallback', request: RequestClass) => {
      const matches = slices.paths.filter((p) => request.onPath(p));
      if (matches.length !== 1) {
        throw new Error(
          `${scenario.example}: the ${which} request (${request.label}) matches ${matches.length} request paths, not one: ${slices.paths.map((p) => `${p.id} ${p.endsIn}: ${p.description}`).join(' | ')}`,
        );
      }
      return matches[0];
    };
    const kernel = pick('kernel', scenario.kernel);
    const fallback = pick('fallback', fallbackRequest);
    return {
      slices,
      entry: analysis.entries.find((e) => e.id === slices.entryId),
      kernelPathId: kernel.id,
      fallbackPathId: fallback.id,
      kernelEndsIn: kernel.endsIn,
      fallbackEndsIn: fallback.endsIn,
      kernelPath: `${kernel.id}, ends in ${kernel.endsIn}`,
      fallbackPath: `${fallback.id}, ends in ${fallback.endsIn}`,
    };
  } finally {
    parsed.delete();
  }
}

export type EndsIn = 'kernel' | 'userspace';

/**
 * The model's saving per request when `kernelShare` of the requests are the scenario's kernel
 * request. `observed` says where the generated program really finished each request (its
 * counters); where that differs from the analysis, the path is priced as the program behaves,
 * since that is what was measured (the document names the disagreement). `serverBusy` tells the
 * model that requests queued up at the userspace half (no wake-up, the busy XDP hook entry).
 */
export function predictSaving(
  paths: ModelPaths,
  kernelShare: number,
  parameters: CostParameters,
  label: string,
  options: { hook: Hook; observed?: { kernel?: EndsIn; fallback?: EndsIn }; serverBusy?: boolean },
): Prediction {
  const prepared = costInputFor(paths.slices, paths.entry, { parameters, hook: options.hook, serverBusy: options.serverBusy });
  const shareOf = (id: string) => (id === paths.kernelPathId ? kernelShare : 0) + (id === paths.fallbackPathId ? 1 - kernelShare : 0);
  const endsIn = (p: CostPath): EndsIn => (p.id === paths.kernelPathId ? options.observed?.kernel : p.id === paths.fallbackPathId ? options.observed?.fallback : undefined) ?? p.endsIn;
  const input = {
    ...prepared.input,
    paths: prepared.input.paths.map((p) => ({ ...p, share: shareOf(p.id), endsIn: endsIn(p) })),
    shareSource: { kind: 'given' as const, note: `benchmark mix: ${Math.round(kernelShare * 100)}% ${label}` },
  };
  const estimate = estimateCost(input);
  return { savingNs: estimate.expectedSavingNs, userspaceNs: estimate.expectedUserspaceNs, splitNs: estimate.expectedSplitNs };
}
