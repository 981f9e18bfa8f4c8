// Benchmark section "offload" (issue 6, items 2 and 3): CPU per request of each UDP example
// with the original server alone and with the split pair, over a veth pair between two network
// namespaces, swept over the share of requests the kernel can answer; beside each measurement
// the cost model's predicted saving, with calibrated and with published parameters.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyCalibration, DEFAULT_PARAMETERS, type CostParameters, type ParameterName } from '../../server/src/analysis/cost';
import { runCalibration } from '../../server/src/tools/calibrate';
import { compileLoadGenerator } from '../../server/src/tools/loadGenerator';
import { enableBpfStats } from '../../test/e2e/bpfStats';
import { networkTestsUnavailable, otherHarnessActive } from '../../test/e2e/netns';
import { SkipSection, type BenchContext, type BenchSection } from '../lib/section';
import { BUSY_SERVER_SHARE, splitServerShare } from './idleServer';
import { measureExample, type ExampleSweep } from './measure';
import { modelPaths, predictSaving, type EndsIn, type Prediction } from './prediction';
import type { LoadOptions } from './processes';
import { renderOffload } from './render';
import { KERNEL_SHARES, SCENARIOS } from './scenarios';

export interface SharePrediction {
  kernelShare: number;
  /** Whether the model was told the server is busy at this share (splitServerShare ≥ BUSY_SERVER_SHARE). */
  serverBusy?: boolean;
  calibrated: Prediction;
  published: Prediction;
}

export interface ExampleResult {
  example: string;
  kernelRequest: string;
  fallbackRequest: string;
  /** The request paths the model prices for the two requests, and where the analysis says each ends. */
  paths?: { kernel: string; fallback: string; kernelEndsIn?: 'kernel' | 'userspace'; fallbackEndsIn?: 'kernel' | 'userspace' };
  predictions?: SharePrediction[];
  sweep?: ExampleSweep;
  /** Where the generated program finished each request (its counters); the model prices these. */
  observed?: { kernel?: EndsIn; fallback?: EndsIn };
  /** Why this example was not (fully) measured. */
  error?: string;
}

export interface OffloadData {
  quick: boolean;
  load: LoadOptions;
  shares: number[];
  calibration: {
    parameters: Partial<Record<ParameterName, number>>;
    /** Raw measurements (veth echo, XDP_PASS, reflector ...), ns. */
    measurements?: Record<string, number>;
    skipped: string[];
    error?: string;
  };
  /** Repetitions of every point (original and split back to back each time). */
  rounds?: number;
  examples: ExampleResult[];
}

/**
 * Where the generated program finished each request, from its counters: the kernel request
 * where most of the all-kernel runs were answered, the fallback as its probe found it.
 */
function observedEnds(sweep: ExampleSweep): { kernel?: EndsIn; fallback?: EndsIn } {
  const all = sweep.measurements.filter((m) => m.kernelShare === 1 && m.kernel);
  const answered = all.reduce((s, m) => s + m.kernel!.answered, 0);
  const runs = all.reduce((s, m) => s + m.kernel!.runCount, 0);
  const probe = sweep.fallbackProbes?.find((p) => p.label === sweep.fallbackRequest);
  return {
    ...(runs > 0 ? { kernel: answered > runs / 2 ? 'kernel' : 'userspace' } : {}),
    ...(probe ? { fallback: probe.handedOver > 0 && probe.answered === 0 ? 'userspace' : 'kernel' } : {}),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function calibrate(context: BenchContext): Promise<{ parameters: CostParameters; record: OffloadData['calibration'] }> {
  try {
    const { file } = await runCalibration({ fast: context.quick, xdp: 'auto', log: (line) => context.log(`  calibration: ${line}`) });
    const values: Partial<Record<ParameterName, number>> = {};
    for (const [name, p] of Object.entries(file.parameters)) if (p) values[name as ParameterName] = p.ns;
    const measurements = Object.fromEntries(Object.entries(file.measurements ?? {}).map(([name, m]) => [name, m.ns]));
    return { parameters: applyCalibration(file).parameters, record: { parameters: values, measurements, skipped: file.skipped ?? [] } };
  } catch (error) {
    context.log(`  calibration failed, the published defaults stand in for it: ${errorText(error)}`);
    return { parameters: DEFAULT_PARAMETERS, record: { parameters: {}, skipped: [], error: errorText(error) } };
  }
}

async function runOffload(context: BenchContext): Promise<OffloadData> {
  const problem = networkTestsUnavailable();
  if (problem) throw new SkipSection(`the offload benchmark needs root, clang, bpftool and iproute2 (${problem}); earlier figures are kept`);
  const load: LoadOptions = { inflight: 32, maxRequests: 10_000_000, seconds: context.quick ? 1 : 3, timeoutMs: 200, warmup: 2000 };
  const rounds = context.quick ? 2 : 3;
  const shares = KERNEL_SHARES;
  const calibration = await calibrate(context);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'bpfo-bench-offload-'));
  const release = enableBpfStats(otherHarnessActive);
  const examples: ExampleResult[] = [];
  try {
    const { binary: loadgen } = await compileLoadGenerator(workDir, 'cc', { sockmap: false });
    const wanted = context.options.get('examples');
    const scenarios = typeof wanted === 'string' ? SCENARIOS.filter((s) => wanted.split(',').includes(s.example)) : SCENARIOS;
    if (scenarios.length === 0) throw new Error(`--examples=${String(wanted)} names none of ${SCENARIOS.map((s) => s.example).join(', ')}`);
    for (const scenario of scenarios) {
      context.log(`  ${scenario.example}: ${scenario.kernel.label} against ${scenario.fallbacks.map((f) => f.label).join(' or ')}`);
      const result: ExampleResult = { example: scenario.example, kernelRequest: scenario.kernel.label, fallbackRequest: scenario.fallbacks[0].label };
      examples.push(result);
      // Measured first: the kernel half's counters choose the fallback request the model then prices.
      let fallback = scenario.fallbacks[0];
      let measureError: string | undefined;
      try {
        const measured = await measureExample(scenario, shares, { root: context.root, workDir, loadgen, options: load, rounds, log: context.log });
        const { fallback: chosen, ...sweep } = measured;
        fallback = chosen;
        result.sweep = sweep;
        result.fallbackRequest = chosen.label;
      } catch (error) {
        measureError = `not measured: ${errorText(error)}`;
        context.log(`    ${measureError.split('\n')[0]}`);
      }
      try {
        const paths = await modelPaths(context.root, scenario, fallback);
        result.paths = { kernel: paths.kernelPath, fallback: paths.fallbackPath, kernelEndsIn: paths.kernelEndsIn, fallbackEndsIn: paths.fallbackEndsIn };
        const observed = result.sweep ? observedEnds(result.sweep) : undefined;
        result.observed = observed;
        result.predictions = shares.map((share) => {
          // Busy as measured: where the split's userspace half stayed on the CPU, requests queued up at it.
          const serverBusy = (splitServerShare(result, share) ?? 0) >= BUSY_SERVER_SHARE;
          const options = { hook: scenario.hook ?? 'xdp', observed, serverBusy };
          return {
            kernelShare: share,
            serverBusy,
            calibrated: predictSaving(paths, share, calibration.parameters, scenario.kernel.label, options),
            published: predictSaving(paths, share, DEFAULT_PARAMETERS, scenario.kernel.label, options),
          };
        });
      } catch (error) {
        result.error = `no prediction: ${errorText(error)}`;
      }
      if (measureError) result.error = [result.error, measureError].filter(Boolean).join('; ');
    }
  } finally {
    release();
    rmSync(workDir, { recursive: true, force: true });
  }
  return { quick: context.quick, load, rounds, shares, calibration: calibration.record, examples };
}

export const offloadSection: BenchSection<OffloadData> = {
  id: 'offload',
  title: 'Offload: CPU per request, and the cost model against it',
  description: 'example servers over veth: CPU per request alone vs split, kernel-share sweep, model prediction (root; --examples=a,b for some)',
  run: runOffload,
  render: renderOffload,
};
