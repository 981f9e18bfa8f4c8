// `bpf-offload analyze` on real files: the line format, the JSON shape, exit statuses 0 and 1,
// directories, and analysis across files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { DIAGNOSTIC_LINE, removeTree, runCli, writeTree } from './helpers';

const ALLOCATING = `#include <stdlib.h>

// bpf-offload: entry
int handle(const char *request, int length)
{
    char *copy = malloc(length);
    if (!copy)
        return -1;
    free(copy);
    return length;
}
`;
const MALLOC_LINE = 6; // 1-based

const CLEAN = `// bpf-offload: entry
int handle(int a, int b)
{
    return a + b;
}
`;

test('an error diagnostic: file:line:col lines (1-based), exit 1', () => {
  const root = writeTree({ 'alloc.c': ALLOCATING });
  try {
    const file = path.join(root, 'alloc.c');
    const result = runCli(['analyze', file]);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.trimEnd().split('\n');
    const parsed = lines.map((line) => {
      const m = DIAGNOSTIC_LINE.exec(line);
      assert.ok(m, `not a diagnostic line: ${line}`);
      return { file: m[1], line: Number(m[2]), column: Number(m[3]), severity: m[4], code: m[6] };
    });
    assert.ok(parsed.every((d) => d.file === file));
    const malloc = parsed.find((d) => d.code === 'dynamic-memory' && d.line === MALLOC_LINE);
    assert.ok(malloc, `no dynamic-memory error on line ${MALLOC_LINE}:\n${result.stdout}`);
    assert.equal(malloc.severity, 'error');
    assert.ok(malloc.column >= 1 && malloc.column <= ALLOCATING.split('\n')[MALLOC_LINE - 1].length);
    const positions = parsed.map((d) => d.line * 10_000 + d.column);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'sorted by position');
  } finally {
    removeTree(root);
  }
});

test('no error diagnostic: exit 0, and whatever is printed is not an error', () => {
  const root = writeTree({ 'clean.c': CLEAN });
  try {
    const result = runCli(['analyze', path.join(root, 'clean.c')]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    for (const line of result.stdout.split('\n').filter(Boolean)) {
      const m = DIAGNOSTIC_LINE.exec(line);
      assert.ok(m, line);
      assert.notEqual(m[4], 'error');
    }
  } finally {
    removeTree(root);
  }
});

test('--json prints exactly one JSON object with LSP-shaped diagnostics and 0-based ranges', () => {
  const root = writeTree({ 'alloc.c': ALLOCATING, 'clean.c': CLEAN });
  try {
    const result = runCli(['analyze', '--json', root]);
    assert.equal(result.status, 1);
    assert.ok(result.stdout.endsWith('}\n'));
    const report = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(report).sort(), ['files', 'version']);
    assert.equal(report.version, 1);
    assert.deepEqual(
      report.files.map((f: { file: string }) => f.file),
      [path.join(root, 'alloc.c'), path.join(root, 'clean.c')],
      'every .c file, sorted, including the one with nothing to report',
    );
    for (const file of report.files) {
      assert.deepEqual(Object.keys(file).sort(), ['diagnostics', 'entries', 'file', 'slices']);
      // Filled by the entries/slices work; their content is tested in test/analysis/offload.test.ts.
      assert.ok(Array.isArray(file.entries));
      assert.ok(Array.isArray(file.slices));
      for (const d of file.diagnostics) {
        assert.equal(d.source, 'bpf-offload');
        assert.ok([1, 2, 3, 4].includes(d.severity));
        assert.equal(typeof d.message, 'string');
        assert.match(d.codeDescription.href, /^https:\/\/\S+#[a-z-]+$/);
        for (const end of [d.range.start, d.range.end]) {
          assert.ok(Number.isInteger(end.line) && end.line >= 0);
          assert.ok(Number.isInteger(end.character) && end.character >= 0);
        }
        for (const related of d.relatedInformation ?? []) {
          assert.match(related.location.uri, /^file:\/\//);
          assert.equal(typeof related.message, 'string');
        }
      }
    }
    const malloc = report.files[0].diagnostics.find((d: { code: string }) => d.code === 'dynamic-memory');
    assert.ok(malloc);
    assert.equal(malloc.severity, 1);
    assert.ok(malloc.codeDescription.href.endsWith('rules.md#dynamic-memory'), malloc.codeDescription.href);
    assert.equal(malloc.range.start.line, MALLOC_LINE - 1, '0-based line');
    assert.equal(ALLOCATING.split('\n')[MALLOC_LINE - 1].slice(malloc.range.start.character).startsWith('malloc'), true);
  } finally {
    removeTree(root);
  }
});

test('lines and JSON report the same diagnostics', () => {
  const root = writeTree({ 'alloc.c': ALLOCATING });
  try {
    const lines = runCli(['analyze', root]).stdout.trimEnd().split('\n');
    const report = JSON.parse(runCli(['analyze', '--json', root]).stdout);
    const fromJson = report.files[0].diagnostics.map(
      (d: { range: { start: { line: number; character: number } }; code: string }) =>
        `${d.range.start.line + 1}:${d.range.start.character + 1}:${d.code}`,
    );
    const fromLines = lines.map((line) => {
      const m = DIAGNOSTIC_LINE.exec(line)!;
      return `${m[2]}:${m[3]}:${m[6]}`;
    });
    assert.deepEqual(fromLines, fromJson);
  } finally {
    removeTree(root);
  }
});

test('directories: .c and .h found recursively, hidden directories and other files skipped', () => {
  const root = writeTree({
    'src/net/handler.c': CLEAN,
    'src/net/handler.h': 'int handle(int a, int b);\n',
    'src/main.c': 'int main(void) { return 0; }\n',
    'src/.cache/generated.c': ALLOCATING,
    'src/notes.txt': 'not C',
  });
  try {
    const result = runCli(['analyze', '--json', path.join(root, 'src')]);
    assert.equal(result.status, 0, result.stdout);
    const files = JSON.parse(result.stdout).files.map((f: { file: string }) => path.relative(root, f.file));
    assert.deepEqual(files, ['src/main.c', 'src/net/handler.c']);
  } finally {
    removeTree(root);
  }
});

test('a call into another file resolves when both files are given', () => {
  const main = `int helper(int x);

// bpf-offload: entry
int handle(int x)
{
    return helper(x);
}
`;
  const helper = `int helper(int x)
{
    return x * 2;
}
`;
  const root = writeTree({ 'main.c': main, 'helper.c': helper });
  try {
    const unknownHelper = (stdout: string) =>
      JSON.parse(stdout)
        .files.flatMap((f: { diagnostics: unknown[] }) => f.diagnostics)
        .filter((d: { code: string; message: string }) => d.code === 'unknown-callee' && d.message.includes('helper'));
    const alone = runCli(['analyze', '--json', path.join(root, 'main.c')]);
    assert.equal(unknownHelper(alone.stdout).length, 1, 'helper has no body when main.c is alone');
    assert.equal(alone.status, 1);
    const together = runCli(['analyze', '--json', root]);
    assert.deepEqual(unknownHelper(together.stdout), [], together.stdout);
    assert.equal(together.status, 0);
  } finally {
    removeTree(root);
  }
});

test('C that does not parse is analysed best effort, not an input error', () => {
  const root = writeTree({ 'broken.c': 'int f( { return ;; }}} \n#if\nstruct { int\n', 'binary.c': '\u0000\u0001\u00ff\ufffd' });
  try {
    const result = runCli(['analyze', '--json', root]);
    assert.ok(result.status === 0 || result.status === 1, `status ${result.status}: ${result.stderr}`);
    assert.equal(result.stderr, '');
    assert.equal(JSON.parse(result.stdout).files.length, 2);
  } finally {
    removeTree(root);
  }
});

test('--entry names an entry the file does not mark', () => {
  const unmarked = ALLOCATING.replace('// bpf-offload: entry\n', '');
  const root = writeTree({ 'alloc.c': unmarked });
  try {
    const withEntry = runCli(['analyze', '--entry', 'handle', '--json', root]);
    const codes = JSON.parse(withEntry.stdout).files[0].diagnostics.map((d: { code: string }) => d.code);
    assert.ok(codes.includes('dynamic-memory'), codes.join(','));
  } finally {
    removeTree(root);
  }
});
