// The cost model's prediction for a benchmark mix: the example is analysed as the editor does,
// its entry's request paths priced by the model (server/src/analysis/offload.ts), and the
// shares replaced by the mix the load generator sends: the kernel request's path carries the
// kernel share, the fallback request's path the rest, every other path none.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { estimateCost, type CostParameters } from '../../server/src/analysis/cost';
import { costInputFor } from '../../server/src/analysis/offload';
import type { EntrySlices } from '../../server/src/analysis/slices';
import { initC, parseC } from '../../server/src/analysis/syntax';
import type { RequestEntry } from '../../server/src/analysis/entries';
import type { Scenario } from './scenarios';

export interface ModelPaths {
  slices: EntrySlices;
  entry: RequestEntry | undefined;
  kernelPathId: string;
  fallbackPathId: string;
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
export async function modelPaths(root: string, scenario: Scenario): Promise<ModelPaths> {
  await initC();
  const file = path.join(root, 'examples', scenario.example, `${scenario.example}.c`);
  const text = readFileSync(file, 'utf8');
  const tree = parseC(text);
  try {
    const analysis = analyzeFile(file, tree, text, new Map(), { ...DEFAULT_ANALYZE_OPTIONS, entries: [scenario.handler] });
    const slices = analysis.slices.find((s) => s.function === scenario.handler);
    if (!slices) throw new Error(`the analysis found no request paths in ${scenario.handler}`);
    const pick = (which: 'kernel' | 'fallback') => {
      const matches = slices.paths.filter((p) => scenario[which].onPath(p));
      if (matches.length !== 1) {
        throw new Error(
          `${scenario.example}: the ${which} request (${scenario[which].label}) matches ${matches.length} request paths, not one: ${slices.paths.map((p) => `${p.id} ${p.endsIn}: ${p.description}`).join(' | ')}`,
        );
      }
      return matches[0];
    };
    const kernel = pick('kernel');
    const fallback = pick('fallback');
    return {
      slices,
      entry: analysis.entries.find((e) => e.id === slices.entryId),
      kernelPathId: kernel.id,
      fallbackPathId: fallback.id,
      kernelPath: `${kernel.id}, ends in ${kernel.endsIn}`,
      fallbackPath: `${fallback.id}, ends in ${fallback.endsIn}`,
    };
  } finally {
    tree.delete();
  }
}

/** The model's saving per request when `kernelShare` of the requests are the scenario's kernel request. */
export function predictSaving(paths: ModelPaths, kernelShare: number, parameters: CostParameters, label: string): Prediction {
  const prepared = costInputFor(paths.slices, paths.entry, { parameters, hook: 'xdp' });
  const shareOf = (id: string) => (id === paths.kernelPathId ? kernelShare : 0) + (id === paths.fallbackPathId ? 1 - kernelShare : 0);
  const input = {
    ...prepared.input,
    paths: prepared.input.paths.map((p) => ({ ...p, share: shareOf(p.id) })),
    shareSource: { kind: 'given' as const, note: `benchmark mix: ${Math.round(kernelShare * 100)}% ${label}` },
  };
  const estimate = estimateCost(input);
  return { savingNs: estimate.expectedSavingNs, userspaceNs: estimate.expectedUserspaceNs, splitNs: estimate.expectedSplitNs };
}
