// The BPF toolchain runner: compile a BPF C file with clang and try it against the running
// kernel's verifier. It runs external programs, so it is not part of the analysis core; the
// `verify` command and the kernel-proof tests use it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClangDiagnostic, CompileResult, compileBpf } from './compile';
import { ToolError } from './exec';
import { LoadOptions, LoadResult, loadBpfObject } from './load';
import { ToolchainOptions, findToolchain } from './toolchain';

export { INSTALL_HINT } from './exec';
export type { ToolError, ToolName } from './exec';
export { clangArguments, compileBpf, parseClangDiagnostics } from './compile';
export type { ClangDiagnostic, CompileOptions, CompileResult } from './compile';
export { loadBpfObject } from './load';
export type { LoadOptions, LoadResult } from './load';
export { findToolchain, multiarchIncludeDir, privilege } from './toolchain';
export type { Privilege, Toolchain, ToolchainOptions, ToolchainResult } from './toolchain';
export { extractProgLoadLog, parseVerifierLog, rejectionFromOutput } from './verifierLog';
export type { VerifierRejection, VerifierSourceLine } from './verifierLog';

/** Where a source file stopped: refused by clang, refused by libbpf, rejected by the verifier, or loaded. */
export type VerifyStage = 'clang' | 'loader' | 'verifier' | 'loaded';

export interface VerifyResult {
  stage: VerifyStage;
  /** The reason for clang/loader/verifier: the first clang error, or the verifier's message. */
  message?: string;
  /** The source line the reason points at (1-based), when known. */
  file?: string;
  line?: number;
  compile: CompileResult;
  load?: LoadResult;
}

export type VerifyOutcome = { ok: true; result: VerifyResult } | { ok: false; error: ToolError };

/**
 * Compiles `sourcePath` into a temporary directory and, if that works, loads and unloads it.
 * Tool problems (missing clang/bpftool, no privilege, a failed clean-up) come back as `error`,
 * never as exceptions.
 */
export async function verifyBpfSource(sourcePath: string, options: ToolchainOptions & LoadOptions = {}): Promise<VerifyOutcome> {
  const found = findToolchain(options);
  if (!found.ok) return found;
  const outDir = mkdtempSync(join(options.tempRoot ?? tmpdir(), 'bpf-offload-build-'));
  try {
    const compile = await compileBpf(found.toolchain, sourcePath, { outDir, timeoutMs: options.timeoutMs });
    if (compile.error) return { ok: false, error: compile.error };
    if (!compile.ok) {
      const first = firstError(compile.diagnostics);
      return {
        ok: true,
        result: { stage: 'clang', message: first?.message ?? compile.output.trim(), file: first?.file, line: first?.line, compile },
      };
    }
    const load = await loadBpfObject(found.toolchain, compile.objectPath, options);
    if (load.error) return { ok: false, error: load.error };
    if (load.cleanupError) {
      return { ok: false, error: { kind: 'failed', tool: 'bpffs', message: `clean-up failed: ${load.cleanupError}`, hint: 'Unmount and remove the directory named above.' } };
    }
    if (load.ok) return { ok: true, result: { stage: 'loaded', compile, load } };
    const rejection = load.rejection;
    return {
      ok: true,
      result: { stage: rejection?.stage ?? 'loader', message: rejection?.message, file: rejection?.file, line: rejection?.line, compile, load },
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function firstError(diagnostics: ClangDiagnostic[]): ClangDiagnostic | undefined {
  return diagnostics.find((d) => d.severity === 'error' || d.severity === 'fatal');
}

