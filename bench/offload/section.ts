// Benchmark section "offload" (issue 6, items 2 and 3): CPU per request of each UDP example
// with the original server alone and with the split pair, over a veth pair between two network
// namespaces, swept over the share of requests the kernel can answer; beside each measurement
// the cost model's predicted saving, with calibrated and with published parameters.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyCalibration, DEFAULT_PARAMETERS, type CostParameters, type ParameterName } from '../../server/src/analysis/cost';
import { runCalibration } from '../../server/src/tools/calibrate';
import { enableBpfStats } from '../../test/e2e/bpfStats';
import { networkTestsUnavailable, otherHarnessActive } from '../../test/e2e/netns';
import { SkipSection, type BenchContext, type BenchSection } from '../lib/section';
import { measureExample, type ExampleSweep } from './measure';
import { modelPaths, predictSaving, type Prediction } from './prediction';
import { compileLoadGenerator, type LoadOptions } from './processes';
import { renderOffload } from './render';
import { KERNEL_SHARES, SCENARIOS } from './scenarios';

export interface SharePrediction {
  kernelShare: number;
  calibrated: Prediction;
  published: Prediction;
}

export interface ExampleResult {
  example: string;
  kernelRequest: string;
  fallbackRequest: string;
  /** The request paths the model prices for the two requests. */
  paths?: { kernel: string; fallback: string };
  predictions?: SharePrediction[];
  sweep?: ExampleSweep;
  /** Why this example was not (fully) measured. */
  error?: string;
}

export interface OffloadData {
  quick: boolean;
  load: LoadOptions;
  shares: number[];
  calibration: { parameters: Partial<Record<ParameterName, number>>; skipped: string[]; error?: string };
  examples: ExampleResult[];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function calibrate(context: BenchContext): Promise<{ parameters: CostParameters; record: OffloadData['calibration'] }> {
  try {
    const { file } = await runCalibration({ fast: context.quick, xdp: 'auto', log: (line) => context.log(`  calibration: ${line}`) });
    const values: Partial<Record<ParameterName, number>> = {};
    for (const [name, p] of Object.entries(file.parameters)) if (p) values[name as ParameterName] = p.ns;
    return { parameters: applyCalibration(file).parameters, record: { parameters: values, skipped: file.skipped ?? [] } };
  } catch (error) {
    context.log(`  calibration failed, the published defaults stand in for it: ${errorText(error)}`);
    return { parameters: DEFAULT_PARAMETERS, record: { parameters: {}, skipped: [], error: errorText(error) } };
  }
}

async function runOffload(context: BenchContext): Promise<OffloadData> {
  const problem = networkTestsUnavailable();
  if (problem) throw new SkipSection(`the offload benchmark needs root, clang, bpftool and iproute2 (${problem}); earlier figures are kept`);
  const load: LoadOptions = { inflight: 32, maxRequests: 10_000_000, seconds: context.quick ? 1 : 3, timeoutMs: 200, warmup: 2000 };
  const shares = KERNEL_SHARES;
  const calibration = await calibrate(context);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'bpfo-bench-offload-'));
  const release = enableBpfStats(otherHarnessActive);
  const examples: ExampleResult[] = [];
  try {
    const loadgen = compileLoadGenerator(context.root, workDir);
    for (const scenario of SCENARIOS) {
      context.log(`  ${scenario.example}: ${scenario.kernel.label} against ${scenario.fallback.label}`);
      const result: ExampleResult = { example: scenario.example, kernelRequest: scenario.kernel.label, fallbackRequest: scenario.fallback.label };
      examples.push(result);
      try {
        const paths = await modelPaths(context.root, scenario);
        result.paths = { kernel: paths.kernelPath, fallback: paths.fallbackPath };
        result.predictions = shares.map((share) => ({
          kernelShare: share,
          calibrated: predictSaving(paths, share, calibration.parameters, scenario.kernel.label),
          published: predictSaving(paths, share, DEFAULT_PARAMETERS, scenario.kernel.label),
        }));
      } catch (error) {
        result.error = `no prediction: ${errorText(error)}`;
      }
      try {
        result.sweep = await measureExample(scenario, shares, { root: context.root, workDir, loadgen, options: load, log: context.log });
      } catch (error) {
        result.error = [result.error, `not measured: ${errorText(error)}`].filter(Boolean).join('; ');
        context.log(`    ${result.error.split('\n')[0]}`);
      }
    }
  } finally {
    release();
    rmSync(workDir, { recursive: true, force: true });
  }
  return { quick: context.quick, load, shares, calibration: calibration.record, examples };
}

export const offloadSection: BenchSection<OffloadData> = {
  id: 'offload',
  title: 'Offload: CPU per request, and the cost model against it',
  description: 'UDP examples over veth: CPU per request alone vs split, kernel-share sweep, model prediction (root)',
  run: runOffload,
  render: renderOffload,
};
