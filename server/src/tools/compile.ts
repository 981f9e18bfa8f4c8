// Compiles one BPF C file with the flags the kernel proof and the `verify` command use, and
// reads clang's diagnostics into records.
import { basename, join } from 'node:path';
import { ToolError, runTool } from './exec';
import { Toolchain } from './toolchain';

export interface ClangDiagnostic {
  /** As clang printed it (the path given on the command line, or a header's path); undefined for backend errors without a location. */
  file?: string;
  /** 1-based, as clang prints it. */
  line?: number;
  column?: number;
  severity: 'error' | 'fatal' | 'warning' | 'note';
  message: string;
}

export interface CompileResult {
  ok: boolean;
  /** The object file written (only meaningful when ok). */
  objectPath: string;
  /** clang's whole stderr. */
  output: string;
  diagnostics: ClangDiagnostic[];
  /** Set when clang could not be run at all (missing, timeout); then diagnostics is empty. */
  error?: ToolError;
}

export interface CompileOptions {
  /** Directory for the object file; its name is the source's with .o. */
  outDir: string;
  /** Extra clang arguments, e.g. ['-DMAX_LINE=64']. */
  extraArgs?: string[];
  timeoutMs?: number;
}

export function clangArguments(toolchain: Toolchain, sourcePath: string, objectPath: string, extraArgs: string[] = []): string[] {
  return [
    '-O2', '-g', '-target', 'bpf',
    ...toolchain.includeDirs.map((dir) => `-I${dir}`),
    // A backend crash (e.g. on a variable-length array) would otherwise leave a reproducer
    // script and preprocessed source in /tmp for every run.
    '-fno-crash-diagnostics',
    '-fno-color-diagnostics',
    ...extraArgs,
    '-c', sourcePath, '-o', objectPath,
  ];
}

export async function compileBpf(toolchain: Toolchain, sourcePath: string, options: CompileOptions): Promise<CompileResult> {
  const objectPath = join(options.outDir, basename(sourcePath).replace(/\.c$/, '') + '.o');
  const run = await runTool('clang', toolchain.clang, clangArguments(toolchain, sourcePath, objectPath, options.extraArgs), {
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  if (run.error) return { ok: false, objectPath, output: run.stderr, diagnostics: [], error: run.error };
  return { ok: run.exitCode === 0, objectPath, output: run.stderr, diagnostics: parseClangDiagnostics(run.stderr) };
}

// "path:12:5: error: message" — the path may contain spaces and colons, so the location is
// matched from the severity word backwards.
const LOCATED = /^(.*?):(\d+):(\d+): (error|fatal error|warning|note): (.*)$/;
const UNLOCATED = /^(?:clang: )?(error|fatal error|warning|note): (.*)$/;

export function parseClangDiagnostics(stderr: string): ClangDiagnostic[] {
  const diagnostics: ClangDiagnostic[] = [];
  for (const raw of stderr.split('\n')) {
    const text = raw.trimEnd();
    const located = LOCATED.exec(text);
    if (located) {
      diagnostics.push({
        file: located[1], line: Number(located[2]), column: Number(located[3]),
        severity: severityOf(located[4]), message: located[5],
      });
      continue;
    }
    const unlocated = UNLOCATED.exec(text);
    if (unlocated) diagnostics.push({ severity: severityOf(unlocated[1]), message: unlocated[2] });
  }
  return diagnostics;
}

function severityOf(word: string): ClangDiagnostic['severity'] {
  return word === 'fatal error' ? 'fatal' : (word as ClangDiagnostic['severity']);
}
