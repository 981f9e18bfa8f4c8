// File-scope declarations carried over by an edit (plainTreeEdit.ts) give the summary the globals
// and prototypes they gave before (summarize/declarationMemo.ts) — moved by the lines they moved,
// and read again when a constant or global name they asked about changed or they moved along a
// line. Each step must equal a summary made from scratch, and differ where the edit means it to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { SummaryMemo } from '../../server/src/analysis/summarize/functionMemo';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import type { FileSummary } from '../../server/src/analysis/model';

const FILE = 'src/tables.c';
const BASE = `#define size 8
static char table[size];
int counter; static const char *names[size]; int lookup(int key, ...);
char *first(void);
`;

function globalsOf(summary: FileSummary): string[] {
  return summary.globals.map((g) => `${g.name} ${g.typeText} ${g.isVariableLength ?? false} ${g.range.start.line}:${g.range.start.character}`);
}

test('globals and prototypes of carried-over declarations follow constants, moves and column shifts', async () => {
  await initC();
  const steps = [
    BASE,
    // A global variable now, not a constant: the arrays sized by it are variable-length.
    BASE.replace('#define size 8', 'int size;'),
    BASE,
    // Two lines above: everything moves down by two rows.
    `#include "a.h"\n#include "b.h"\n${BASE}`,
    // Longer on the same line before `names` and the prototype: they move along the line.
    `#include "a.h"\n#include "b.h"\n${BASE.replace('int counter;', 'long counter2;')}`,
    BASE,
  ];
  const memo = new SummaryMemo();
  let version: ParsedVersion | undefined;
  const seen: string[][] = [];
  try {
    for (const [i, text] of steps.entries()) {
      const before = version?.plain.rootNode.children ?? [];
      version = reparse(version, text);
      if (i > 0) assert.ok(version.plain.rootNode.children.some((c) => c.type === 'declaration' && before.includes(c)), `step ${i}: declarations carried over`);
      const incremental = summarizeFile(FILE, version.plain, text, memo);
      const fresh = summarizeFile(FILE, parsePlainC(text), text);
      assert.deepEqual(incremental, fresh, `step ${i}`);
      seen.push(globalsOf(incremental));
    }
  } finally {
    version?.tree.delete();
  }
  assert.notDeepEqual(seen[1], seen[0], 'a non-constant size changes the globals');
  assert.deepEqual(seen[2], seen[0]);
  assert.notDeepEqual(seen[3], seen[0], 'moved globals have moved ranges');
  assert.notDeepEqual(seen[4].slice(1), seen[3].slice(1), 'globals moved along the line have moved ranges');
});
