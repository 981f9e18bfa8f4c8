// The analysis thread: parses and analyses one file at a time with its own parser, so the
// server's thread keeps reading messages while a big file is analysed (parser.c takes half a
// minute). It keeps the other files' summaries between jobs; the server sends only those that
// changed. A job is cancelled cooperatively through a shared slot: the server writes the id of
// the job it no longer wants, and the pipeline's isCancelled reads it between steps.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFile, CancelledError } from './analysis/analyze';
import type { FileSummary } from './analysis/model';
import { initC, parseC, plainTreeOf } from './analysis/syntax';
import type { WorkerAnswer, WorkerJob } from './analysisWorkerProtocol';

const cancelSlot = new Int32Array((workerData as { cancel: SharedArrayBuffer }).cancel);
const summaries = new Map<string, FileSummary>();
const ready = initC();

function answer(job: WorkerJob): WorkerAnswer {
  for (const file of job.summaries.remove) summaries.delete(file);
  for (const [file, summary] of job.summaries.set) summaries.set(file, summary);
  const isCancelled = () => Atomics.load(cancelSlot, 0) === job.id;
  if (isCancelled()) return { id: job.id, cancelled: true };
  const tree = parseC(job.text);
  try {
    const others = new Map(summaries);
    others.delete(job.file);
    const analysis = analyzeFile(job.file, plainTreeOf(tree), job.text, others, { ...job.options, isCancelled });
    return { id: job.id, analysis };
  } catch (error) {
    if (error instanceof CancelledError) return { id: job.id, cancelled: true };
    return { id: job.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  } finally {
    tree.delete();
  }
}

parentPort?.on('message', (job: WorkerJob) => {
  void ready.then(
    () => parentPort?.postMessage(answer(job)),
    (error: unknown) => parentPort?.postMessage({ id: job.id, error: `the C grammar did not load: ${String(error)}` } satisfies WorkerAnswer),
  );
});
