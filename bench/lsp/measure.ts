// The measurements of one server on one file (open and edit latency) and on the whole code base
// (memory after opening everything). Every wait is for the diagnostics of the exact document
// version sent, so a latency is always "this change → its diagnostics on the client's pipe".
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseThreadTimeLine } from '../../server/src/analysisRunner';
import type { LspProcess } from '../lib/lspClient';
import { peakRssMiB, processCpuTicks } from '../lib/procfs';
import { summarize, Summary } from '../lib/stats';
import type { Corpus } from './corpus';
import { ContentChange } from './edits';
import { fileUri, ServerSpec, startServer } from './servers';

export interface FileLatency {
  /**
   * didOpen → first diagnostics in a server that has not seen the file before: the median of
   * firstOpenRunsMs when it is set, else the one sample of this session.
   */
  firstOpenMs: number;
  /**
   * The same in each fresh server started for it, in the order measured: this session's first,
   * then those of the extra starts (firstOpenInFreshServer). Absent in records from before the
   * extra starts, which hold the single sample in firstOpenMs.
   */
  firstOpenRunsMs?: number[];
  /** The same after closing and reopening (warm caches, warmed-up JIT). */
  reopenMs: number[];
  /** Diagnostics the server published for the unedited file. */
  diagnosticsCount: number;
  /** didChange → diagnostics of that version, one per edit, in the order sent. */
  editMs: number[];
  edit: Summary;
  /** Set when the time cap stopped the edits before all were sent. */
  stoppedByTimeCap?: boolean;
  /** The server process's peak RSS at the end of the session. */
  peakRssMiB: number;
  /**
   * Per edit, the milliseconds its analysis spent in our server's analysis thread, as its debug
   * log says (ourServer with debugLog), NaN where it said nothing; absent without that log.
   */
  threadMs?: number[];
}

export interface OpenAllResult {
  files: number;
  /** From the first didOpen to the moment every file had diagnostics. */
  allDiagnosticsMs: number;
  /** Files that never got diagnostics within the time limit. */
  missing: number;
  /** Peak RSS of the server process after opening every file and going idle. */
  peakRssMiB: number;
  /** Peak RSS after start-up, before any file was opened. */
  idlePeakRssMiB: number;
}

const OPEN_TIMEOUT_MS = 60_000;
const EDIT_TIMEOUT_MS = 30_000;

async function open(server: LspProcess, uri: string, text: string, version: number): Promise<{ ms: number; count: number }> {
  const from = server.diagnostics.length;
  const sent = server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text } });
  const published = await server.diagnosticsFor(uri, version, from, OPEN_TIMEOUT_MS);
  return { ms: published.at - sent, count: published.count };
}

export async function measureFile(
  spec: ServerSpec,
  corpus: Corpus,
  file: string,
  changes: ContentChange[],
  reopens: number,
  log: (line: string) => void,
  timeCapMs: number,
  /** Milliseconds between the open's (and reopens') diagnostics and the first edit; none by default. */
  pauseBeforeEditsMs = 0,
): Promise<FileLatency> {
  const server = await startServer(spec, corpus);
  try {
    const uri = fileUri(file);
    const text = readFileSync(file, 'utf8');
    let version = 1;
    const first = await open(server, uri, text, version);
    const reopenMs: number[] = [];
    for (let i = 0; i < reopens; i++) {
      server.notify('textDocument/didClose', { textDocument: { uri } });
      const again = await open(server, uri, text, ++version);
      reopenMs.push(again.ms);
    }
    if (pauseBeforeEditsMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseBeforeEditsMs));
    const editMs: number[] = [];
    const threadMs: number[] = [];
    const editsStarted = performance.now();
    let stoppedByTimeCap = false;
    for (const change of changes) {
      // A slow server must not make the benchmark run for an hour; the report shows the count.
      if (performance.now() - editsStarted > timeCapMs) {
        stoppedByTimeCap = true;
        break;
      }
      const from = server.diagnostics.length;
      version++;
      const sent = server.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
      const logged = server.logs.length;
      const published = await server.diagnosticsFor(uri, version, from, EDIT_TIMEOUT_MS);
      editMs.push(published.at - sent);
      // The last job of this document answered before its diagnostics came (debounce 0: the only one).
      const times = server.logs.slice(logged).map((l) => parseThreadTimeLine(l.message)).filter((t) => t?.key === uri);
      threadMs.push(times.length ? times[times.length - 1]!.threadMs : NaN);
    }
    const result: FileLatency = {
      firstOpenMs: first.ms,
      firstOpenRunsMs: [first.ms],
      reopenMs,
      diagnosticsCount: first.count,
      editMs,
      edit: summarize(editMs),
      peakRssMiB: peakRssMiB(server.pid),
    };
    if (stoppedByTimeCap) result.stoppedByTimeCap = true;
    if (threadMs.some(Number.isFinite)) result.threadMs = threadMs;
    log(
      `  ${spec.id.padEnd(11)} ${path.basename(file).padEnd(14)} open ${first.ms.toFixed(0)} ms, ` +
        `edit p50 ${result.edit.p50.toFixed(1)} / p95 ${result.edit.p95.toFixed(1)} ms (${editMs.length} edits)`,
    );
    return result;
  } finally {
    await server.shutdown();
  }
}

/**
 * One more sample of measureFile's first open: a server started the same way (ours after its
 * workspace index), the file opened once, its first diagnostics of that version awaited, the
 * server shut down. Nothing else is measured, so a sample costs one start-up and one analysis.
 */
export async function firstOpenInFreshServer(spec: ServerSpec, corpus: Corpus, file: string): Promise<number> {
  const server = await startServer(spec, corpus);
  try {
    return (await open(server, fileUri(file), readFileSync(file, 'utf8'), 1)).ms;
  } finally {
    await server.shutdown();
  }
}

/** Opens every file of the code base at once (an editor restoring its tabs), then reads peak RSS. */
export async function measureOpenAll(spec: ServerSpec, corpus: Corpus, timeoutMs: number): Promise<OpenAllResult> {
  const server = await startServer(spec, corpus);
  try {
    const idlePeakRssMiB = peakRssMiB(server.pid);
    const uris = corpus.files.map(fileUri);
    const waiting = new Set(uris);
    const from = server.diagnostics.length;
    let started = 0;
    corpus.files.forEach((file, i) => {
      const sent = server.notify('textDocument/didOpen', {
        textDocument: { uri: uris[i], languageId: 'c', version: 1, text: readFileSync(file, 'utf8') },
      });
      if (i === 0) started = sent;
    });
    let seen = from;
    let lastAt = started;
    try {
      await server.waitUntil('diagnostics for every file', () => {
        for (; seen < server.diagnostics.length; seen++) {
          const published = server.diagnostics[seen];
          if (waiting.delete(published.uri)) lastAt = published.at;
        }
        return waiting.size === 0;
      }, timeoutMs);
    } catch {
      // Reported as missing files; the memory reading is still worth having.
    }
    // Servers keep working after the first diagnostics (ours re-analyses dependents, clangd
    // finishes its ASTs); the peak is read once they are idle.
    await waitIdle(server, timeoutMs);
    return {
      files: uris.length,
      allDiagnosticsMs: lastAt - started,
      missing: waiting.size,
      peakRssMiB: peakRssMiB(server.pid),
      idlePeakRssMiB,
    };
  } finally {
    await server.shutdown();
  }
}

/** No message for a second and under 5% of a core used in it: the server has nothing left to do. */
async function waitIdle(server: LspProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ticks = processCpuTicks(server.pid);
    try {
      await server.quiet(1000, 1000);
    } catch {
      continue;
    }
    if (processCpuTicks(server.pid) - ticks <= 5) return;
  }
}
