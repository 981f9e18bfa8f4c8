// The slices end a path where the split hands it over, not only at the rules' Errors: a library
// call with no kernel stand-in (even one the rules only warn about, or do not report at all)
// and a read of errno. Both sides read the one definition in codegen/kernel/libc.ts, so the
// translator's hand-overs and the slices' fallback points fall on the same lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { Severity } from '../../server/src/analysis/model';
import { HandlerTranslator } from '../../server/src/analysis/codegen/kernel/translate';
import { SPLIT_HANDOVER_CODE, splitHandovers } from '../../server/src/analysis/slices/splitHandovers';

const FILE = '/tmp/split-handovers.c';
const SOURCE = `#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <time.h>
int handle(const char *p, int n, char *out)
{
    if (p[0] == 'F')
        return snprintf(out, 16, "n=%d", n);
    if (p[0] == 'D')
        return isdigit(p[1]) ? 1 : 2;
    if (p[0] == 'E')
        return errno == EAGAIN;
    if (p[0] == 'T') {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int)ts.tv_nsec;
    }
    memcpy(out, p, (unsigned long)n);
    return n;
}
`;
const lineOf = (needle: string) => SOURCE.split('\n').findIndex((l) => l.includes(needle));

test('paths end in userspace at calls the split has no stand-in for, and stay in the kernel through its stand-ins', async () => {
  await initC();
  const parsed = parseC(SOURCE);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile(FILE, tree, SOURCE, new Map(), { ...DEFAULT_ANALYZE_OPTIONS, entries: ['handle'] });
    // The rules alone would keep every path: snprintf is a Warning, isdigit and errno are not reported.
    assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === Severity.Error && d.range.start.line > lineOf('int handle(')), []);
    const paths = analysis.slices[0].paths;
    const byLetter = (letter: string) => {
      const found = paths.filter((p) => p.description.includes(`p[0] == '${letter}'`));
      assert.equal(found.length, 1, paths.map((p) => p.description).join('\n'));
      return found[0];
    };
    const userspaceAt = (letter: string, needle: string, reason: RegExp) => {
      const path = byLetter(letter);
      assert.equal(path.endsIn, 'userspace', path.description);
      assert.equal(path.fallback?.code, SPLIT_HANDOVER_CODE);
      assert.equal(path.fallback?.range.start.line, lineOf(needle));
      assert.match(path.fallback!.message, reason);
    };
    userspaceAt('F', 'snprintf(', /^snprintf\(\) has no BPF stand-in: the split hands the request over to userspace here \(the rules only report string-function/);
    userspaceAt('D', 'isdigit(', /^isdigit\(\) has no BPF stand-in/);
    userspaceAt('E', 'errno ==', /^errno is the C library's/);
    assert.equal(byLetter('T').endsIn, 'kernel', 'clock_gettime(CLOCK_MONOTONIC) is rewritten');
    const rest = paths.filter((p) => p.description.includes("p[0] != 'T'"));
    assert.equal(rest.length, 1);
    assert.equal(rest[0].endsIn, 'kernel', 'memcpy has a stand-in');

    // The translator hands over on exactly those lines.
    const translator = new HandlerTranslator({
      tree, text: SOURCE, file: FILE,
      functions: summarizeFile(FILE, tree, SOURCE).functions,
      stateNames: new Set(), globalNames: new Set(),
      errors: analysis.diagnostics.filter((d) => d.severity === Severity.Error),
    });
    translator.translateFrom('handle');
    const handedOver = translator.notes.map((n) => /line (\d+): hands over/.exec(n)?.[1]).filter(Boolean).map(Number).sort((a, b) => a - b);
    assert.deepEqual(handedOver, [lineOf('snprintf(') + 1, lineOf('isdigit(') + 1, lineOf('errno ==') + 1], translator.notes.join('\n'));
  } finally {
    parsed.delete();
  }
});

test("the rules' diagnostics inside a hand-over decide it: an Error there ends the path anyway, else the first one is named", async () => {
  await initC();
  const parsed = parseC(SOURCE);
  const tree = plainTreeOf(parsed);
  try {
    const at = (needle: string, width: number, severity: Severity, code: string, file = FILE) => {
      const line = lineOf(needle);
      const character = SOURCE.split('\n')[line].indexOf(needle);
      return { file, range: { start: { line, character }, end: { line, character: character + width } }, severity, code, message: code };
    };
    const handedOverLines = (diagnostics: ReturnType<typeof at>[]) => splitHandovers(FILE, tree, diagnostics).map((d) => d.range.start.line);
    const all = [lineOf('snprintf('), lineOf('isdigit('), lineOf('errno ==')];
    assert.deepEqual(handedOverLines([]), all);
    // An Error inside snprintf's call (its format argument) takes the hand-over's place; one of another file does not.
    assert.deepEqual(handedOverLines([at('"n=%d"', 6, Severity.Error, 'some-error')]), all.slice(1));
    assert.deepEqual(handedOverLines([at('"n=%d"', 6, Severity.Error, 'some-error', '/tmp/other.c')]), all);
    // Warnings only: the first of them in the given order is the one the message names.
    const warnings = [at('"n=%d"', 6, Severity.Warning, 'second-place'), at('snprintf(', 8, Severity.Warning, 'first-place')];
    const named = splitHandovers(FILE, tree, warnings).find((d) => d.range.start.line === lineOf('snprintf('));
    assert.match(named!.message, /the rules only report second-place here/);
  } finally {
    parsed.delete();
  }
});
