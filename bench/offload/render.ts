// The offload section of docs/benchmarks.md: per example a table of the sweep (CPU per request
// alone and split, the measured saving with its spread over the rounds, the model's saving with
// calibrated and with published parameters, relative and absolute error and sign, what the
// kernel really answered) and a chart of measured against predicted saving over the
// kernel-answerable share; then the targets read off all of it.
import type { SectionRecord } from '../lib/results';
import type { RenderedImage, RenderedSection } from '../lib/section';
import { consoleTable, markdownTable, type Table } from '../lib/markdown';
import { lineChart } from '../lib/svg';
import { absoluteError, ERROR_TARGET, relativeError, rowsOf, signRight, type ConfigurationFigures, type Row, type Spread } from './rows';
import type { ExampleResult, OffloadData } from './section';
import { BUSY_SERVER_SHARE, idleServerTable } from './idleServer';
import { VETH_BUSY_SPIN_NS } from '../../server/src/tools/calibrateVethSources';
import { middle } from '../lib/stats';


const us = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2));
const signed = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`);
const pct = (v: number | undefined) => (v === undefined ? '—' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)}%`);
const sign = (v: boolean | undefined) => (v === undefined ? '—' : v ? 'yes' : '**no**');
const spread = (s: Spread | undefined) => (s === undefined ? '—' : s.n > 1 ? `${s.median.toFixed(2)} (${s.min.toFixed(2)} … ${s.max.toFixed(2)})` : s.median.toFixed(2));
const error = (predicted: number | undefined, measured: number | undefined) =>
  `${pct(relativeError(predicted, measured))} (${signed(absoluteError(predicted, measured))} µs)`;

function kernelAnswered(m: ConfigurationFigures | undefined): string {
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
      'saving µs, attributed: median (min … max)',
      'saving µs, machine',
      'model, calibrated µs',
      'error vs attributed (abs)',
      'error vs machine (abs)',
      'sign right (attributed / machine)',
      'model, published µs',
      'error vs attributed (abs)',
      'sign right (attributed / machine)',
      'kernel answered (counters)',
      'timeouts',
    ],
    rows: rowsOf(example).map((r) => [
      `${Math.round(r.kernelShare * 100)}%`,
      pair(us(r.original?.cpuUsPerRequest), us(r.original?.attributedUsPerRequest)),
      pair(us(r.split?.cpuUsPerRequest), us(r.split?.attributedUsPerRequest)),
      spread(r.attributedSpread),
      spread(r.measuredSpread),
      us(r.calibratedUs),
      error(r.calibratedUs, r.attributedUs),
      error(r.calibratedUs, r.measuredUs),
      pair(sign(signRight(r.calibratedUs, r.attributedUs)), sign(signRight(r.calibratedUs, r.measuredUs))),
      us(r.publishedUs),
      error(r.publishedUs, r.attributedUs),
      pair(sign(signRight(r.publishedUs, r.attributedUs)), sign(signRight(r.publishedUs, r.measuredUs))),
      kernelAnswered(r.split),
      `${(r.original?.timeouts ?? 0) + (r.split?.timeouts ?? 0)}`,
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
      subtitle: `${example.kernelRequest} vs ${example.fallbackRequest}; over veth, medians of the rounds`,
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
  /** Median of |model − measured|, µs. */
  medianAbsUs?: number;
}

function tally(examples: ExampleResult[], which: 'calibratedUs' | 'publishedUs', against: 'measuredUs' | 'attributedUs'): Tally {
  const result: Tally = { compared: 0, withinTarget: 0, signRight: 0 };
  const absolute: number[] = [];
  for (const example of examples) {
    for (const row of rowsOf(example)) {
      const error = relativeError(row[which], row[against]);
      if (error === undefined) continue;
      result.compared++;
      absolute.push(Math.abs(absoluteError(row[which], row[against])!));
      if (Math.abs(error) <= ERROR_TARGET) result.withinTarget++;
      if (signRight(row[which], row[against])) result.signRight++;
    }
  }
  if (absolute.length) result.medianAbsUs = middle(absolute);
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

function exampleNotes(example: ExampleResult): string[] {
  const notes: string[] = [];
  const probes = example.sweep?.fallbackProbes;
  if (probes?.length) {
    notes.push(
      `Fallback candidates sent alone to the split before the sweep: ${probes.map((p) => `${p.label}: ${p.handedOver.toLocaleString('en-US')} handed over, ${p.answered.toLocaleString('en-US')} answered in the kernel`).join('; ')}.`,
    );
  }
  const where = (e: string) => (e === 'kernel' ? 'answered in the kernel' : 'handed over to userspace');
  for (const which of ['kernel', 'fallback'] as const) {
    const analysed = which === 'kernel' ? example.paths?.kernelEndsIn : example.paths?.fallbackEndsIn;
    const seen = example.observed?.[which];
    if (analysed && seen && analysed !== seen) {
      const request = which === 'kernel' ? example.kernelRequest : example.fallbackRequest;
      notes.push(
        `The analysis ends the path of ${request} in ${analysed}, but the generated program ${seen === 'kernel' ? 'answered it in the kernel' : 'handed it over'} (its counters): the model prices that path as ${where(seen)}, which is what was measured.`,
      );
    }
  }
  if (example.observed?.fallback === 'kernel') notes.push('No candidate fallback request was handed over by the generated program: the low shares are kernel answers too.');
  return notes;
}

export function renderOffload(record: SectionRecord<OffloadData>): RenderedSection {
  const data = record.data;
  const images: RenderedImage[] = [];
  const rounds = data.rounds ?? 1;
  const parts: string[] = [
    'Each example server runs in network namespace B; a C load generator in namespace A keeps',
    `${data.load.inflight} requests in flight on one thread for ${data.load.seconds} s per run (after ${data.load.warmup} warm-up requests) and`,
    'counts replies (tcp-kv: one TCP connection with TCP_NODELAY, one segment per request, a reply per line received).',
    '_original_ is the example as written, _split_ is `bpf-offload split` built with its Makefile and run with',
    '`BPF_OFFLOAD_IFACE=b0` (XDP) or `BPF_OFFLOAD_ENABLE=1` (tcp-kv, sk_skb); both run at once, each behind its own veth pair (the split\'s XDP program on b0, nothing',
    'on the original\'s b1; both client devices carry the same XDP_PASS program, which XDP_TX on veth needs). Runs of the',
    `two alternate back to back at every share, and the sweep runs ${rounds === 1 ? 'once' : `${rounds} times`}: the saving is the median of the`,
    'rounds\' paired differences (original − split), with the smallest and largest beside it. CPU per request is counted',
    'two ways: _attributed_, the CPU time of the load generator, the server process and the ksoftirqd and kworker threads',
    '(from /proc/PID/schedstat; without IRQ time accounting the veth NAPI poll, XDP included, is charged to the task it ran',
    'in; sk_skb\'s redirect sends from a kworker),',
    'which other work on a shared machine barely touches; and _machine_, the whole machine\'s busy time from /proc/stat,',
    'which also holds everybody else\'s work. The mix interleaves one kernel-answerable request, whose reply is no longer',
    'than itself (XDP cannot grow a packet on veth), with one the generated program really hands over (its counters decide',
    'among the candidates). The model column is the cost model fed exactly that mix as path shares (`shareSource: given`),',
    'once with parameters calibrated on this machine (`bpf-offload calibrate`, veth part included) and once with the',
    'published defaults. At the shares where the split\'s userspace half was on the CPU at least',
    `${Math.round(BUSY_SERVER_SHARE * 100)}% of each run\'s time (median), the model is told the server is busy (\`serverBusy\`: no wake-up per request, and a`,
    'request handed over pays the hook entry measured against a saturated echo server, `hookEntryXdpBusy`).',
    '"kernel answered" is the generated program\'s own counter over its run count (bpf_stats).',
    '',
    'Error is (model − measured) / |measured|, the issue\'s target; the absolute error (model − measured, µs) is beside it.',
    'Where the measured saving is near zero (at the break-even share, or at 0% where the split only adds the hook) the',
    'relative error explodes on a few hundred nanoseconds: read the absolute error there, against the spread of the rounds.',
    '',
  ];
  if (data.rounds === undefined) {
    parts.unshift(
      '> **Stored figures from an earlier version of this benchmark**: original and split were measured one after the other, one run',
      '> per point, without the kworker threads and with the model\'s earlier parameters; the method described below is the current one.',
      '> Rerun `npm run bench -- offload` for figures measured that way.',
      '',
    );
  }
  if (data.quick) parts.push('> **Quick run** (`--quick`): shorter runs, fewer rounds, fast calibration; figures are noisier.', '');
  if (data.calibration.error) parts.push(`> Calibration failed (${data.calibration.error}); the "calibrated" columns use the published defaults.`, '');
  for (const example of data.examples) {
    parts.push(`### ${example.example}`, '');
    const path = (p: string | undefined) => (p ? ` (model path ${p})` : '');
    parts.push(`Kernel-answerable request: ${example.kernelRequest}${path(example.paths?.kernel)}; fallback: ${example.fallbackRequest}${path(example.paths?.fallback)}.`, '');
    for (const note of exampleNotes(example)) parts.push(note, '');
    if (example.error) parts.push(`> ${example.error.split('\n').slice(0, 4).join(' ')}`, '');
    if (example.sweep) {
      parts.push(`Background busy time before the run: ${(example.sweep.backgroundUsPerSecond / 1000).toFixed(0)} ms of CPU per second.`, '');
      const busy = (example.predictions ?? []).filter((p) => p.serverBusy).map((p) => `${Math.round(p.kernelShare * 100)}%`);
      if (example.predictions?.some((p) => p.serverBusy !== undefined)) parts.push(`Model told the server is busy at: ${busy.length ? busy.join(', ') : 'no share'}.`, '');
      parts.push(markdownTable(exampleTable(example)), '');
      const image = chart(example);
      if (image) {
        images.push(image);
        parts.push(`![${example.example}: measured and predicted saving per request](images/${image.file})`, '');
      }
    }
  }
  const calibratedA = tally(data.examples, 'calibratedUs', 'attributedUs');
  const publishedA = tally(data.examples, 'publishedUs', 'attributedUs');
  const calibrated = tally(data.examples, 'calibratedUs', 'measuredUs');
  const published = tally(data.examples, 'publishedUs', 'measuredUs');
  const abs = (t: Tally) => (t.medianAbsUs === undefined ? '—' : `${t.medianAbsUs.toFixed(2)} µs`);
  parts.push(
    '### Targets',
    '',
    `- Predicted saving within ±${ERROR_TARGET * 100}% of the measured one (attributed / machine): calibrated model ${calibratedA.withinTarget} / ${calibrated.withinTarget} of ${calibratedA.compared} points, published figures ${publishedA.withinTarget} / ${published.withinTarget} of ${publishedA.compared}.`,
    `- Sign right (attributed / machine): calibrated model ${calibratedA.signRight} / ${calibrated.signRight} of ${calibratedA.compared} points, published figures ${publishedA.signRight} / ${published.signRight} of ${publishedA.compared}.`,
    `- Median absolute error (attributed / machine): calibrated model ${abs(calibratedA)} / ${abs(calibrated)}, published figures ${abs(publishedA)} / ${abs(published)}.`,
    '',
  );
  const decomposition = decompositionTable(data.examples);
  if (decomposition.rows.length > 0) {
    parts.push(
      'Where the gap comes from: the calibrated model\'s cost per request of each configuration beside the measured one',
      '(µs, attributed), at the two ends of the sweep. The measured figures include the client\'s own work, which the model',
      'leaves out of both; what it leaves out of the split alone is the difference of the two "unmodelled" columns.',
      '',
      markdownTable(decomposition),
      '',
    );
  }
  const idle = idleServerTable(data.examples);
  if (idle.rows.length > 0) {
    parts.push(
      'How busy the split\'s userspace half stays: the server process\'s CPU time over each run\'s length, and its CPU per',
      'request it still answers, against the same process answering every request (the 0% share, where the load keeps it',
      'saturated). Where the kernel answers most requests, the server sleeps between the ones handed over, and each of them',
      'pays the wake-up (the scheduler\'s work on both sides of the sleep). The model charges a handed-over request the',
      'userspace cost of the original server, whose load keeps it busy (the calibration\'s echo server had 32 requests in',
      'flight too), so this extra is not in its saving: "extra per request of the mix" is what it adds to the split\'s cost per request of',
      'the mix, a large part of the model\'s overestimate at 90% (the load generator\'s own extra work while it waits for those',
      'slower replies comes on top, in the attributed figures). XDP examples only: tcp-kv\'s sk_skb verdict runs in the',
      'softirq of the server\'s own socket and is charged to whichever task it interrupts, the server among them.',
      'The last two columns count the sleeps themselves: the server process\'s voluntary context switches (/proc/PID/status)',
      'over the run, per request handed over to the split\'s half (the kernel half\'s counter) and per request the original',
      'answered at the same share (warm-up included in both). The model charges a request the same wake-up, or none',
      '(`serverBusy`), whichever server answers it, so a difference in how often the two sleep is not in its saving.',
      '',
      markdownTable(idle),
      '',
    );
  }
  const m = data.calibration.measurements ?? {};
  if (m.vethUserspaceEcho !== undefined && m.vethXdpPass !== undefined && m.vethXdpReflect !== undefined) {
    const k = (ns: number) => (ns / 1000).toFixed(2);
    parts.push(
      `The calibration measured XDP on a veth pair like the benchmark's: a userspace UDP echo server cost ${k(m.vethUserspaceEcho)} µs per request`,
      `(client included), ${k(m.vethXdpPass)} µs with an XDP_PASS program on its device, and an XDP_TX reflector answering instead`,
      `${k(m.vethXdpReflect)} µs. The model takes the hook entry (${data.calibration.parameters.hookEntryXdp ?? '—'} ns) and the cost of an XDP_TX answer`,
      `(${data.calibration.parameters.xdpTransmit ?? '—'} ns, end to end: the peer building the packet and the client receiving it) from these`,
      '(docs/cost-model.md, "Calibration"); the published figures (38 ns and 17 ns) come from native NIC drivers.',
      '',
    );
    if (m.vethBusyUserspaceEcho !== undefined && m.vethBusyXdpPass !== undefined) {
      parts.push(
        `Against an echo server that spends ${VETH_BUSY_SPIN_NS} ns of CPU on every request, so that it limits the rate as the examples do: ${k(m.vethBusyUserspaceEcho)} µs`,
        `per request, ${k(m.vethBusyXdpPass)} µs with the XDP_PASS program; hence the hook entry of a request handed over to a busy server`,
        `(${data.calibration.parameters.hookEntryXdpBusy ?? '—'} ns).`,
        '',
      );
    }
  }
  if (m.vethTcpUserspaceEcho !== undefined && m.vethSkSkbPass !== undefined && m.vethSkSkbRedirect !== undefined) {
    const k = (ns: number) => (ns / 1000).toFixed(2);
    parts.push(
      `Over one TCP connection on the same pair: a userspace echo server ${k(m.vethTcpUserspaceEcho)} µs per request, ${k(m.vethSkSkbPass)} µs with an`,
      `SK_PASS verdict on its socket, and a verdict redirecting every segment back ${k(m.vethSkSkbRedirect)} µs; hence the sk_skb hook entry`,
      `(${data.calibration.parameters.hookEntrySkSkb ?? '—'} ns) and the cost of a redirected reply (${data.calibration.parameters.skSkbRedirect ?? '—'} ns) the model uses for tcp-kv.`,
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
      `against attributed CPU:    calibrated model ${calibratedA.withinTarget}/${calibratedA.compared} within ±25%, sign right ${calibratedA.signRight}/${calibratedA.compared}, median |error| ${abs(calibratedA)}; published: ${publishedA.withinTarget}/${publishedA.compared}, sign ${publishedA.signRight}/${publishedA.compared}, ${abs(publishedA)}`,
      `against machine busy time: calibrated model ${calibrated.withinTarget}/${calibrated.compared} within ±25%, sign right ${calibrated.signRight}/${calibrated.compared}, median |error| ${abs(calibrated)}; published: ${published.withinTarget}/${published.compared}, sign ${published.signRight}/${published.compared}, ${abs(published)}`,
    ])
    .join('\n\n');
  return { markdown: parts.join('\n'), images, console };
}
