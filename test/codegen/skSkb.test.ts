// The sk_skb kernel half of tcp-kv: what the split generates for a TCP line handler, that the
// hooks that do not fit are refused with their reason, and that clang compiles the kernel half
// and the verifier accepts it (bpftool into a private bpffs, see tools/load.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXAMPLES } from '../examples/example-servers';
import { findToolchain, privilege } from '../../server/src/tools/toolchain';
import { compileBpf } from '../../server/src/tools/compile';
import { loadBpfObject } from '../../server/src/tools/load';
import { planExample } from './splitFixtures';
import { SplitError, type SplitPlan } from '../../server/src/analysis/codegen/split';
import { SK_SKB_PROGRAM_NAME, SOCK_MAP_NAME } from '../../server/src/analysis/codegen/contract';

const REQUIRED = (process.env.BPF_OFFLOAD_REQUIRE_KERNEL ?? '') !== '';
const tcpKv = EXAMPLES.find((e) => e.name === 'tcp-kv')!;
const file = (plan: SplitPlan, name: string) => plan.files.find((f) => f.relativePath === name)!.content;

test('tcp-kv: the sk_skb split translates handle_line and wraps it in a verdict program on the connection map', async () => {
  const plan = await planExample(tcpKv, { hook: 'sk_skb' });
  assert.equal(plan.hook, 'sk_skb');
  const kernel = file(plan, 'tcp-kv.bpf.c');
  assert.match(kernel, /static __always_inline void handle_line\(struct bpfo_ctx \*bpfo, struct endpoint \*c, const char \*line, size_t len\)/);
  assert.match(kernel, new RegExp(`int ${SK_SKB_PROGRAM_NAME}\\(struct __sk_buff \\*skb\\)`));
  assert.match(kernel, /BPF_MAP_TYPE_SOCKHASH[\s\S]*bpfo_sock_map SEC/);
  assert.match(kernel, /bpf_sk_redirect_hash\(skb, &bpfo_sock_map, &cookie, 0\)/);
  // The constant table of string pointers is the kernel's own .rodata copy, not shared state.
  assert.match(kernel, /struct bpfo_ro_table_row \{\n\tchar key\[9\];\n\tchar value\[12\];\n\};/);
  assert.match(kernel, /bpfo_ro_table\.table\[i\]\.key/);
  assert.doesNotMatch(kernel, /bpfo->st->table/);
  // The slow commands hand over; the reply queue's fill level is masked for the verifier.
  assert.match(kernel, /hand over: snprintf\(\) has no BPF stand-in/);
  assert.match(kernel, /c->out \+ \(c->out_len & BPFO_INDEX_MASK\)/);
  assert.match(kernel, /if \(reply_len != req_len\)/, 'only replies as long as their request are sent from the kernel');
  const user = file(plan, 'tcp-kv.split.c');
  assert.match(user, /int fd = accept\(listener->fd, NULL, NULL\); bpfo_loader_add_socket\(fd\);/);
  assert.doesNotMatch(user, /BPF_OFFLOAD_IFACE/);
  const loader = file(plan, 'tcp-kv.loader.c');
  assert.match(loader, /bpf_prog_attach\(program_fd, map_fd, BPF_SK_SKB_VERDICT, 0\)/);
  assert.match(loader, /getenv\("BPF_OFFLOAD_ENABLE"\)/);
  assert.match(loader, new RegExp(`find_map_by_name\\(object, "${SOCK_MAP_NAME}"\\)`));
  assert.match(file(plan, 'tcp-kv.loader.h'), /int bpfo_loader_add_socket\(int fd\);/);
  assert.ok(plan.notes.some((n) => /exactly one complete line/.test(n)), plan.notes.join('\n'));
});

test('tcp-kv: XDP and sk_msg are refused with the reason they do not fit', async () => {
  await assert.rejects(planExample(tcpKv, { hook: 'sk_msg' }), (e: Error) => e instanceof SplitError && /sk_msg runs on data a socket sends; handle_line answers requests it receives/.test(e.message));
  await assert.rejects(planExample(tcpKv, { hook: 'xdp' }), (e: Error) => e instanceof SplitError && /XDP sees packets, not a byte stream/.test(e.message));
  const udp = EXAMPLES.find((e) => e.transport === 'udp')!;
  await assert.rejects(planExample(udp, { hook: 'sk_skb' }), (e: Error) => e instanceof SplitError && /sk_skb attaches to TCP sockets/.test(e.message));
});

test('tcp-kv: a target kernel without the parser-less verdict attach type is refused', async () => {
  await assert.rejects(planExample(tcpKv, { hook: 'sk_skb', targetKernel: '5.10' }), (e: Error) => e instanceof SplitError && /5\.13/.test(e.message));
});

test('tcp-kv: the sk_skb kernel half compiles with clang -target bpf and loads', async (t) => {
  const tools = findToolchain();
  if (!tools.ok) {
    if (REQUIRED) assert.fail(`toolchain missing: ${tools.error.message}`);
    return t.skip(`toolchain missing: ${tools.error.message}`);
  }
  const plan = await planExample(tcpKv, { hook: 'sk_skb' });
  const dir = mkdtempSync(path.join(tmpdir(), 'bpfo-sk-skb-'));
  try {
    for (const f of plan.files) writeFileSync(path.join(dir, f.relativePath), f.content);
    const compiled = await compileBpf(tools.toolchain, path.join(dir, 'tcp-kv.bpf.c'), { outDir: dir });
    assert.ok(compiled.ok, compiled.output);
    if (!privilege().canLoad) {
      if (REQUIRED) assert.fail('not privileged to load BPF programs');
      return t.skip('not privileged to load BPF programs');
    }
    const loaded = await loadBpfObject(tools.toolchain, compiled.objectPath, { timeoutMs: 120_000 });
    assert.ok(loaded.ok, loaded.output.split('\n').slice(-25).join('\n'));
    assert.deepEqual(loaded.programs, [SK_SKB_PROGRAM_NAME]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
