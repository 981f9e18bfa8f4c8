// The verify command on real clang and, when this process may load BPF, the real verifier.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Severity } from '../../server/src/analysis/model';
import { findToolchain, privilege } from '../../server/src/tools';
import { MappedTextWriter, writeLineMap } from '../../server/src/tools/lineMap';
import { verifyBpfObject, verifyGeneratedSource } from '../../server/src/tools/verify';

const REQUIRED = process.env.BPF_OFFLOAD_REQUIRE_KERNEL === '1';

function canRun(t: TestContext, needLoad: boolean): boolean {
  const found = findToolchain();
  const problem = !found.ok ? found.error.message : needLoad && !privilege().canLoad ? privilege().reason : undefined;
  if (!problem) return true;
  if (REQUIRED) throw new Error(`BPF_OFFLOAD_REQUIRE_KERNEL=1 but: ${problem}`);
  t.skip(problem);
  return false;
}

// The original server: line 5 is the read the generator turns into the unchecked packet access.
const ORIGINAL = [
  '#include <stddef.h>',
  'int handle_request(const unsigned char *req, size_t len)',
  '{',
  '    /* the version byte */',
  '    if (req[20] == 0x45)',
  '        return 1;',
  '    return 0;',
  '}',
].join('\n');

/** A generated-style kernel half whose packet read has no bounds check, with its line map. */
function generatedWithMap(body: string[]): { text: string; writer: MappedTextWriter; badLine: number } {
  const out = new MappedTextWriter('handler.bpf.c');
  out.write('#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n');
  out.write('SEC("xdp")\nint handle_request_xdp(struct xdp_md *ctx)\n{', { file: '../src/server.c', line: 2 });
  out.write('    unsigned char *p = (void *)(long)ctx->data;', { file: '../src/server.c', line: 2 });
  const badLine = out.nextLine;
  out.write(body.join('\n'), { file: '../src/server.c', line: 5 });
  out.write('    return XDP_PASS;', { file: '../src/server.c', line: 7 });
  out.write('}\nchar LICENSE[] SEC("license") = "GPL";');
  return { text: out.text(), writer: out, badLine };
}

function workspace(): { dir: string; generated: string; original: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-verify-'));
  const original = join(dir, 'src', 'server.c');
  const out = join(dir, 'out');
  for (const d of [join(dir, 'src'), out]) mkdirSync(d);
  writeFileSync(original, ORIGINAL);
  return { dir, generated: join(out, 'handler.bpf.c'), original };
}

test('a verifier rejection lands on the generated line and, through the sidecar map, on the original line', async (t) => {
  if (!canRun(t, true)) return;
  const ws = workspace();
  try {
    const { text, writer, badLine } = generatedWithMap(['    if (p[20] == 0x45)', '        return XDP_DROP;']);
    writeFileSync(ws.generated, text);
    writeLineMap(ws.generated, writer.lineMap());
    const report = await verifyGeneratedSource(ws.generated);
    assert.equal(report.compile.status, 'passed');
    assert.equal(report.load.status, 'failed', report.summary);
    assert.equal(report.load.program, 'handle_request_xdp');
    assert.equal(report.lineMap.status, 'loaded');
    assert.match(report.verifierLog ?? '', /invalid access to packet/);

    const onGenerated = report.diagnostics.find((d) => d.file === ws.generated);
    assert.ok(onGenerated, JSON.stringify(report.diagnostics));
    assert.equal(onGenerated.code, 'verifier-rejected');
    assert.equal(onGenerated.severity, Severity.Error);
    assert.match(onGenerated.message, /invalid access to packet/);
    assert.equal(onGenerated.range.start.line, badLine - 1);
    assert.equal(onGenerated.range.start.character, 4, 'starts at the first non-blank character');

    const onOriginal = report.diagnostics.find((d) => d.file === ws.original);
    assert.ok(onOriginal, JSON.stringify(report.diagnostics));
    assert.equal(onOriginal.code, 'verifier-rejected');
    assert.deepEqual(onOriginal.range, { start: { line: 4, character: 4 }, end: { line: 4, character: 24 } });
    assert.match(onOriginal.message, new RegExp(`in generated handler\\.bpf\\.c:${badLine}`));
    assert.equal(onOriginal.related?.[0].location.file, ws.generated);
    assert.equal(report.diagnostics.length, 2);
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('a program the verifier accepts loads, and verifyBpfObject checks a prebuilt object', async (t) => {
  if (!canRun(t, true)) return;
  const ws = workspace();
  try {
    const { text } = generatedWithMap([
      '    if ((void *)(p + 21) > (void *)(long)ctx->data_end)',
      '        return XDP_PASS;',
      '    if (p[20] == 0x45)',
      '        return XDP_DROP;',
    ]);
    writeFileSync(ws.generated, text);
    const report = await verifyGeneratedSource(ws.generated);
    assert.equal(report.load.status, 'passed', report.summary);
    assert.deepEqual(report.load.programs, ['handle_request_xdp']);
    assert.deepEqual(report.diagnostics, []);
    assert.equal(report.lineMap.status, 'missing');
    assert.match(report.summary, /compiled and loaded/);

    const garbage = join(ws.dir, 'not-an-object.o');
    writeFileSync(garbage, 'this is not ELF');
    const refused = await verifyBpfObject(garbage, ws.generated);
    assert.equal(refused.load.status, 'failed');
    assert.equal(refused.diagnostics[0]?.code, 'load-failed');
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('a clang error becomes a compile-error on its line, in the generated file and the original', async (t) => {
  if (!canRun(t, false)) return;
  const ws = workspace();
  try {
    const { text, writer, badLine } = generatedWithMap(['    if (p[20] == 0x45', '        return XDP_DROP;']);
    writeFileSync(ws.generated, text);
    const report = await verifyGeneratedSource(ws.generated, { lineMap: writer.lineMap() });
    assert.equal(report.compile.status, 'failed');
    assert.equal(report.load.status, 'not-run');
    assert.equal(report.lineMap.status, 'given');
    const errors = report.diagnostics.filter((d) => d.file === ws.generated && d.code === 'compile-error');
    assert.ok(errors.length >= 1, JSON.stringify(report.diagnostics));
    // clang reports the missing ")" where the statement goes on: the line after the open "if (".
    assert.equal(errors[0].range.start.line, badLine, JSON.stringify(errors[0]));
    assert.match(errors[0].message, /expected '\)'/);
    assert.ok(errors[0].related?.some((r) => /to match this/.test(r.message) && r.location.range.start.line === badLine - 1));
    const onOriginal = report.diagnostics.find((d) => d.file === ws.original);
    assert.equal(onOriginal?.range.start.line, 4);
    assert.match(report.summary, /compile failed/);
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('without the right to load, the report says the load did not run and why, and the compile still ran', async (t) => {
  if (!canRun(t, false)) return;
  const ws = workspace();
  try {
    const { text } = generatedWithMap(['    if (p[20] == 0x45)', '        return XDP_DROP;']);
    writeFileSync(ws.generated, text);
    const report = await verifyGeneratedSource(ws.generated, { assumeUnprivileged: true });
    assert.equal(report.compile.status, 'passed');
    assert.equal(report.load.status, 'not-run');
    assert.match(report.load.reason ?? '', /not loaded: needs root\/CAP_BPF/);
    assert.match(report.summary, /compiled; not loaded: needs root/);
    assert.deepEqual(report.diagnostics, []);
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('a missing clang is a not-run compile check with the install hint, not an exception', async () => {
  const tempRoot = mkdtempSync(join(tmpdir(), 'bpfo-verify-'));
  try {
    const generated = join(tempRoot, 'x.bpf.c');
    writeFileSync(generated, 'int x;\n');
    const report = await verifyGeneratedSource(generated, { clangPath: join(tempRoot, 'no-such-clang'), bpftoolPath: '/bin/true', tempRoot });
    assert.equal(report.compile.status, 'not-run');
    assert.match(report.compile.reason ?? '', /clang was not found.*apt-get install clang/);
    assert.equal(report.load.status, 'not-run');
    assert.deepEqual(readdirSync(tempRoot), ['x.bpf.c'], 'no temporary directory left');
  } finally {
    rmSync(tempRoot, { recursive: true, force: true });
  }
});
