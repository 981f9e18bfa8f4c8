// Order statistics for latency samples. Percentiles use the nearest-rank definition (the value
// below which p% of the samples fall, always one of the samples), so a p95 over 100 edits is the
// 95th slowest edit and never an interpolation between two.

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)];
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summary of no samples');
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    n: samples.length,
    min: Math.min(...samples),
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    max: Math.max(...samples),
    mean: sum / samples.length,
  };
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/**
 * The middle value, or the mean of the two middle ones: unlike median (the 50th percentile, the
 * lower of the two), two rounds give their mean, not the smaller.
 */
export function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
