// Shared by the kernel-half tests: analyse an example, generate its kernel half, write a minimal
// shared header (struct bpfo_state from stateFields) and compile it with clang -target bpf.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { analyzeFile, buildProgramFacts } from '../../server/src/analysis/analyze';
import { generateKernelHalf, type KernelHalf, type KernelHalfError } from '../../server/src/analysis/codegen/kernelHalf';
import { splitFileNames, STATE_STRUCT_NAME } from '../../server/src/analysis/codegen/contract';
import type { ExampleServer } from '../examples/example-servers';

export async function generateForExample(server: ExampleServer, targetKernel = '6.1'): Promise<KernelHalf | KernelHalfError> {
  await initC();
  const file = path.join(server.dir, `${server.name}.c`);
  const text = readFileSync(file, 'utf8');
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    const analysis = analyzeFile(file, tree, text, new Map(), { targetKernel, programType: 'auto', entries: [] });
    const index = analysis.entries.findIndex((e) => e.protocol === 'udp');
    const entry = analysis.entries[index];
    const slices = analysis.slices.find((s) => s.entryId === entry?.id);
    if (!entry || !slices) return { ok: false, error: 'no UDP entry with slices' };
    const program = buildProgramFacts(new Map([[file, analysis.summary]]));
    return generateKernelHalf({ entry, slices, program, file, text, tree, diagnostics: analysis.diagnostics, targetKernel, hook: 'xdp' });
  } finally {
    parsed.delete();
  }
}

/** Writes <base>.bpf.c and a minimal <base>.offload.h into dir; returns the .bpf.c path. */
export function writeKernelHalf(dir: string, base: string, half: KernelHalf): string {
  mkdirSync(dir, { recursive: true });
  const names = splitFileNames(base);
  const fields = half.stateFields.map((f) => `\t${f.declaration};`).join('\n');
  writeFileSync(path.join(dir, names.sharedHeader), `#pragma once\nstruct ${STATE_STRUCT_NAME} {\n${fields || '\tchar unused;'}\n};\n`);
  const source = path.join(dir, names.kernel);
  writeFileSync(source, half.source);
  return source;
}
