// With the edit target met, the editor report still says where an edit's time goes (the debug-log
// split) and how far under the target this run was; with it missed, the split stays in the
// "why missed" prose and the met sentence is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SectionRecord } from '../../bench/lib/results';
import { summarize } from '../../bench/lib/stats';
import type { FileLatency } from '../../bench/lsp/measure';
import { renderEditorLatency } from '../../bench/lsp/render';
import type { EditorLatencyData, EditSplit } from '../../bench/lsp/section';

function latency(editMs: number[]): FileLatency {
  return { firstOpenMs: 180, reopenMs: [20], diagnosticsCount: 3, editMs, edit: summarize(editMs), peakRssMiB: 300 };
}

const SPLIT: EditSplit = {
  file: 'memcached.c',
  total: summarize([9, 10, 21]),
  thread: summarize([6, 7, 13]),
  rest: summarize([3, 3, 8]),
};

function record(oursEditMs: number[], editSplit?: EditSplit): SectionRecord<EditorLatencyData> {
  const data: EditorLatencyData = {
    corpus: { name: 'memcached-1.6.18', files: 2, lines: 7000, flags: ['-I.'] },
    servers: [
      { id: 'ours', label: 'bpf-offload-server (debounce 0 ms)' },
      { id: 'clangd', label: 'clangd --background-index=false' },
    ],
    edits: { requested: oursEditMs.length, timeCapSeconds: 60, typed: 'x' },
    reopens: 1,
    quick: false,
    files: [{ file: 'memcached.c', lines: 6265, servers: { ours: latency(oursEditMs), clangd: latency([200, 210]) } }],
    openAll: {},
    ...(editSplit ? { editSplit } : {}),
  };
  return { id: 'editor-latency', title: 'Editor latency', ranAt: '2026-01-01T00:00:00.000Z', durationSeconds: 1, machine: { cpu: 'test', cores: 2, memoryMiB: 4096, os: 'test', kernel: 'test', node: 'test' }, data };
}

test('a met edit target is reported with its margin and the split of the edit time', () => {
  const { markdown } = renderEditorLatency(record([9, 10, 18], SPLIT));
  const p95 = summarize([9, 10, 18]).p95;
  const met = markdown.split('\n').find((l) => l.startsWith('The edit target is met in this run'));
  assert.ok(met, 'no sentence on the met edit target');
  assert.match(met, new RegExp(`p95 ${p95.toFixed(1)} ms on \`memcached.c\`, ${(20 - p95).toFixed(1)} ms under 20 ms`));
  assert.match(met, /the analysis thread's job p50 7\.0 ms \/ p95 [\d.]+ ms, and the rest/);
  assert.ok(!markdown.split('\n').some((l) => l.startsWith('- Edit → diagnostics')), 'a met target explained as missed');
});

test('a missed edit target keeps the split in the explanation and has no met sentence', () => {
  const { markdown } = renderEditorLatency(record([9, 10, 30], SPLIT));
  assert.doesNotMatch(markdown, /The edit target is met/);
  const missed = markdown.split('\n').find((l) => l.startsWith('- Edit → diagnostics: p95'));
  assert.ok(missed, 'no explanation of the missed edit target');
  assert.match(missed, /In a separate session with the server's debug log on \(3 edits of memcached\.c\)/);
});

test('without a split the met sentence still gives the margin', () => {
  const { markdown } = renderEditorLatency(record([9, 10, 12]));
  const met = markdown.split('\n').find((l) => l.startsWith('The edit target is met in this run'));
  assert.ok(met);
  assert.doesNotMatch(met, /debug log/);
});

test('edits after a pause are reported beside the session of record, which keeps the target', () => {
  const paused = record([9, 10, 30]);
  paused.data.afterPause = { file: 'memcached.c', pauseMs: 3000, warmUpPlaces: 60, result: latency([7, 8, 15]) };
  const { markdown } = renderEditorLatency(paused);
  const sentence = markdown.split('\n').find((l) => l.startsWith('Edits of `memcached.c` that start 3 s after'));
  assert.ok(sentence, 'no sentence on the edits after a pause');
  const after = summarize([7, 8, 15]);
  const first = summarize([9, 10, 30]);
  assert.match(sentence, new RegExp(`take p50 ${after.p50.toFixed(1)} ms and p95 ${after.p95.toFixed(1)} ms \\(3 edits, a separate session\\)`));
  assert.match(sentence, new RegExp(`against p50 ${first.p50.toFixed(1)} ms / p95 ${first.p95.toFixed(1)} ms when they start right after the open`));
  assert.match(sentence, /types a character at 60 places of the document/);
  assert.match(markdown, /- Edit → diagnostics: p95/, 'the target is still read off the session right after the open');
  paused.data.afterPause = { file: 'memcached.c', pauseMs: 3000, warmUpPlaces: 60, result: { error: 'the server exited' } };
  assert.doesNotMatch(renderEditorLatency(paused).markdown, /that start 3 s after/, 'a failed session gives no sentence');
});
