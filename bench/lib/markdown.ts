// Tables for docs/benchmarks.md and the terminal. The same rows serve both: markdown for the
// document, padded columns for the console.

export type Align = 'left' | 'right';

export interface Table {
  headers: string[];
  rows: string[][];
  /** Per column; numbers read best right-aligned. Default: first column left, others right. */
  align?: Align[];
}

function alignments(table: Table): Align[] {
  return table.headers.map((_, i) => table.align?.[i] ?? (i === 0 ? 'left' : 'right'));
}

function escapeCell(cell: string): string {
  return cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(table: Table): string {
  const align = alignments(table);
  const head = `| ${table.headers.map(escapeCell).join(' | ')} |`;
  const rule = `| ${align.map((a) => (a === 'right' ? '---:' : ':---')).join(' | ')} |`;
  const body = table.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

export function consoleTable(table: Table): string {
  const align = alignments(table);
  const plain = (s: string) => s.replace(/\*\*/g, '').replace(/`/g, '');
  const all = [table.headers, ...table.rows].map((row) => row.map(plain));
  const widths = table.headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/**
 * ours / baseline as "0.42×"; below 1 means ours is smaller (faster, leaner). With `limit` (a
 * target's ratio), a ratio that would round to the limit's own figure is given one more decimal:
 * 0.504× missed a limit of 0.5× that "0.50×" seems to meet.
 */
export function formatRatio(ours: number | undefined, baseline: number | undefined, limit?: number): string {
  if (ours === undefined || baseline === undefined || !(baseline > 0)) return '—';
  const ratio = ours / baseline;
  const decimals = ratio < 0.1 ? 3 : 2;
  const shown = ratio.toFixed(decimals);
  if (limit !== undefined && ratio !== limit && shown === limit.toFixed(decimals)) return `${ratio.toFixed(decimals + 1)}×`;
  return `${shown}×`;
}

export function formatMiB(mib: number | undefined): string {
  return mib === undefined ? '—' : `${mib.toFixed(0)} MiB`;
}
