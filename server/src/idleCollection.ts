// Young-generation collections run while the analysis thread is idle, for what will live long.
//
// Why: V8 allocates every object in the young generation and promotes it to the old one only after
// it survived two young collections, each of which copies every survivor. The workspace index
// sends the thread the summaries of every file, and the thread builds the program's call graph and
// type table from them when they stop coming (analysisWorker.ts); all of that lives as long as the
// workspace. Left in the young generation, it was copied twice by the collections of the next
// job, usually the first document opened right after the index: in alternated LSP starts that
// opened memcached.c 150 ms after the index ended, its first open took a median 135 ms (120-143,
// 5 starts) without these collections and 124 ms (113-129) with them. Each pair costs the idle
// thread 3-19 ms.
import * as v8 from 'node:v8';

/** Makes V8 give new contexts, the analysis thread's included, a `gc` function. */
export const EXPOSE_GC_FLAG = '--expose-gc';

/** Call in the server's main thread before the analysis thread starts (its context gets `gc`). */
export function exposeCollector(): void {
  v8.setFlagsFromString(EXPOSE_GC_FLAG);
}

type Collector = (options: { type: 'minor' | 'major' }) => void;

/**
 * Two young-generation collections, which promote everything alive now to the old generation.
 * False, doing nothing, where no `gc` was exposed (an analysis run in the server's own thread,
 * the CLI, the tests).
 */
export function promoteLongLived(): boolean {
  const gc = (globalThis as { gc?: Collector }).gc;
  if (typeof gc !== 'function') return false;
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return true;
}
