// `bpf-offload calibrate` as the packaged CLI runs it (dist/cli.js in a child process): it
// writes the workspace's calibration file where --dir says, prints it as JSON when asked, and
// refuses bad usage with exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { PARAMETER_NAMES } from '../../server/src/analysis/cost/parameters';
import { parseCalibrationFile } from '../../server/src/analysis/cost/parameters';
import { copyBundle, isOneLineError, removeTree, runCli, writeTree } from './helpers';

const calibrationIn = (dir: string) => path.join(dir, '.bpf-offload', 'calibration.json');

test('calibrate --fast --xdp skip writes the file into --dir (a name with a space and a quote) and lists what it measured', () => {
  const root = writeTree({});
  const dir = path.join(root, "my 'workspace'");
  fs.mkdirSync(dir);
  try {
    const result = runCli(['calibrate', '--fast', '--xdp', 'skip', '--dir', dir]);
    assert.equal(result.status, 0, result.stderr);
    const file = calibrationIn(dir);
    assert.ok(fs.existsSync(file));
    // The file is what the cost model reads: it parses, and names the skipped XDP part.
    const parsed = parseCalibrationFile(fs.readFileSync(file, 'utf8'));
    assert.ok(parsed.parameters.recvSyscall && parsed.parameters.recvSyscall.ns > 0);
    assert.deepEqual(parsed.skipped, ['XDP: skipped on request']);
    assert.equal(parsed.parameters.bpfInstruction, undefined);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `wrote ${file}`);
    assert.ok(lines.some((l) => /^ {2}recvSyscall +\d+\.\d{2} ns {2}measured on this machine/.test(l)), result.stdout);
    assert.ok(lines.includes('  skipped: XDP: skipped on request'));
    // Progress is on stderr, so stdout stays the result alone.
    assert.match(result.stderr, /^calibrate: measuring syscalls/m);
  } finally {
    removeTree(root);
  }
});

test('calibrate --json prints {writtenTo, calibration} and nothing else on stdout', () => {
  const dir = writeTree({});
  try {
    const result = runCli(['calibrate', '--fast', '--xdp=skip', '--json', '--dir', dir]);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    const json = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(json).sort(), ['calibration', 'writtenTo']);
    assert.equal(json.writtenTo, calibrationIn(dir));
    assert.deepEqual(json.calibration, JSON.parse(fs.readFileSync(calibrationIn(dir), 'utf8')));
    assert.equal(typeof json.calibration.version, 'number');
    assert.equal(typeof json.calibration.machine.kernel, 'string');
    for (const name of Object.keys(json.calibration.parameters)) assert.ok((PARAMETER_NAMES as readonly string[]).includes(name), name);
    for (const p of Object.values(json.calibration.parameters) as { ns: number; source: string }[]) {
      assert.ok(Number.isFinite(p.ns) && p.ns >= 0);
      assert.ok(p.source.length > 20);
    }
  } finally {
    removeTree(dir);
  }
});

test('calibrate --xdp require as root measures the XDP parameters; as another user it fails with exit 1 and says why', () => {
  const root = writeTree({});
  try {
    fs.chmodSync(root, 0o777);
    if (process.getuid?.() === 0) {
      const measured = runCli(['calibrate', '--fast', '--xdp', 'require', '--dir', root]);
      assert.equal(measured.status, 0, measured.stderr);
      const parsed = parseCalibrationFile(fs.readFileSync(calibrationIn(root), 'utf8'));
      assert.ok(parsed.parameters.bpfInstruction && parsed.parameters.mapLookupHash, JSON.stringify(parsed.skipped));
      fs.rmSync(path.join(root, '.bpf-offload'), { recursive: true });
    }
    const asUser = process.getuid?.() === 0 ? 65534 : undefined;
    const cli = copyBundle(root);
    const refused = runCli(['calibrate', '--fast', '--xdp', 'require', '--dir', root], { cwd: '/', uid: asUser, cli });
    assert.equal(refused.status, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /^bpf-offload: calibration failed: XDP: not measured \(needs root privileges/m);
    assert.doesNotMatch(refused.stderr, /^\s+at /m);
    assert.equal(fs.existsSync(calibrationIn(root)), false, 'nothing written when the run fails');
  } finally {
    removeTree(root);
  }
});

const badUsage: [string, string[], RegExp][] = [
  ['an unknown flag', ['calibrate', '--frobnicate'], /unknown option --frobnicate for calibrate/],
  ['an unknown XDP mode', ['calibrate', '--xdp', 'sometimes'], /--xdp must be one of auto, require, skip, not "sometimes"/],
  ['--xdp without a value', ['calibrate', '--xdp'], /--xdp needs a value/],
  ['--fast with a value', ['calibrate', '--fast=yes'], /--fast takes no value/],
  ['a file argument', ['calibrate', 'server.c'], /calibrate takes no FILE/],
  ['a missing directory', ['calibrate', '--dir', '/nonexistent/workspace'], /--dir \/nonexistent\/workspace: no such directory/],
];

for (const [what, args, message] of badUsage) {
  test(`calibrate with ${what}: exit 2, one line on stderr, nothing written or measured`, () => {
    const result = runCli(args);
    assert.equal(result.status, 2, result.stderr);
    assert.ok(isOneLineError(result.stderr), JSON.stringify(result.stderr));
    assert.match(result.stderr, message);
    assert.equal(result.stdout, '');
  });
}

test('calibrate --help prints its usage and exits 0; the main usage lists calibrate', () => {
  const help = runCli(['calibrate', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: bpf-offload calibrate \[--fast\] \[--xdp auto\|require\|skip\] \[--dir WORKSPACE\] \[--json\]/);
  assert.match(runCli(['--help']).stdout, /bpf-offload calibrate \[--fast\]/);
});
