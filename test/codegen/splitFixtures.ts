// Helpers for the split tests: analyse an example as the CLI does, and a stand-in kernel half
// (XDP_PASS with the contract's maps) that exercises the loader, the shared state and the
// userspace half independently of the real kernel-half generator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile, buildProgramFacts, DEFAULT_ANALYZE_OPTIONS } from '../../server/src/analysis/analyze';
import { splitFileNames, PORT_CONFIG_NAME, SCRATCH_MAP_NAME, STATE_MAP_NAME, STATS_MAP_NAME, XDP_PROGRAM_NAME } from '../../server/src/analysis/codegen/contract';
import type { KernelHalfGenerator, SplitInput, SplitPlan } from '../../server/src/analysis/codegen/split';
import { planSplit } from '../../server/src/analysis/codegen/split';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import type { ExampleServer } from '../examples/example-servers';

export async function planExample(server: ExampleServer, overrides: Partial<SplitInput> = {}): Promise<SplitPlan> {
  return planSplitOfText(server, readFileSync(join(server.dir, `${server.name}.c`), 'utf8'), overrides);
}

/** As planExample, for a changed copy of the example's source. */
export async function planSplitOfText(server: ExampleServer, text: string, overrides: Partial<SplitInput> = {}): Promise<SplitPlan> {
  await initC();
  const file = join(server.dir, `${server.name}.c`);
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile(file, tree, text, new Map(), DEFAULT_ANALYZE_OPTIONS);
    const program = buildProgramFacts(new Map([[file, summarizeFile(file, tree, text)]]));
    // The files are written to temporary directories: the Makefile finds the example's headers by absolute path.
    return planSplit({ file, text, tree, analysis, program, entry: server.handler, sourceDir: server.dir, ...overrides });
  } finally {
    parsed.delete();
  }
}

/** Shares the globals the kernel paths touch and passes every packet on. */
export const passKernelHalf: KernelHalfGenerator = (input) => {
  const summary = input.program.summaries.get(input.file)!;
  const used = new Set(input.slices.paths.filter((p) => p.endsIn === 'kernel').flatMap((p) => p.state.map((s) => s.name)));
  const stateFields = summary.globals.filter((g) => used.has(g.name) && !g.isConst).map((g) => ({ name: g.name, typeText: g.typeText }));
  const copied = input.tree.rootNode.namedChildren
    .filter((n) => n && (['preproc_def', 'type_definition'].includes(n.type) || (n.type.endsWith('_specifier') && n.childForFieldName('body'))))
    .map((n) => (n!.type.endsWith('_specifier') ? `${n!.text};` : n!.text.trimEnd()));
  const source = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
typedef __u8 uint8_t; typedef __u16 uint16_t; typedef __u32 uint32_t; typedef __u64 uint64_t;
typedef unsigned long size_t; typedef int sig_atomic_t;
${copied.join('\n')}
#include "${splitFileNames(input.base!).sharedHeader}"
const volatile __u16 ${PORT_CONFIG_NAME} = 0;
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(map_flags, BPF_F_MMAPABLE); __uint(max_entries, 1); __type(key, __u32); __type(value, struct bpfo_state); } ${STATE_MAP_NAME} SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } ${SCRATCH_MAP_NAME} SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 3); __type(key, __u32); __type(value, __u64); } ${STATS_MAP_NAME} SEC(".maps");
SEC("xdp")
int ${XDP_PROGRAM_NAME}(struct xdp_md *ctx)
{
\t__u32 which = BPFO_STAT_HANDED_OVER;
\t__u64 *n = bpf_map_lookup_elem(&${STATS_MAP_NAME}, &which);
\tif (n && ${PORT_CONFIG_NAME})
\t\t(*n)++;
\treturn XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
`;
  return { ok: true, source, lineMap: [], stateFields, notes: ['stand-in kernel half: passes every packet'] };
};
