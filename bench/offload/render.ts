// The offload section of docs/benchmarks.md: per example a table of the sweep (CPU per request
// alone and split, the measured saving, the model's saving with calibrated and with published
// parameters, error and sign, what the kernel really answered) and a chart of measured against
// predicted saving over the kernel-answerable share; then the targets read off all of it.
import type { SectionRecord } from '../lib/results';
import type { RenderedImage, RenderedSection } from '../lib/section';
import { consoleTable, markdownTable, type Table } from '../lib/markdown';
import { lineChart } from '../lib/svg';
import type { Measurement } from './measure';
import type { ExampleResult, OffloadData } from './section';

/** The issue's target: predicted saving within ±25% of the measured one, sign right at every share. */
export const ERROR_TARGET = 0.25;

export interface Row {
  kernelShare: number;
  original?: Measurement;
  split?: Measurement;
  /** Saving from the whole machine's busy time. */
  measuredUs?: number;
  /** Saving from the CPU of the client, the server and ksoftirqd only. */
  attributedUs?: number;
  calibratedUs?: number;
  publishedUs?: number;
}

export function rowsOf(example: ExampleResult): Row[] {
  const shares = example.predictions?.map((p) => p.kernelShare) ?? [...new Set(example.sweep?.measurements.map((m) => m.kernelShare) ?? [])];
  return shares.map((share) => {
    const find = (c: 'original' | 'split') => example.sweep?.measurements.find((m) => m.kernelShare === share && m.configuration === c);
    const original = find('original');
    const split = find('split');
    const prediction = example.predictions?.find((p) => p.kernelShare === share);
    const measured = original && split && Number.isFinite(original.cpuUsPerRequest) && Number.isFinite(split.cpuUsPerRequest) ? original.cpuUsPerRequest - split.cpuUsPerRequest : undefined;
    const attributed = original && split && Number.isFinite(original.attributedUsPerRequest) && Number.isFinite(split.attributedUsPerRequest) ? original.attributedUsPerRequest - split.attributedUsPerRequest : undefined;
    return {
      kernelShare: share,
      original,
      split,
      measuredUs: measured,
      attributedUs: attributed,
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

export function signRight(predicted: number | undefined, measured: number | undefined): boolean | undefined {
  if (predicted === undefined || measured === undefined) return undefined;
  return Math.sign(predicted) === Math.sign(measured);
}

const us = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2));
const pct = (v: number | undefined) => (v === undefined ? '—' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)}%`);
const sign = (v: boolean | undefined) => (v === undefined ? '—' : v ? 'yes' : '**no**');

function kernelAnswered(m: Measurement | undefined): string {
  const k = m?.kernel;
  if (!k || k.runCount === 0) return '—';
  const grow = k.growFailed ? `, ${k.growFailed} could not grow` : '';
  return `${((k.answered / k.runCount) * 100).toFixed(1)}% (${k.answered.toLocaleString('en-US')}/${k.runCount.toLocaleString('en-US')}${grow})`;
}

const pair = (a: string, b: string) => `${a} / ${b}`;

function exampleTable(example: ExampleResult): Table {
  return {
    headers: [
      'kernel-answerable',
      'original µs/req (machine / attributed)',
      'split µs/req (machine / attributed)',
      'saving µs (machine / attributed)',
      'model, calibrated µs',
      'error (machine / attributed)',
      'sign right',
      'model, published µs',
      'error (machine / attributed)',
      'sign right',
      'kernel answered (counters)',
      'timeouts',
    ],
    rows: rowsOf(example).map((r) => [
      `${Math.round(r.kernelShare * 100)}%`,
      pair(us(r.original?.cpuUsPerRequest), us(r.original?.attributedUsPerRequest)),
      pair(us(r.split?.cpuUsPerRequest), us(r.split?.attributedUsPerRequest)),
      pair(us(r.measuredUs), us(r.attributedUs)),
      us(r.calibratedUs),
      pair(pct(relativeError(r.calibratedUs, r.measuredUs)), pct(relativeError(r.calibratedUs, r.attributedUs))),
      pair(sign(signRight(r.calibratedUs, r.measuredUs)), sign(signRight(r.calibratedUs, r.attributedUs))),
      us(r.publishedUs),
      pair(pct(relativeError(r.publishedUs, r.measuredUs)), pct(relativeError(r.publishedUs, r.attributedUs))),
      pair(sign(signRight(r.publishedUs, r.measuredUs)), sign(signRight(r.publishedUs, r.attributedUs))),
      kernelAnswered(r.split),
      `${(r.original?.load.timeouts ?? 0) + (r.split?.load.timeouts ?? 0)}`,
    ]),
  };
}

function chart(example: ExampleResult): RenderedImage | undefined {
  const rows = rowsOf(example);
  const points = (f: (r: Row) => number | undefined) =>
    rows.flatMap((r) => {
      const y = f(r);
      return y === undefined || !Number.isFinite(y) ? [] : [{ x: r.kernelShare * 100, y }];
    });
  const series = [
    { name: 'measured, machine', color: '#1f77b4', points: points((r) => r.measuredUs) },
    { name: 'measured, attributed', color: '#2ca02c', points: points((r) => r.attributedUs) },
    { name: 'model, calibrated', color: '#d62728', points: points((r) => r.calibratedUs), dashed: true },
    { name: 'model, published figures', color: '#7f7f7f', points: points((r) => r.publishedUs), dashed: true },
  ].filter((s) => s.points.length > 0);
  if (!series.some((s) => s.name.startsWith('measured'))) return undefined;
  return {
    file: `offload-${example.example}.svg`,
    svg: lineChart({
      title: `${example.example}: CPU saved per request by the split`,
      subtitle: `${example.kernelRequest} vs ${example.fallbackRequest}; whole machine, over veth`,
      xLabel: 'requests the kernel can answer (%)',
      yLabel: 'saving (CPU-µs per request)',
      series,
      reference: { value: 0, label: 'no saving' },
    }),
  };
}

interface Tally {
  compared: number;
  withinTarget: number;
  signRight: number;
}

function tally(examples: ExampleResult[], which: 'calibratedUs' | 'publishedUs', against: 'measuredUs' | 'attributedUs'): Tally {
  const result = { compared: 0, withinTarget: 0, signRight: 0 };
  for (const example of examples) {
    for (const row of rowsOf(example)) {
      const error = relativeError(row[which], row[against]);
      if (error === undefined) continue;
      result.compared++;
      if (Math.abs(error) <= ERROR_TARGET) result.withinTarget++;
      if (signRight(row[which], row[against])) result.signRight++;
    }
  }
  return result;
}

/** Model against measurement per configuration at the ends of the sweep: where the gap comes from. */
function decompositionTable(examples: ExampleResult[]): Table {
  const rows: string[][] = [];
  for (const example of examples) {
    for (const share of [0, 1]) {
      const row = rowsOf(example).find((r) => r.kernelShare === share);
      const prediction = example.predictions?.find((p) => p.kernelShare === share);
      if (!row || !prediction || !row.original || !row.split) continue;
      rows.push([
        `${example.example}, ${share === 0 ? 'all fallback' : 'all kernel'}`,
        us(row.original.attributedUsPerRequest),
        us(prediction.calibrated.userspaceNs / 1000),
        us(row.split.attributedUsPerRequest),
        us(prediction.calibrated.splitNs / 1000),
        us(row.original.attributedUsPerRequest - prediction.calibrated.userspaceNs / 1000),
        us(row.split.attributedUsPerRequest - prediction.calibrated.splitNs / 1000),
      ]);
    }
  }
  return {
    headers: ['example, mix', 'original attributed', 'original model', 'split attributed', 'split model', 'unmodelled (original)', 'unmodelled (split)'],
    rows,
  };
}

export function renderOffload(record: SectionRecord<OffloadData>): RenderedSection {
  const data = record.data;
  const images: RenderedImage[] = [];
  const parts: string[] = [
    'Each UDP example runs in network namespace B behind a veth pair; a C load generator in namespace A keeps',
    `${data.load.inflight} requests in flight on one thread for ${data.load.seconds} s per point (after ${data.load.warmup} warm-up requests) and`,
    'counts replies. CPU per request is the whole machine\'s busy time from /proc/stat (client, both stacks and the',
    'server) divided by the replies, so both configurations carry the same client cost and the difference is what the',
    'split saves. Because a shared machine\'s busy time also holds everybody else\'s work, the _attributed_ figure beside',
    'it counts only the CPU time of the load generator, the server process and the ksoftirqd threads (from',
    '/proc/PID/schedstat; without IRQ time accounting the veth NAPI poll, XDP included, is charged to the task it ran in). _original_ is the example as written; _split_ is `bpf-offload split` built with its Makefile and',
    'run with `BPF_OFFLOAD_IFACE=b0`. The mix interleaves one kernel-answerable request with one that must fall back,',
    'each chosen with a reply no longer than itself (XDP cannot grow a packet on veth). The model column is the cost',
    'model fed exactly that mix as path shares (`shareSource: given`), once with parameters calibrated on this machine',
    'and once with the published defaults. "kernel answered" is the generated program\'s own counter over its run count',
    '(bpf_stats). Error is (model − measured) / |measured|.',
    '',
  ];
  if (data.quick) parts.push('> **Quick run** (`--quick`): 1 s per point, fast calibration; figures are noisier.', '');
  if (data.calibration.error) parts.push(`> Calibration failed (${data.calibration.error}); the "calibrated" columns use the published defaults.`, '');
  for (const example of data.examples) {
    parts.push(`### ${example.example}`, '');
    parts.push(`Kernel-answerable request: ${example.kernelRequest}${example.paths ? ` (model path ${example.paths.kernel})` : ''}; fallback: ${example.fallbackRequest}${example.paths ? ` (model path ${example.paths.fallback})` : ''}.`, '');
    if (example.error) parts.push(`> ${example.error.split('\n').slice(0, 4).join(' ')}`, '');
    if (example.sweep) {
      parts.push(`Background busy time before the run: ${(example.sweep.backgroundUsPerSecond / 1000).toFixed(0)} ms of CPU per second.`, '');
      parts.push(markdownTable(exampleTable(example)), '');
      const image = chart(example);
      if (image) {
        images.push(image);
        parts.push(`![${example.example}: measured and predicted saving per request](images/${image.file})`, '');
      }
    }
  }
  const calibrated = tally(data.examples, 'calibratedUs', 'measuredUs');
  const published = tally(data.examples, 'publishedUs', 'measuredUs');
  const calibratedA = tally(data.examples, 'calibratedUs', 'attributedUs');
  const publishedA = tally(data.examples, 'publishedUs', 'attributedUs');
  const decomposition = decompositionTable(data.examples);
  parts.push(
    '### Targets',
    '',
    `- Predicted saving within ±${ERROR_TARGET * 100}% of the measured one (machine / attributed): calibrated model ${calibrated.withinTarget} / ${calibratedA.withinTarget} of ${calibrated.compared} points, published figures ${published.withinTarget} / ${publishedA.withinTarget} of ${published.compared}.`,
    `- Sign right (machine / attributed): calibrated model ${calibrated.signRight} / ${calibratedA.signRight} of ${calibrated.compared} points, published figures ${published.signRight} / ${publishedA.signRight} of ${published.compared}.`,
    '',
  );
  if (decomposition.rows.length > 0) {
    parts.push(
      'Where the gap comes from: the calibrated model\'s cost per request of each configuration beside the measured one',
      '(µs), at the two ends of the sweep. The measured figures include the client\'s own work, the same in both',
      'configurations; what the model leaves out of the split shows up as the difference of the two "unmodelled" columns.',
      '',
      markdownTable(decomposition),
      '',
    );
  }
  const gaps = data.examples.flatMap((example) => {
    const row = rowsOf(example).find((r) => r.kernelShare === 1);
    const prediction = example.predictions?.find((p) => p.kernelShare === 1);
    if (!row?.original || !row.split || !prediction) return [];
    const original = row.original.attributedUsPerRequest - prediction.calibrated.userspaceNs / 1000;
    const split = row.split.attributedUsPerRequest - prediction.calibrated.splitNs / 1000;
    return Number.isFinite(original) && Number.isFinite(split) ? [split - original] : [];
  });
  if (gaps.length > 0) {
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    parts.push(
      `Reading the misses: with every request answered in the kernel, the split costs ${mean.toFixed(2)} µs per request more than the`,
      'calibrated model prices it, beyond the client work both configurations share. On veth the XDP hook first turns each',
      'skb into an xdp_buff (copying it when its headroom is short) and XDP_TX rebuilds an skb on the peer; the model\'s hook',
      'entry and transmit figures (38 ns and ~17 ns) are native-driver figures and no calibration measures them. Measuring',
      'both on the device (an empty XDP_TX reflector over the same veth, as this benchmark does) would close most of the gap.',
      'A calibration run on a busy machine also inflates the syscall and stack figures, and measuring on a shared machine',
      'inflates every absolute figure here; the attributed figures are the ones to compare with the model.',
      '',
    );
  }
  const values = Object.entries(data.calibration.parameters)
    .map(([name, ns]) => `${name} ${ns} ns`)
    .join(', ');
  if (values) parts.push(`Calibrated parameters used: ${values}.${data.calibration.skipped.length ? ` Not measured: ${data.calibration.skipped.join('; ')}.` : ''}`, '');

  const console = data.examples
    .map((e) => (e.sweep ? `${e.example}\n${consoleTable(exampleTable(e))}` : `${e.example}: ${e.error ?? 'not measured'}`.split('\n')[0]))
    .concat([
      `against machine busy time: calibrated model ${calibrated.withinTarget}/${calibrated.compared} within ±25%, sign right ${calibrated.signRight}/${calibrated.compared}; published: ${published.withinTarget}/${published.compared}, sign ${published.signRight}/${published.compared}`,
      `against attributed CPU:    calibrated model ${calibratedA.withinTarget}/${calibratedA.compared} within ±25%, sign right ${calibratedA.signRight}/${calibratedA.compared}; published: ${publishedA.withinTarget}/${publishedA.compared}, sign ${publishedA.signRight}/${publishedA.compared}`,
    ])
    .join('\n\n');
  return { markdown: parts.join('\n'), images, console };
}
