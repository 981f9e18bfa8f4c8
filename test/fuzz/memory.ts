// Memory checks of the server process: parser trees live in wasm memory that no garbage collector
// sees, so a tree that is not deleted on close shows up only as a growing resident set. The server
// parses lazily (the analysis thread on each analysis, keeping the last parse of its 8 most
// recent documents, open or closed; its own thread only for code actions), so a cycle must wait
// for its diagnostics to have created a tree at all.
import type { LspTestClient } from '../lsp/lspClient';
import { rssMb, timedRequest } from './session';

/**
 * Growth of the resident set allowed between the end of the warmup and the end of a cycle run.
 * V8 takes a few dozen cycles to reach its working size, hence the warmups; after them the wasm
 * heap has reached its high-water mark for the file (wasm memory never shrinks) and the analysis
 * thread's caches hold their most recent documents (8 parses, 8-16 files of memoised results).
 * What is left is garbage V8 has not collected yet. The server caps V8's heap growth between
 * full collections at 1.5x the live heap (server/src/heapGrowth.ts); with it, 100 cycles grew RSS
 * by -4 to +87 MB on memcached's proto_text.c (most under 40) and by 20 to 47 MB on kv-cache.c,
 * where V8's adaptive factor had let garbage alone grow it by up to 362 MB. A leak is well above
 * that: with the analysis thread's deletion of an evicted tree removed, 100 cycles of proto_text.c
 * grew RSS by 230-235 MB (2 runs); the rules' results of every document kept forever cost 3.3 MB
 * per cycle (+333 MB).
 */
export const RSS_GROWTH_LIMIT_MB = 128;

export interface MemoryRun {
  warmupMb: number;
  endMb: number;
  cycles: number;
}

/** Opens and closes `text` `cycles` times after `warmup` cycles; RSS sampled after each phase. */
export async function openCloseCycles(
  client: LspTestClient,
  text: string,
  options: { cycles: number; warmup: number; waitForDiagnostics?: boolean },
): Promise<MemoryRun> {
  // A new document each cycle: the analysis thread keeps the parses (and the analysis memo the
  // results) of its most recent documents also after they close, so only documents beyond
  // those must be freed — reopening one document would never exercise that.
  let uri = '';
  let version = 0;
  const cycle = async () => {
    version++;
    uri = `file:///fuzz/memory-${version}.c`;
    await client.open(uri, text, version);
    if (options.waitForDiagnostics) await client.diagnosticsFor(uri, version);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  };
  // A request after the notifications: its answer means the server has processed them all.
  const drain = () => timedRequest(client, 'textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }, 'memory drain');
  for (let i = 0; i < options.warmup; i++) await cycle();
  await drain();
  const warmupMb = rssMb(client.child.pid!);
  for (let i = 0; i < options.cycles; i++) await cycle();
  await drain();
  // Keeps the published list from growing with the test itself.
  client.published.length = 0;
  return { warmupMb, endMb: rssMb(client.child.pid!), cycles: options.cycles };
}
