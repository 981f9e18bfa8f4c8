// The summary hands out the same RecordInfo / EnumInfo object for a struct, union or enum
// definition a reparse carried over, while what it was made from is unchanged (summarize/types.ts
// KeptType). Each step below changes one such thing around definitions the edit left alone — a
// constant they read, their place, the file's name, a packed attribute above them — and the
// summary must follow, equal to one made from scratch and to what the change means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { SummaryMemo } from '../../server/src/analysis/summarize/functionMemo';
import type { FileSummary } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';

const DEFINES = '#define WIDTH 8\n';
const TYPES = `enum slots { FIRST = WIDTH, NEXT };
struct entry { char key[WIDTH]; int slot[NEXT]; unsigned flags : FIRST; };
typedef struct { char a; int b; } pair_t;
`;

/** What the steps change, in a few words per type. */
function described(summary: FileSummary): string[] {
  return [
    ...summary.enums.map((e) => `${e.file} enum ${e.name} ${e.members.map((m) => `${m.name}=${m.value}`).join(',')} @${e.range.start.line}`),
    ...summary.records.map((r) => `${r.file} ${r.kind} ${r.name} ${r.fields.map((f) => `${f.name}[${f.arrayLength ?? ''}]:${f.bitWidth ?? ''}`).join(',')}${r.isPacked ? ' packed' : ''} @${r.range.start.line}`),
  ];
}

test('kept struct and enum summaries follow the constants they read, their place, the file and a packed attribute', async () => {
  await initC();
  const steps: { text: string; file?: string; expected: string[] }[] = [
    { text: DEFINES + TYPES, expected: ['a.c enum slots FIRST=8,NEXT=9 @1', 'a.c struct entry key[8]:,slot[9]:,flags[]:8 @2', 'a.c struct <anon@a.c:4:9> a[]:,b[]: @3'] },
    // The constant both read changes: the enum's values and the struct's lengths follow.
    { text: DEFINES.replace('8', '4') + TYPES, expected: ['a.c enum slots FIRST=4,NEXT=5 @1', 'a.c struct entry key[4]:,slot[5]:,flags[]:4 @2', 'a.c struct <anon@a.c:4:9> a[]:,b[]: @3'] },
    // Lines above: everything moves down (the anonymous struct's name holds its place).
    { text: `// moved\n\n${DEFINES.replace('8', '4')}${TYPES}`, expected: ['a.c enum slots FIRST=4,NEXT=5 @3', 'a.c struct entry key[4]:,slot[5]:,flags[]:4 @4', 'a.c struct <anon@a.c:6:9> a[]:,b[]: @5'] },
    // The same text as another file.
    { text: `// moved\n\n${DEFINES.replace('8', '4')}${TYPES}`, file: 'b.c', expected: ['b.c enum slots FIRST=4,NEXT=5 @3', 'b.c struct entry key[4]:,slot[5]:,flags[]:4 @4', 'b.c struct <anon@b.c:6:9> a[]:,b[]: @5'] },
    // Packed by an attribute of the typedef around it.
    {
      text: `// moved\n\n${DEFINES.replace('8', '4')}${TYPES.replace('} pair_t', '} __attribute__((packed)) pair_t')}`,
      file: 'b.c',
      expected: ['b.c enum slots FIRST=4,NEXT=5 @3', 'b.c struct entry key[4]:,slot[5]:,flags[]:4 @4', 'b.c struct <anon@b.c:6:9> a[]:,b[]: packed @5'],
    },
    { text: DEFINES + TYPES, expected: ['a.c enum slots FIRST=8,NEXT=9 @1', 'a.c struct entry key[8]:,slot[9]:,flags[]:8 @2', 'a.c struct <anon@a.c:4:9> a[]:,b[]: @3'] },
    // Packed by an attribute of the declaration it comes to stand in.
    { text: DEFINES + TYPES.replace('struct entry', '__attribute__((packed)) struct entry'), expected: ['a.c enum slots FIRST=8,NEXT=9 @1', 'a.c struct entry key[8]:,slot[9]:,flags[]:8 packed @2', 'a.c struct <anon@a.c:4:9> a[]:,b[]: @3'] },
  ];
  const memo = new SummaryMemo();
  let version: ParsedVersion | undefined;
  let kept = 0;
  try {
    for (const [i, { text, file = 'a.c', expected }] of steps.entries()) {
      const before = version ? summarizeFile(file, version.plain, version.text) : undefined;
      version = reparse(version, text);
      const summary = summarizeFile(file, version.plain, text, memo);
      assert.deepEqual(described(summary), expected, `step ${i}`);
      assert.deepEqual(summary, summarizeFile(file, parsePlainC(text), text), `step ${i}`);
      if (before) kept += summary.records.filter((r) => before.records.includes(r)).length;
    }
    // Reuse happened where nothing changed (the anonymous struct in the first step, for one).
    assert.ok(kept > 0);
  } finally {
    version?.tree.delete();
  }
});
