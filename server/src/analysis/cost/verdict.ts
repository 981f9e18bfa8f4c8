// The verdict compares the split as described with the best variant the model can price:
// every kernel path that loses is handed over at its earliest point instead, and every
// fallback path that does avoidable kernel work before handing over does the least instead.
import type { CostPath, KernelWork, PathCost, Verdict } from './types';
import { groupedThousands } from '../numberText';

export interface VerdictArgs {
  input: CostPath[];
  paths: PathCost[];
  hookEntryNs: number;
  /** Prices kernel work (instructions, map operations, copies) with the model's parameters. */
  workNs: (work: KernelWork | undefined, pathId: string) => number;
  expectedSavingNs: number;
  kernelShare: number;
  breakEvenShare: number | null;
  breakEvenExplanation: string;
}

const ns = (value: number) => `${groupedThousands(Math.round(value))} ns`;
const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

// Differences below a nanosecond are noise in any of the parameters.
const MEANINGFUL_NS = 0.5;

export function decideVerdict(args: VerdictArgs): Verdict {
  const { input, paths, hookEntryNs, workNs, expectedSavingNs, kernelShare } = args;
  const offloadPaths: string[] = [];
  const keepInUserspace: string[] = [];
  const handOverEarlier: string[] = [];
  let advisedSavingNs = 0;

  paths.forEach((path, i) => {
    const spec = input[i];
    const earliestWasteNs = hookEntryNs + workNs(spec.earliestFallbackWork, spec.id);
    if (path.endsIn === 'kernel') {
      const handedOverSaving = -earliestWasteNs;
      if (path.savingNs < handedOverSaving - MEANINGFUL_NS) {
        keepInUserspace.push(path.id);
        advisedSavingNs += path.share * handedOverSaving;
      } else {
        offloadPaths.push(path.id);
        advisedSavingNs += path.share * path.savingNs;
      }
      return;
    }
    const earlierSaving = path.savingNs + path.wastedNs - earliestWasteNs;
    if (spec.earliestFallbackWork && earlierSaving > path.savingNs + MEANINGFUL_NS) {
      handOverEarlier.push(path.id);
      advisedSavingNs += path.share * earlierSaving;
    } else {
      advisedSavingNs += path.share * path.savingNs;
    }
  });

  if (offloadPaths.length === 0 || advisedSavingNs <= 0) {
    const reason =
      offloadPaths.length === 0
        ? `no path costs less in the kernel than in userspace (${args.breakEvenExplanation})`
        : `the split loses ${ns(-expectedSavingNs)} per request: ${percent(kernelShare)} of requests finish in the kernel and ${args.breakEvenExplanation}`;
    return { kind: 'dont-offload', reason, offloadPaths: [], keepInUserspace, handOverEarlier: [], advisedSavingNs: Math.min(0, advisedSavingNs) };
  }

  const changed = keepInUserspace.length > 0 || handOverEarlier.length > 0;
  if (changed && advisedSavingNs > expectedSavingNs + MEANINGFUL_NS) {
    const parts = [`offload ${offloadPaths.join(', ')}`];
    if (keepInUserspace.length) parts.push(`keep ${keepInUserspace.join(', ')} in userspace (more expensive in the kernel)`);
    if (handOverEarlier.length) parts.push(`hand ${handOverEarlier.join(', ')} over to userspace earlier (avoid wasted kernel work)`);
    return {
      kind: 'offload-some',
      reason: `${parts.join('; ')}: saves ${ns(advisedSavingNs)} per request instead of ${ns(expectedSavingNs)}`,
      offloadPaths,
      keepInUserspace,
      handOverEarlier,
      advisedSavingNs,
    };
  }

  const breakEven = args.breakEvenShare === null ? '' : `, break-even at ${percent(args.breakEvenShare)}`;
  return {
    kind: 'offload',
    reason: `saves ${ns(expectedSavingNs)} per request: ${percent(kernelShare)} of requests finish in the kernel${breakEven}`,
    offloadPaths,
    keepInUserspace: [],
    handOverEarlier: [],
    advisedSavingNs: expectedSavingNs,
  };
}
