// The benchmark's arithmetic: the figures docs/benchmarks.md reports, and the verdicts it draws
// from them against the targets, come from these functions, so a slip here would
// misreport a target as met or missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { middle, percentile, summarize } from '../../bench/lib/stats';
import { absoluteError, relativeError, rowsOf, signRight } from '../../bench/offload/rows';
import { mixWeights } from '../../bench/offload/scenarios';
import { BUSY_SERVER_SHARE, idleRowsOf, splitServerShare } from '../../bench/offload/idleServer';
import { counterDelta, type KernelCounters } from '../../bench/offload/processes';
import type { Measurement } from '../../bench/offload/measure';
import type { ExampleResult } from '../../bench/offload/section';
import { formatMs, formatRatio } from '../../bench/lib/markdown';
import { ticks } from '../../bench/lib/svg';

test('percentiles are nearest-rank: always one of the samples, the 95th of 100 is the 95th slowest', () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose
  assert.equal(percentile(samples, 95), 95);
  assert.equal(percentile(samples, 50), 50);
  assert.equal(percentile(samples, 100), 100);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([1, 2, 3, 4], 50), 2, 'the lower middle, not an interpolation');
  assert.throws(() => percentile([], 50));
  assert.throws(() => percentile([1], 0));
  assert.deepEqual(samples.slice(0, 2), [100, 99], 'the samples are not sorted in place');
  const summary = summarize([4, 1, 3, 2]);
  assert.deepEqual(summary, { n: 4, min: 1, p50: 2, p95: 4, max: 4, mean: 2.5 });
});

test('middle gives the mean of the two middle values of an even count', () => {
  assert.equal(middle([3, 1, 2]), 2);
  assert.equal(middle([4, 1, 3, 2]), 2.5);
  assert.equal(middle([0.5, 1.5]), 1);
});

test('errors and sign: relative to |measured|, undefined where it cannot be computed', () => {
  assert.equal(relativeError(1.25, 1), 0.25);
  assert.equal(relativeError(-0.5, -1), 0.5, 'predicting a smaller loss is a positive error');
  assert.equal(relativeError(1, 0), undefined);
  assert.equal(relativeError(undefined, 1), undefined);
  assert.ok(Math.abs(absoluteError(0.3, 0.1)! - 0.2) < 1e-12);
  assert.equal(signRight(0.1, 2), true);
  assert.equal(signRight(-0.1, 2), false);
  assert.equal(signRight(0, 0.01), false, 'a zero prediction does not have the sign of a saving');
  assert.equal(signRight(undefined, 1), undefined);
});

test('the mix file weights add up to 1000 at every swept share', () => {
  for (const share of [0, 0.25, 0.5, 0.9, 1, 0.3333]) {
    const { kernel, fallback } = mixWeights(share);
    assert.equal(kernel + fallback, 1000);
    assert.equal(kernel, Math.round(share * 1000));
  }
});

test('kernel counters are differenced field by field', () => {
  const before: KernelCounters = { runCount: 10, runTimeNs: 100, answered: 4, handedOver: 6, growFailed: 0 };
  const after: KernelCounters = { runCount: 30, runTimeNs: 450, answered: 14, handedOver: 16, growFailed: 1 };
  assert.deepEqual(counterDelta(after, before), { runCount: 20, runTimeNs: 350, answered: 10, handedOver: 10, growFailed: 1 });
});

function run(kernelShare: number, configuration: 'original' | 'split', round: number, machine: number, attributed: number): Measurement {
  return {
    kernelShare,
    configuration,
    round,
    load: { timeouts: round } as Measurement['load'],
    cpuUsPerRequest: machine,
    attributedUsPerRequest: attributed,
  };
}

test('a row pairs original and split of the same round, and reports the median saving with its spread', () => {
  const measurements = [
    // Round 0: saving 1.0 (machine) / 0.8 (attributed); round 1: 3.0 / 2.0; round 2: 2.0 / 1.5.
    run(0.5, 'original', 0, 5, 4.8),
    run(0.5, 'split', 0, 4, 4.0),
    run(0.5, 'original', 1, 8, 7),
    run(0.5, 'split', 1, 5, 5),
    run(0.5, 'split', 2, 3, 3),
    run(0.5, 'original', 2, 5, 4.5),
    // A round with the split missing pairs with nothing.
    run(0.5, 'original', 3, 100, 100),
    // Another share's runs stay out of this row.
    run(1, 'original', 0, 9, 9),
    run(1, 'split', 0, 1, 1),
  ];
  const example = {
    example: 'kv',
    kernelRequest: 'GET',
    fallbackRequest: 'SET',
    predictions: [{ kernelShare: 0.5, calibrated: { savingNs: 1500 }, published: { savingNs: 2500 } }],
    sweep: { measurements },
  } as unknown as ExampleResult;
  const [row] = rowsOf(example);
  assert.equal(row.kernelShare, 0.5);
  assert.equal(row.measuredUs, 2);
  assert.equal(row.attributedUs, 1.5);
  assert.deepEqual(row.measuredSpread, { median: 2, min: 1, max: 3, n: 3 });
  assert.equal(row.calibratedUs, 1.5);
  assert.equal(row.publishedUs, 2.5);
  assert.equal(row.original?.runs, 4);
  assert.equal(row.original?.cpuUsPerRequest, 6.5, 'the median of 5, 8, 5, 100');
  assert.equal(row.original?.timeouts, 0 + 1 + 2 + 3);
  assert.equal(row.split?.runs, 3);
});

test('the split server\'s share of the run\'s time is the median over its runs at that share, the original\'s and other shares\' left out', () => {
  const withServer = (m: Measurement, serverNs: number, seconds: number): Measurement => ({ ...m, load: { ...m.load, pidCpuNs: [serverNs, 5e9], seconds } });
  const measurements = [
    withServer(run(0, 'split', 0, 5, 5), 0.95e9, 1),
    withServer(run(0, 'split', 1, 5, 5), 1.8e9, 2),
    withServer(run(0, 'split', 2, 5, 5), 0.5e9, 1),
    withServer(run(0, 'original', 0, 5, 5), 0.1e9, 1),
    withServer(run(0.9, 'split', 0, 5, 5), 0.3e9, 1),
    // Warm-up rounds (negative) do not count.
    withServer(run(0.9, 'split', -1, 5, 5), 1e9, 1),
  ];
  const example = { sweep: { measurements } } as unknown as ExampleResult;
  assert.equal(splitServerShare(example, 0), 0.9);
  assert.ok(splitServerShare(example, 0)! >= BUSY_SERVER_SHARE);
  assert.equal(splitServerShare(example, 0.9), 0.3);
  assert.equal(splitServerShare(example, 0.5), undefined);
});

test('sleeps per request: the split\'s over the requests its kernel half handed over, the original\'s over every request, warm-up included; a run that did not count leaves them out', () => {
  const measured = (m: Measurement, sleeps: number | undefined, replies: number, handedOver?: number): Measurement => ({
    ...m,
    load: { ...m.load, replies, seconds: 1, pidCpuNs: [1e9], warmup: { sent: 100, replies: 100, timeouts: 0 } },
    ...(handedOver === undefined ? {} : { kernel: { runCount: replies + 100, runTimeNs: 0, answered: replies + 100 - handedOver, handedOver, growFailed: 0 } }),
    ...(sleeps === undefined ? {} : { serverSleeps: sleeps }),
  });
  const sweep = (withOriginalCount: boolean) => ({
    sweep: {
      measurements: [
        measured(run(0, 'split', 0, 5, 5), 0, 1000, 1100),
        // 90%: 110 handed over (warm-up included); the half slept 99, 110 and 55 times.
        measured(run(0.9, 'split', 0, 5, 5), 99, 1000, 110),
        measured(run(0.9, 'split', 1, 5, 5), 110, 1000, 110),
        measured(run(0.9, 'split', 2, 5, 5), 55, 1000, 110),
        // The original answered 1,000 + 100 warm-up requests and slept 11 and 22 times.
        measured(run(0.9, 'original', 0, 5, 5), 11, 1000),
        measured(run(0.9, 'original', 1, 5, 5), withOriginalCount ? 22 : undefined, 1000),
      ],
    },
  });
  const [row] = idleRowsOf(sweep(true) as unknown as ExampleResult);
  assert.equal(row.kernelShare, 0.9);
  assert.equal(row.sleepsPerHandedOver, 0.9, 'the median of 99/110, 110/110 and 55/110');
  assert.equal(row.originalSleepsPerRequest, (11 / 1100 + 22 / 1100) / 2);
  const [partial] = idleRowsOf(sweep(false) as unknown as ExampleResult);
  assert.equal(partial.sleepsPerHandedOver, 0.9);
  assert.equal(partial.originalSleepsPerRequest, undefined, 'one of its runs was not counted');
});

test('report formatting: milliseconds and ratios', () => {
  assert.equal(formatMs(12.345), '12.3 ms');
  assert.equal(formatMs(246.4), '246 ms');
  assert.equal(formatMs(1500), '1.50 s');
  assert.equal(formatMs(undefined), '—');
  assert.equal(formatRatio(246, 208), '1.18×');
  assert.equal(formatRatio(5, 100), '0.050×');
  assert.equal(formatRatio(5, 0), '—');
  // Against a target's ratio, a figure that would round to the target's own shows another decimal.
  assert.equal(formatRatio(122, 242, 0.5), '0.504×');
  assert.equal(formatRatio(120, 242, 0.5), '0.496×');
  assert.equal(formatRatio(121, 242, 0.5), '0.50×', 'exactly the limit');
  assert.equal(formatRatio(110, 242, 0.5), '0.45×');
});

test('chart ticks cover the data', () => {
  const linear = ticks(0, 23, 'linear');
  assert.equal(linear[0], 0);
  assert.ok(linear[linear.length - 1] >= 23);
  const log = ticks(3, 2000, 'log');
  assert.ok(log[0] <= 3 && log[log.length - 1] >= 2000);
});
