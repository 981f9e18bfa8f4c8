// How busy the split's userspace half stays as the kernel takes more of the requests, read off the
// stored runs: the server process's share of each run's time and its CPU per request it still
// answers, against the same process answering every request (the 0% share, where it is saturated).
// The difference is what a request handed over pays for finding the server asleep — its wake-up
// and the scheduler's — which the cost model does not charge when the load keeps the server busy.
import type { Table } from '../lib/markdown';
import type { Measurement } from './measure';
import { middle } from '../lib/stats';
import { SCENARIOS } from './scenarios';
import type { ExampleResult } from './section';

export interface IdleRow {
  kernelShare: number;
  /** Server CPU time over the run's length (1: never asleep), median over the rounds. */
  serverBusy: number;
  /** Server CPU per request it answered, µs (median over the rounds). */
  serverUsPerRequest: number;
  /** The same at the 0% share, where every request reaches it. */
  saturatedUsPerRequest: number;
  /** Times the split's server went to sleep per request handed over to it (median over the rounds), if counted. */
  sleepsPerHandedOver?: number;
  /** Times the original server went to sleep per request at the same share (median over the rounds), if counted. */
  originalSleepsPerRequest?: number;
}

/** The server is the first task whose CPU the load generator reported (bench/offload/measure.ts). */
function serverCpuNs(m: Measurement): number | undefined {
  return m.load.pidCpuNs[0];
}

/** Requests the split's userspace half answered in a run: the ones the kernel half did not. */
function userspaceRequests(m: Measurement): number {
  return m.load.replies * (1 - m.kernelShare);
}

/**
 * At or above this share of a run's time on the CPU the split's userspace half counts as busy for
 * the model (`serverBusy`): requests queue up at its socket and it rarely sleeps.
 */
export const BUSY_SERVER_SHARE = 0.9;

/** The sweep's runs of one configuration, at one share when given; warm-up rounds (negative) left out. */
function runsOf(example: Pick<ExampleResult, 'sweep'>, configuration: Measurement['configuration'], kernelShare?: number): Measurement[] {
  return (example.sweep?.measurements ?? []).filter(
    (m) => m.configuration === configuration && (kernelShare === undefined || m.kernelShare === kernelShare) && (m.round ?? 0) >= 0,
  );
}

/** The medians of the server process's CPU time over each run's length, if any run measured it. */
function serverShare(runs: Measurement[]): number | undefined {
  const shares = runs.flatMap((m) => {
    const cpu = serverCpuNs(m);
    return cpu !== undefined && m.load.seconds > 0 ? [cpu / 1e9 / m.load.seconds] : [];
  });
  return shares.length ? middle(shares) : undefined;
}

/** The split's server process's CPU time over its runs' length at one share (median), if measured. */
export function splitServerShare(example: Pick<ExampleResult, 'sweep'>, kernelShare: number): number | undefined {
  return serverShare(runsOf(example, 'split', kernelShare));
}

function perRequestUs(runs: Measurement[]): number | undefined {
  const values = runs.flatMap((m) => {
    const cpu = serverCpuNs(m);
    const requests = userspaceRequests(m);
    return cpu !== undefined && requests > 0 ? [cpu / 1000 / requests] : [];
  });
  return values.length ? middle(values) : undefined;
}

/**
 * The server's sleeps per request it answered over the runs (median), warm-up included on both
 * sides of the division: the kernel half's counters for the split, the load generator's for the
 * original (its warm-up requests all reach the server). Undefined when a run did not count them.
 */
function sleepsPerRequest(runs: Measurement[]): number | undefined {
  const values = runs.flatMap((m) => {
    if (m.serverSleeps === undefined) return [];
    const requests = m.kernel ? m.kernel.handedOver : m.load.replies + m.load.warmup.replies;
    return requests > 0 ? [m.serverSleeps / requests] : [];
  });
  return values.length === runs.length && values.length > 0 ? middle(values) : undefined;
}

export function idleRowsOf(example: ExampleResult): IdleRow[] {
  const split = runsOf(example, 'split');
  const saturated = perRequestUs(split.filter((m) => m.kernelShare === 0));
  if (saturated === undefined) return [];
  const shares = [...new Set(split.map((m) => m.kernelShare))].filter((s) => s > 0 && s < 1).sort((a, b) => a - b);
  return shares.flatMap((share) => {
    const runs = split.filter((m) => m.kernelShare === share);
    const perRequest = perRequestUs(runs);
    const busy = serverShare(runs);
    if (perRequest === undefined || busy === undefined) return [];
    const row: IdleRow = { kernelShare: share, serverBusy: busy, serverUsPerRequest: perRequest, saturatedUsPerRequest: saturated };
    const sleeps = sleepsPerRequest(runs);
    if (sleeps !== undefined) row.sleepsPerHandedOver = sleeps;
    const originalSleeps = sleepsPerRequest(runsOf(example, 'original', share));
    if (originalSleeps !== undefined) row.originalSleepsPerRequest = originalSleeps;
    return [row];
  });
}

/**
 * XDP examples only: with sk_skb the kernel half runs in the softirq of the server's own socket,
 * whose time is charged to whatever task it interrupts — often the server — so the server's CPU
 * is not the userspace half's alone there.
 */
function isXdp(example: ExampleResult): boolean {
  return (SCENARIOS.find((s) => s.example === example.example)?.hook ?? 'xdp') === 'xdp';
}

export function idleServerTable(examples: ExampleResult[]): Table {
  const rows: string[][] = [];
  for (const example of examples.filter(isXdp)) {
    for (const row of idleRowsOf(example)) {
      const extra = row.serverUsPerRequest - row.saturatedUsPerRequest;
      rows.push([
        example.example,
        `${Math.round(row.kernelShare * 100)}%`,
        `${Math.round(row.serverBusy * 100)}%`,
        row.serverUsPerRequest.toFixed(2),
        row.saturatedUsPerRequest.toFixed(2),
        `${extra >= 0 ? '+' : ''}${extra.toFixed(2)}`,
        `${extra >= 0 ? '+' : ''}${(extra * (1 - row.kernelShare)).toFixed(2)}`,
        row.sleepsPerHandedOver === undefined ? '—' : row.sleepsPerHandedOver.toFixed(2),
        row.originalSleepsPerRequest === undefined ? '—' : row.originalSleepsPerRequest.toFixed(3),
      ]);
    }
  }
  return {
    headers: [
      'example',
      'kernel-answerable',
      'userspace half busy',
      'its CPU µs per request it answers',
      'same, answering every request (0%)',
      'extra per handed-over request',
      'extra per request of the mix',
      'its sleeps per handed-over request',
      'original server\'s sleeps per request',
    ],
    rows,
  };
}
