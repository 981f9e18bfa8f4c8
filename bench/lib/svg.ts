// Charts as hand-written SVG: grouped horizontal bars (with an optional whisker per bar, e.g.
// p50 bar and p95 whisker) and lines over a numeric x axis (for sweeps). Plain SVG 1.1 with no
// script or external font, so GitHub and any browser render it as an image.

export interface BarSeries {
  name: string;
  color: string;
  /** One value per category; undefined draws no bar (a measurement that failed). */
  values: (number | undefined)[];
  /** Optional second value per category drawn as a whisker past the bar (e.g. p95 beside p50). */
  whiskers?: (number | undefined)[];
}

export interface ReferenceLine {
  value: number;
  label: string;
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  categories: string[];
  series: BarSeries[];
  unit: string;
  /** Log scale shows a 100× gap and a 2× gap on the same chart; linear is the default. */
  scale?: 'linear' | 'log';
  reference?: ReferenceLine;
  format?: (value: number) => string;
}

export interface LineSeries {
  name: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  reference?: ReferenceLine;
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const MUTED = '#555';
const GRID = '#e3e3e3';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT} ${attrs}>${escapeXml(content)}</text>`;
}

/** Round tick values covering [0, max] (linear) or the decades covering [min, max] (log). */
export function ticks(min: number, max: number, scale: 'linear' | 'log'): number[] {
  if (scale === 'log') {
    const result: number[] = [];
    const low = Math.floor(Math.log10(min));
    const high = Math.ceil(Math.log10(max));
    // Over one or two decades, decade ticks alone leave the reader guessing.
    const steps = high - low <= 2 ? [1, 2, 5] : [1];
    for (let e = low; e <= high; e++) for (const m of steps) if (e < high || m === 1) result.push(m * 10 ** e);
    return result;
  }
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const result: number[] = [];
  for (let v = 0; v <= max + step * 0.001; v += step) result.push(Number(v.toPrecision(12)));
  if (result[result.length - 1] < max) result.push(Number((result[result.length - 1] + step).toPrecision(12)));
  return result;
}

function defaultFormat(value: number): string {
  if (value === 0) return '0';
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)}k`;
  if (value >= 10) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toPrecision(2);
}

function header(spec: { title: string; subtitle?: string }, width: number): string[] {
  const parts = [text(16, 26, spec.title, 'font-size="17" font-weight="bold" fill="#111"')];
  if (spec.subtitle) parts.push(text(16, 46, spec.subtitle, `font-size="12" fill="${MUTED}"`));
  parts.unshift(`<rect width="${width}" height="100%" fill="#fff"/>`);
  return parts;
}

function legend(items: { name: string; color: string; dashed?: boolean }[], x: number, y: number): string[] {
  const parts: string[] = [];
  let cursor = x;
  for (const item of items) {
    parts.push(`<rect x="${cursor}" y="${y - 10}" width="14" height="10" fill="${item.color}"/>`);
    parts.push(text(cursor + 19, y, item.name, `font-size="12" fill="#222"`));
    cursor += 19 + item.name.length * 6.6 + 18;
  }
  return parts;
}

export function barChart(spec: BarChartSpec): string {
  const scale = spec.scale ?? 'linear';
  const format = spec.format ?? defaultFormat;
  const all = spec.series.flatMap((s) => [...s.values, ...(s.whiskers ?? [])]).filter((v): v is number => v !== undefined && v > 0);
  if (spec.reference) all.push(spec.reference.value);
  if (all.length === 0) throw new Error(`chart "${spec.title}" has no values`);
  const tickValues = ticks(Math.min(...all), Math.max(...all), scale);
  const lo = scale === 'log' ? tickValues[0] : 0;
  const hi = tickValues[tickValues.length - 1];

  const width = 860;
  const labelWidth = Math.min(220, 12 + Math.max(...spec.categories.map((c) => c.length)) * 7.2);
  const left = 16 + labelWidth;
  const right = width - 70;
  const top = spec.subtitle ? 86 : 66;
  const barHeight = 16;
  const barGap = 4;
  const groupGap = 18;
  const groupHeight = spec.series.length * (barHeight + barGap) - barGap;
  const plotHeight = spec.categories.length * (groupHeight + groupGap) - groupGap;
  const height = top + plotHeight + 48;
  const xOf = (v: number) => {
    const t = scale === 'log' ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi;
    return left + t * (right - left);
  };

  const parts = header(spec, width);
  parts.push(...legend(spec.series, left, top - 14));
  for (const tick of tickValues) {
    const x = xOf(tick);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + plotHeight}" stroke="${GRID}"/>`);
    parts.push(text(x, top + plotHeight + 16, format(tick), `font-size="11" fill="${MUTED}" text-anchor="middle"`));
  }
  parts.push(text((left + right) / 2, top + plotHeight + 36, `${spec.unit}${scale === 'log' ? ' (log scale)' : ''}`, `font-size="12" fill="${MUTED}" text-anchor="middle"`));

  spec.categories.forEach((category, c) => {
    const groupTop = top + c * (groupHeight + groupGap);
    parts.push(text(left - 8, groupTop + groupHeight / 2 + 4, category, `font-size="12" fill="#222" text-anchor="end"`));
    spec.series.forEach((series, s) => {
      const y = groupTop + s * (barHeight + barGap);
      const value = series.values[c];
      if (value === undefined) {
        parts.push(text(left + 4, y + barHeight - 4, 'not measured', `font-size="11" fill="${MUTED}" font-style="italic"`));
        return;
      }
      const x1 = xOf(value);
      parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x1 - left).toFixed(1)}" height="${barHeight}" fill="${series.color}"><title>${escapeXml(`${series.name} ${category}: ${format(value)} ${spec.unit}`)}</title></rect>`);
      let labelX = x1;
      const whisker = series.whiskers?.[c];
      let label = format(value);
      if (whisker !== undefined && whisker > value) {
        const x2 = xOf(whisker);
        const mid = y + barHeight / 2;
        parts.push(`<line x1="${x1.toFixed(1)}" y1="${mid}" x2="${x2.toFixed(1)}" y2="${mid}" stroke="${series.color}" stroke-width="2"/>`);
        parts.push(`<line x1="${x2.toFixed(1)}" y1="${y + 3}" x2="${x2.toFixed(1)}" y2="${y + barHeight - 3}" stroke="${series.color}" stroke-width="2"/>`);
        labelX = x2;
        label = `${format(value)} / ${format(whisker)}`;
      }
      parts.push(text(labelX + 5, y + barHeight - 4, label, `font-size="11" fill="#222"`));
    });
  });

  if (spec.reference) {
    const x = xOf(spec.reference.value);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${top + plotHeight}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5,4"/>`);
    parts.push(text(x + 4, top + plotHeight + 28, spec.reference.label, `font-size="11" fill="#c0392b"`));
  }
  return svgDocument(width, height, parts);
}

export function lineChart(spec: LineChartSpec): string {
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y));
  if (spec.reference) ys.push(spec.reference.value);
  if (xs.length === 0) throw new Error(`chart "${spec.title}" has no points`);
  const yMin = Math.min(0, ...ys);
  const yTicks = ticks(0, Math.max(...ys.map(Math.abs), 1e-9), 'linear');
  const yLo = yMin < 0 ? -yTicks[Math.max(1, yTicks.findIndex((t) => t >= -yMin))] : 0;
  const yHi = yTicks[yTicks.length - 1];
  const xTicks = ticks(0, Math.max(...xs), 'linear');
  const xHi = xTicks[xTicks.length - 1];

  const width = 760;
  const left = 70;
  const right = width - 24;
  const top = spec.subtitle ? 92 : 72;
  const plotHeight = 300;
  const height = top + plotHeight + 56;
  const xOf = (x: number) => left + (x / xHi) * (right - left);
  const yOf = (y: number) => top + plotHeight - ((y - yLo) / (yHi - yLo)) * plotHeight;

  const parts = header(spec, width);
  parts.push(...legend(spec.series, left, top - 18));
  const yTickValues = [...(yLo < 0 ? ticks(0, -yLo, 'linear').slice(1).map((t) => -t) : []), ...yTicks];
  for (const tick of yTickValues) {
    const y = yOf(tick);
    parts.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${right}" y2="${y.toFixed(1)}" stroke="${tick === 0 ? '#999' : GRID}"/>`);
    parts.push(text(left - 6, y + 4, `${tick < 0 ? '−' : ''}${defaultFormat(Math.abs(tick))}`, `font-size="11" fill="${MUTED}" text-anchor="end"`));
  }
  for (const tick of xTicks) {
    const x = xOf(tick);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + plotHeight}" stroke="${GRID}"/>`);
    parts.push(text(x, top + plotHeight + 16, defaultFormat(tick), `font-size="11" fill="${MUTED}" text-anchor="middle"`));
  }
  parts.push(text((left + right) / 2, top + plotHeight + 38, spec.xLabel, `font-size="12" fill="${MUTED}" text-anchor="middle"`));
  parts.push(text(16, top + plotHeight / 2, spec.yLabel, `font-size="12" fill="${MUTED}" text-anchor="middle" transform="rotate(-90 16 ${top + plotHeight / 2})"`));
  if (spec.reference) {
    const y = yOf(spec.reference.value);
    parts.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${right}" y2="${y.toFixed(1)}" stroke="#c0392b" stroke-dasharray="5,4"/>`);
    parts.push(text(right - 4, y - 5, spec.reference.label, `font-size="11" fill="#c0392b" text-anchor="end"`));
  }
  for (const series of spec.series) {
    const points = [...series.points].sort((a, b) => a.x - b.x);
    const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${xOf(p.x).toFixed(1)},${yOf(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="7,5"' : ''}/>`);
    for (const p of points) {
      parts.push(`<circle cx="${xOf(p.x).toFixed(1)}" cy="${yOf(p.y).toFixed(1)}" r="3.5" fill="${series.color}"><title>${escapeXml(`${series.name}: ${p.x} → ${defaultFormat(p.y)}`)}</title></circle>`);
    }
  }
  return svgDocument(width, height, parts);
}

function svgDocument(width: number, height: number, parts: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.ceil(height)}" viewBox="0 0 ${width} ${Math.ceil(height)}">`,
    ...parts.map((p) => `  ${p}`),
    '</svg>',
    '',
  ].join('\n');
}
