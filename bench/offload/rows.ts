// One row per kernel-answerable share from an example's stored runs: each configuration's CPU
// per request (median over the rounds), the saving (median of the rounds' paired differences,
// original minus split measured back to back, with its spread), the model's predictions and
// the kernel half's counters summed over the rounds. Older records without rounds count as one.
import { middle } from '../lib/stats';
import type { KernelCounters } from './processes';
import type { Measurement } from './measure';
import type { ExampleResult } from './section';

/** The target: predicted saving within ±25% of the measured one, sign right at every share. */
export const ERROR_TARGET = 0.25;

export interface ConfigurationFigures {
  /** Medians over the rounds, µs per request. */
  cpuUsPerRequest: number;
  attributedUsPerRequest: number;
  timeouts: number;
  runs: number;
  /** Split only: the kernel half's counters over all rounds. */
  kernel?: KernelCounters;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface Row {
  kernelShare: number;
  original?: ConfigurationFigures;
  split?: ConfigurationFigures;
  /** Saving from the whole machine's busy time (median of the rounds' differences). */
  measuredUs?: number;
  /** Saving from the CPU of the client, the server and the kernel's worker threads only. */
  attributedUs?: number;
  measuredSpread?: Spread;
  attributedSpread?: Spread;
  calibratedUs?: number;
  publishedUs?: number;
}


function spreadOf(values: number[]): Spread | undefined {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  return { median: middle(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

function figures(runs: Measurement[]): ConfigurationFigures | undefined {
  if (runs.length === 0) return undefined;
  const kernels = runs.flatMap((m) => (m.kernel ? [m.kernel] : []));
  const sum = (f: (k: KernelCounters) => number) => kernels.reduce((s, k) => s + f(k), 0);
  return {
    cpuUsPerRequest: spreadOf(runs.map((m) => m.cpuUsPerRequest))?.median ?? NaN,
    attributedUsPerRequest: spreadOf(runs.map((m) => m.attributedUsPerRequest))?.median ?? NaN,
    timeouts: runs.reduce((s, m) => s + m.load.timeouts, 0),
    runs: runs.length,
    ...(kernels.length
      ? {
          kernel: {
            runCount: sum((k) => k.runCount),
            runTimeNs: sum((k) => k.runTimeNs),
            answered: sum((k) => k.answered),
            handedOver: sum((k) => k.handedOver),
            growFailed: sum((k) => k.growFailed),
          },
        }
      : {}),
  };
}

/** Paired savings: per round, original minus split of the same share. */
function pairedSavings(runs: Measurement[], value: (m: Measurement) => number): number[] {
  const rounds = [...new Set(runs.map((m) => m.round ?? 0))];
  return rounds.flatMap((round) => {
    const o = runs.find((m) => (m.round ?? 0) === round && m.configuration === 'original');
    const s = runs.find((m) => (m.round ?? 0) === round && m.configuration === 'split');
    return o && s ? [value(o) - value(s)] : [];
  });
}

export function rowsOf(example: ExampleResult): Row[] {
  const measurements = (example.sweep?.measurements ?? []).filter((m) => (m.round ?? 0) >= 0);
  const shares = example.predictions?.map((p) => p.kernelShare) ?? [...new Set(measurements.map((m) => m.kernelShare))];
  return shares.map((share) => {
    const runs = measurements.filter((m) => m.kernelShare === share);
    const prediction = example.predictions?.find((p) => p.kernelShare === share);
    const measuredSpread = spreadOf(pairedSavings(runs, (m) => m.cpuUsPerRequest));
    const attributedSpread = spreadOf(pairedSavings(runs, (m) => m.attributedUsPerRequest));
    return {
      kernelShare: share,
      original: figures(runs.filter((m) => m.configuration === 'original')),
      split: figures(runs.filter((m) => m.configuration === 'split')),
      measuredUs: measuredSpread?.median,
      attributedUs: attributedSpread?.median,
      measuredSpread,
      attributedSpread,
      calibratedUs: prediction ? prediction.calibrated.savingNs / 1000 : undefined,
      publishedUs: prediction ? prediction.published.savingNs / 1000 : undefined,
    };
  });
}

/** (predicted − measured) / |measured|, or undefined when either is missing. */
export function relativeError(predicted: number | undefined, measured: number | undefined): number | undefined {
  if (predicted === undefined || measured === undefined || measured === 0) return undefined;
  return (predicted - measured) / Math.abs(measured);
}

/** predicted − measured, µs. */
export function absoluteError(predicted: number | undefined, measured: number | undefined): number | undefined {
  if (predicted === undefined || measured === undefined) return undefined;
  return predicted - measured;
}

export function signRight(predicted: number | undefined, measured: number | undefined): boolean | undefined {
  if (predicted === undefined || measured === undefined) return undefined;
  return Math.sign(predicted) === Math.sign(measured);
}
