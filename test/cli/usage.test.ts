// Exit status 2 and a single stderr line for every kind of bad usage or unreadable input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { copyBundle, isOneLineError, removeTree, repoRoot, runCli, writeTree } from './helpers';

test('--help prints the usage on stdout and exits 0', () => {
  const result = runCli(['--help']);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /bpf-offload analyze \[options\] FILE\|DIR/);
  assert.match(result.stdout, /--target-kernel/);
  assert.equal(result.stderr, '');
});

test('--version prints the version from package.json', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const result = runCli(['--version']);
  assert.equal(result.status, 0);
  assert.equal(result.stdout, `bpf-offload ${manifest.version}\n`);
});

const badUsage: [string, string[], RegExp][] = [
  ['no arguments', [], /missing command/],
  ['an unknown command', ['frobnicate', 'x.c'], /unknown command frobnicate/],
  ['an unknown flag', ['analyze', '--frobnicate', 'x.c'], /unknown option --frobnicate/],
  ['no paths', ['analyze', '--json'], /needs at least one FILE or DIR/],
  ['a malformed kernel version', ['analyze', '--target-kernel', 'six', 'x.c'], /--target-kernel wants MAJOR\.MINOR/],
  ['a missing option value', ['analyze', 'x.c', '--target-kernel'], /--target-kernel needs a value/],
  ['an unknown program type', ['analyze', '--program-type=tc', 'x.c'], /--program-type must be one of/],
  ['an entry that is not a C name', ['analyze', '--entry', 'not a name', 'x.c'], /--entry wants a C function name/],
  ['--json with report', ['report', '--json', 'x.c'], /--json is only for analyze/],
  ['standard input', ['analyze', '-'], /standard input is not supported/],
];

for (const [what, args, message] of badUsage) {
  test(`${what} is bad usage: exit 2, one line on stderr, nothing on stdout`, () => {
    const result = runCli(args);
    assert.equal(result.status, 2, result.stderr);
    assert.ok(isOneLineError(result.stderr), `not one line: ${JSON.stringify(result.stderr)}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, '');
  });
}

test('a missing file is unreadable input: exit 2 naming the file', () => {
  const result = runCli(['analyze', 'no/such/file.c']);
  assert.equal(result.status, 2);
  assert.ok(isOneLineError(result.stderr), result.stderr);
  assert.match(result.stderr, /cannot read no\/such\/file\.c: no such file or directory/);
  assert.equal(result.stdout, '');
});

test('a path through a regular file is unreadable input', () => {
  const root = writeTree({ 'server.c': 'int main(void) { return 0; }\n' });
  try {
    const result = runCli(['analyze', '--json', path.join(root, 'server.c', 'inner.c')]);
    assert.equal(result.status, 2);
    assert.ok(isOneLineError(result.stderr), result.stderr);
    assert.equal(result.stdout, '', 'no partial JSON');
  } finally {
    removeTree(root);
  }
});

test('a file without read permission is unreadable input', () => {
  // root reads any file, so as root the CLI runs as the unprivileged user "nobody".
  const asUser = process.getuid?.() === 0 ? 65534 : undefined;
  const root = writeTree({ 'secret.c': 'int x;\n' });
  try {
    fs.chmodSync(root, 0o755);
    fs.chmodSync(path.join(root, 'secret.c'), 0o000);
    const cli = copyBundle(root);
    const result = runCli(['analyze', path.join(root, 'secret.c')], { cwd: '/', uid: asUser, cli });
    assert.equal(result.status, 2, result.stderr);
    assert.ok(isOneLineError(result.stderr), result.stderr);
    assert.match(result.stderr, /cannot read .*secret\.c: permission denied/);
  } finally {
    removeTree(root);
  }
});

test('a directory with no C files is unreadable input, and one bad path fails the whole run', () => {
  const root = writeTree({ 'notes/readme.txt': 'hello\n', 'ok.c': 'int x;\n' });
  try {
    const empty = runCli(['analyze', path.join(root, 'notes')]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /no \.c or \.h files under/);

    const mixed = runCli(['analyze', path.join(root, 'ok.c'), path.join(root, 'gone.c')]);
    assert.equal(mixed.status, 2);
    assert.ok(isOneLineError(mixed.stderr), mixed.stderr);
  } finally {
    removeTree(root);
  }
});
