// The editor benchmark's first open is the median of several fresh servers: the report must show
// the median (in the targets, ratios and prose), the range of the samples beside it, and how many
// starts it took; records written before the extra starts (one sample, no runs field) must still
// render, saying "1 start".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SectionRecord } from '../../bench/lib/results';
import { summarize } from '../../bench/lib/stats';
import type { FileLatency } from '../../bench/lsp/measure';
import { firstOpenCell, renderEditorLatency } from '../../bench/lsp/render';
import type { EditorLatencyData } from '../../bench/lsp/section';

function latency(firstOpenMs: number, firstOpenRunsMs?: number[]): FileLatency {
  const editMs = [10, 12, 30];
  return {
    firstOpenMs,
    ...(firstOpenRunsMs ? { firstOpenRunsMs } : {}),
    reopenMs: [20, 25, 30],
    diagnosticsCount: 3,
    editMs,
    edit: summarize(editMs),
    peakRssMiB: 300,
  };
}

const OPENING = '#### Opening a file';

function record(ours: FileLatency, clangd: FileLatency, openStarts?: number): SectionRecord<EditorLatencyData> {
  const data: EditorLatencyData = {
    corpus: { name: 'memcached-1.6.18', files: 2, lines: 7000, flags: ['-I.'] },
    servers: [
      { id: 'ours', label: 'bpf-offload-server (debounce 0 ms)' },
      { id: 'clangd', label: 'clangd --background-index=false' },
    ],
    edits: { requested: 3, timeCapSeconds: 60, typed: 'x' },
    reopens: 3,
    ...(openStarts === undefined ? {} : { openStarts }),
    quick: false,
    files: [{ file: 'memcached.c', lines: 6265, servers: { ours, clangd } }],
    openAll: {},
  };
  return {
    id: 'editor-latency',
    title: 'Editor latency',
    ranAt: '2026-01-01T00:00:00.000Z',
    durationSeconds: 1,
    machine: { cpu: 'test', cores: 2, memoryMiB: 4096, os: 'test', kernel: 'test', node: 'test' },
    data,
  };
}

/** The cells of the first markdown table row that starts with `first`, below the heading `after` when given. */
function row(markdown: string, first: string, after = ''): string[] {
  const line = markdown.slice(markdown.indexOf(after)).split('\n').find((l) => l.startsWith(`| ${first}`));
  assert.ok(line, `no row starting with ${first}`);
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

test('the opening table gives each server the median of its starts with the range, the ratio of the medians', () => {
  const { markdown } = renderEditorLatency(record(latency(201, [233, 184, 201]), latency(244, [244, 280, 230]), 3));
  assert.match(markdown, /\| Ours: first open \(median of 3 starts, range\) \| clangd: first open \(median of 3 starts, range\) \| Ratio of medians \|/);
  const cells = row(markdown, '`memcached.c`', OPENING);
  assert.equal(cells[2], '201 ms (184–233 ms)');
  assert.equal(cells[3], '244 ms (230–280 ms)');
  assert.equal(cells[4], '0.82×');
  const target = row(markdown, 'didOpen');
  assert.match(target[0], /\(median of 3 starts of each\)/);
  assert.deepEqual(target.slice(2, 5), ['201 ms', '244 ms', '0.82×']);
  assert.match(markdown, /- didOpen → diagnostics: 201 ms against clangd's 244 ms \(median of 3 starts of each\)/, 'the why-missed prose quotes the medians');
  assert.match(markdown, /- didOpen: the first open in 3 freshly started servers of each kind per file.*\*\*The median of the 3 is reported\*\*/);
});

test('near the target, the opening table shows the ratio of medians as the target row does', () => {
  // 122 / 242 = 0.504: "0.50×" would read as meeting a limit of 0.5× that it misses.
  const { markdown } = renderEditorLatency(record(latency(122, [122, 118, 130]), latency(242, [242, 240, 248]), 3));
  assert.equal(row(markdown, '`memcached.c`', OPENING)[4], '0.504×');
  assert.equal(row(markdown, 'didOpen')[4], '0.504×');
});

test('a record without the runs field (from before the extra starts) renders its single sample as 1 start', () => {
  const { markdown, console } = renderEditorLatency(record(latency(201), latency(244)));
  assert.match(markdown, /\| Ours: first open \(1 start\) \| clangd: first open \(1 start\) \| Ratio \|/);
  assert.deepEqual(row(markdown, '`memcached.c`', OPENING).slice(2, 5), ['201 ms', '244 ms', '0.82×']);
  assert.match(row(markdown, 'didOpen')[0], /\(1 start of each\)/);
  assert.match(markdown, /- didOpen: the first open in a freshly started server \(1 start of each server per file: a single sample\)/);
  assert.doesNotMatch(markdown, /median of the/);
  assert.match(console, /first open \(1 start\)/);
});

test('a failed extra start shows its smaller count beside the range, and the method says why', () => {
  const { markdown } = renderEditorLatency(record(latency(190, [180, 200]), latency(244, [244, 280, 230]), 3));
  assert.match(markdown, /Ours: first open \(median of 3 starts, range\)/, 'the column keeps the count asked for');
  assert.equal(row(markdown, '`memcached.c`', OPENING)[2], '190 ms (180–200 ms, 2 starts)');
  assert.match(markdown, /a failed start leaves fewer samples/);
});

test('a range across the second boundary keeps both units', () => {
  assert.equal(firstOpenCell(latency(990, [950, 990, 1200]), 3), '990 ms (950 ms–1.20 s)');
  assert.equal(firstOpenCell(latency(201), 3), '201 ms (1 start)');
  assert.equal(firstOpenCell(undefined, 3), '—');
});
