// Memory checks of the server process: parser trees live in wasm memory that no garbage collector
// sees, so a tree that is not deleted on close shows up only as a growing resident set. The server
// parses lazily (the analysis thread on each analysis and keeps the last parse per document until
// it closes; its own thread only for code actions), so a cycle must wait for its diagnostics to
// have created a tree at all.
import type { LspTestClient } from '../lsp/lspClient';
import { rssMb, timedRequest } from './session';

/**
 * Growth of the resident set allowed between the end of the warmup and the end of a cycle run.
 * Measured here: proto_text.c ×200 after 10 warm cycles grew 39 MB, the next three ×200 runs
 * 7, -2 and 8 MB — V8 takes a few dozen cycles to reach its working size, hence the warmups.
 * After the warmup the wasm heap has reached its high-water mark for the file (wasm memory never
 * shrinks, so the first cycles grow it legitimately) and V8's heap has settled near its working
 * size; what is left is V8 collecting lazily, which moves RSS by some tens of MB. A leaked tree of
 * memcached's proto_text.c (96 KB) costs about 2 MB: with the analysis thread's delete on close
 * removed, 100 analysed cycles grew RSS by 204 MB (268 → 472), against 13 MB with it.
 */
export const RSS_GROWTH_LIMIT_MB = 64;

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
  const uri = 'file:///fuzz/memory.c';
  let version = 0;
  const cycle = async () => {
    version++;
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
