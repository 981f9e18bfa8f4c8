import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../server/src/cli';
import { findToolchain, privilege } from '../../server/src/tools';

const REQUIRED = process.env.BPF_OFFLOAD_REQUIRE_KERNEL === '1';

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  return main(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) }).then((code) => ({ code, out, err }));
}

const HEADER = '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n';
const GOOD = `${HEADER}SEC("xdp")\nint bpfo_xdp(struct xdp_md *ctx)\n{\n\treturn XDP_PASS;\n}\nchar LICENSE[] SEC("license") = "GPL";\n`;
// Line 8 reads the packet without checking it against data_end.
const UNCHECKED = `${HEADER}SEC("xdp")
int bpfo_xdp(struct xdp_md *ctx)
{
\tunsigned char *data = (void *)(long)ctx->data;
\tif (data == 0)
\t\treturn XDP_PASS;
\treturn data[20] == 0x45 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
`;

function toolsOrSkip(t: { skip: (m: string) => void }, needLoad: boolean): boolean {
  const found = findToolchain();
  const rights = privilege();
  const problem = !found.ok ? found.error.message : needLoad && !rights.canLoad ? rights.reason : undefined;
  if (!problem) return true;
  if (REQUIRED) throw new Error(`BPF_OFFLOAD_REQUIRE_KERNEL=1 but: ${problem}`);
  t.skip(problem);
  return false;
}

test('verify: a loading program passes with exit 0', async (t) => {
  if (!toolsOrSkip(t, false)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo verify '));
  try {
    writeFileSync(join(dir, 'ok.bpf.c'), GOOD);
    const result = await cli(['verify', join(dir, 'ok.bpf.c')]);
    assert.equal(result.code, 0, result.out + result.err);
    assert.match(result.out, /^ok\.bpf\.c: compiled/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verify: clang errors are file:line:col diagnostics and exit 1', async (t) => {
  if (!toolsOrSkip(t, false)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-verify-'));
  try {
    writeFileSync(join(dir, 'broken.bpf.c'), GOOD.replace('return XDP_PASS;', 'return XDP_PASS'));
    const result = await cli(['verify', join(dir, 'broken.bpf.c')]);
    assert.equal(result.code, 1);
    assert.match(result.out, new RegExp(`${join(dir, 'broken.bpf.c')}:\\d+:\\d+: error: .*\\[compile-error\\]`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verify: a verifier refusal lands on the generated line and, through the line map, on the original', async (t) => {
  if (!toolsOrSkip(t, true)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bpfo-verify-'));
  try {
    writeFileSync(join(dir, 'server.c'), 'int handle(const unsigned char *p)\n{\n    return p[20] == 0x45;\n}\n');
    writeFileSync(join(dir, 'server.bpf.c'), UNCHECKED);
    writeFileSync(join(dir, 'server.bpf.c.map.json'), JSON.stringify({ version: 1, generated: 'server.bpf.c', sources: ['server.c'], spans: [{ generated: [9, 9], source: 0, line: 3 }] }));
    const log = join(dir, 'server.verifier.log');
    const result = await cli(['verify', join(dir, 'server.bpf.c'), '--log', log]);
    assert.equal(result.code, 1, result.out);
    assert.match(result.out, new RegExp(`server\\.bpf\\.c:9:\\d+: error: the BPF verifier rejected program bpfo_xdp: .*\\[verifier-rejected\\]`));
    assert.match(result.out, new RegExp(`${join(dir, 'server.c')}:3:\\d+: error: .*\\[in generated server\\.bpf\\.c:9\\]`));
    assert.ok(existsSync(log));
    assert.match(readFileSync(log, 'utf8'), /invalid access to packet/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verify: usage mistakes exit 2 with one line', async () => {
  const none = await cli(['verify']);
  assert.equal(none.code, 2);
  assert.match(none.err, /verify needs a FILE\.bpf\.c/);
  const missing = await cli(['verify', '/nonexistent/x.bpf.c']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read \/nonexistent\/x\.bpf\.c/);
});
