// splitHandovers keeps each definition's hand-overs on its node (slices/splitHandovers.ts) and
// hands them out again while the node, its position, the file, which of its callees the file
// defines and the diagnostics on its lines are the same. Each step below changes one of those
// around a definition an edit carried over (plainTreeEdit.ts): the hand-overs must follow, equal
// to those of a fresh parse, and to what the change is known to mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalysisDiagnostic } from '../../server/src/analysis/model';
import { Severity } from '../../server/src/analysis/model';
import { initC, parsePlainC } from '../../server/src/analysis/syntax';
import { reparse, type ParsedVersion } from '../../server/src/analysis/plainTreeEdit';
import { splitHandovers } from '../../server/src/analysis/slices/splitHandovers';

const FILE = 'handovers.c';
const HANDLE = `int handle(const char *p, int n, char *out)
{
    if (p[0] == 'F')
        return snprintf(out, 16, "n=%d", n);
    return errno;
}
`;
const OTHER = 'static int other(int x) { return x + 1; }\n';
const ERRNO = "errno is the C library's";
const MORE = 'static int more(void)\n{ return 2; }\n';
const SNPRINTF = 'int snprintf(char *o, int n, const char *f, int x) { return 0; }\n';

/** A diagnostic of the rules from `needle` to the end of its statement. */
function diagnosticAt(text: string, needle: string, severity: Severity, code: string): AnalysisDiagnostic {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  const range = { start: { line, character: lines[line].indexOf(needle) }, end: { line, character: lines[line].indexOf(';') } };
  return { file: FILE, range, severity, code, message: code };
}

/** Line and message of each hand-over. */
function described(found: AnalysisDiagnostic[]): string[] {
  return found.map((d) => `${d.file}:${d.range.start.line} ${d.message.slice(0, d.message.indexOf(':'))}${d.message.includes('only report') ? ' (reported)' : ''}`);
}

test('hand-overs kept on a carried-over definition follow its position, the file, its callees and the diagnostics on its lines', async () => {
  await initC();
  const warned = (text: string) => [diagnosticAt(text, 'snprintf(', Severity.Warning, 'string-function')];
  const failed = (text: string) => [diagnosticAt(text, 'snprintf(', Severity.Error, 'unbounded-loop')];
  const steps: { text: string; file?: string; diagnostics?: (text: string) => AnalysisDiagnostic[]; expected: string[]; reusesFirst?: boolean }[] = [
    { text: HANDLE + OTHER, expected: [`${FILE}:3 snprintf() has no BPF stand-in`, `${FILE}:4 ${ERRNO}`] },
    // An edit inside the definition below the call (a new definition node, the call's statement
    // carried over where it was): the hand-over made at the call is handed out again.
    { text: HANDLE.replace('    return errno;', '    n = n + 1;\n    return errno;') + OTHER, expected: [`${FILE}:3 snprintf() has no BPF stand-in`, `${FILE}:5 ${ERRNO}`], reusesFirst: true },
    // A line inserted inside it above the call: the carried-over call moves down.
    { text: HANDLE.replace('{\n', '{\n    n = n + 1;\n') + OTHER, expected: [`${FILE}:4 snprintf() has no BPF stand-in`, `${FILE}:5 ${ERRNO}`] },
    { text: HANDLE + OTHER, expected: [`${FILE}:3 snprintf() has no BPF stand-in`, `${FILE}:4 ${ERRNO}`] },
    // Another definition changes: the same hand-overs.
    { text: HANDLE + OTHER.replace('x + 1', 'x + 2'), expected: [`${FILE}:3 snprintf() has no BPF stand-in`, `${FILE}:4 ${ERRNO}`] },
    // A Warning of the rules at the call: named in the message.
    { text: HANDLE + OTHER, diagnostics: warned, expected: [`${FILE}:3 snprintf() has no BPF stand-in (reported)`, `${FILE}:4 ${ERRNO}`] },
    // An Error there ends the path anyway: no hand-over.
    { text: HANDLE + OTHER, diagnostics: failed, expected: [`${FILE}:4 ${ERRNO}`] },
    // The file defines snprintf now (in another declaration): the call is no hand-over.
    { text: HANDLE + OTHER + SNPRINTF, expected: [`${FILE}:4 ${ERRNO}`] },
    { text: HANDLE + OTHER, expected: [`${FILE}:3 snprintf() has no BPF stand-in`, `${FILE}:4 ${ERRNO}`] },
    // Lines above it: the definition moves down.
    { text: MORE + HANDLE + OTHER, expected: [`${FILE}:5 snprintf() has no BPF stand-in`, `${FILE}:6 ${ERRNO}`] },
    // The same tree as another file.
    { text: MORE + HANDLE + OTHER, file: 'renamed.c', expected: ['renamed.c:5 snprintf() has no BPF stand-in', `renamed.c:6 ${ERRNO}`] },
  ];
  let version: ParsedVersion | undefined;
  try {
    let previous: AnalysisDiagnostic[] = [];
    for (const [i, { text, file = FILE, diagnostics, expected, reusesFirst }] of steps.entries()) {
      const before = version?.plain.rootNode.children ?? [];
      version = reparse(version, text);
      if (i > 0) assert.ok(version.plain.rootNode.children.some((c) => c.type === 'function_definition' && before.includes(c)), `step ${i}: a definition was carried over`);
      const given = diagnostics?.(text) ?? [];
      const found = splitHandovers(file, version.plain, given);
      assert.deepEqual(described(found), expected, `step ${i}`);
      assert.deepEqual(found, splitHandovers(file, parsePlainC(text), given), `step ${i}`);
      if (reusesFirst) assert.equal(found[0], previous[0], `step ${i}: the hand-over at the unmoved call is the previous one`);
      previous = found;
    }
  } finally {
    version?.tree.delete();
  }
});
