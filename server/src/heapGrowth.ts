// V8 grows a heap to up to four times what was live at its last full collection before it
// collects again (its growing factor adapts to how fast collection is). The analysis thread keeps
// each recent document's parse and results (KEPT_DOCUMENTS), so opening one file after another
// promotes a document's worth of results every time, and they die in the old generation when
// the document is evicted. With the adaptive factor, measured on memcached's proto_text.c opened
// and closed 100 times: ~97 MB live after a full collection in every run, but 190-525 MB of heap
// before it and the server's RSS 23-362 MB higher than after warm-up (4 runs); with a fixed
// factor of 1.5, 97-146 MB of heap and -4 to +32 MB (4 runs). An editor's server idles most of
// the time, so memory it holds as uncollected garbage is what users see, not collection speed.
// The price is more full collections: over a start, the index, the first open of memcached.c and
// 4 edits, 8 in the analysis thread and 10 in the server's (3 and 3 before), and that first open
// took a median 202 ms against 184 (7 alternated starts each; the spread of either is ~50 ms).
// A growth of 2x instead of 1.5x still let proto_text.c's cycles grow RSS by 149 and 210 MB.
import * as v8 from 'node:v8';

/** Next full collection at 1 + HEAP_GROWING_PERCENT / 100 times the live heap of the last. */
export const HEAP_GROWING_PERCENT = 50;

/** The V8 flag; v8.setFlagsFromString ignores a flag it does not know, so a test checks that Node takes it. */
export const HEAP_GROWTH_FLAG = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

/**
 * Sets V8's heap growing factor for the whole process, its threads included. Call before the
 * analysis thread starts; the flag is read at each full collection.
 */
export function limitHeapGrowth(): void {
  v8.setFlagsFromString(HEAP_GROWTH_FLAG);
}
