// Command-line parsing for `bpf-offload`. Hand-written rather than a dependency: the grammar is
// small, and every mistake must end in one precise line, which generic parsers rarely give.
import type { AnalyzeOptions } from '../analysis/analyze';
import { DEFAULT_ANALYZE_OPTIONS } from '../analysis/analyze';

export class UsageError extends Error {}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'analyze'; json: boolean; paths: string[]; options: AnalyzeOptions; profilePath?: string }
  | { kind: 'report'; paths: string[]; options: AnalyzeOptions };

export const USAGE = `Usage:
  bpf-offload analyze [options] FILE|DIR...   diagnostics, one per line (file:line:col: severity: message [code])
  bpf-offload report [options] FILE|DIR...    a readable report: functions, entries, findings per rule
  bpf-offload split FILE.c --entry NAME --out DIR [--hook xdp] [--force]
                                              write the kernel half, userspace half, loader and Makefile (split --help)
  bpf-offload verify FILE.bpf.c [--json]      compile and load a kernel half, map refusals to the source (verify --help)
  bpf-offload calibrate [--fast] [--xdp auto|require|skip] [--dir WORKSPACE] [--json]
                                              measure this machine's costs into WORKSPACE/.bpf-offload/calibration.json
  bpf-offload --help | --version

Directories are searched recursively for .c and .h files (hidden directories and node_modules
are skipped). Every .c file is analysed; .h files only contribute declarations and types.

Options:
  --json                      (analyze) print one JSON object with LSP-shaped diagnostics
  --target-kernel X.Y         kernel the BPF program must load on (default ${DEFAULT_ANALYZE_OPTIONS.targetKernel})
  --program-type TYPE         auto, xdp, sk_msg or sk_skb (default ${DEFAULT_ANALYZE_OPTIONS.programType})
  --entry NAME                treat function NAME as a request entry (repeatable)
  --profile FILE              (analyze) gcov JSON or llvm-cov export JSON weighing the request paths

Exit status: 0 no error diagnostics, 1 at least one error diagnostic (analyze only),
2 bad usage or unreadable input, 3 internal error.`;

const PROGRAM_TYPES = ['auto', 'xdp', 'sk_msg', 'sk_skb'] as const;
const VALUE_OPTIONS = new Set(['--target-kernel', '--program-type', '--entry', '--profile']);
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseArgs(argv: string[]): Command {
  if (argv.length === 0) throw new UsageError('missing command (try --help)');
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') return { kind: 'help' };
  if (command === '--version' || command === '-V') return { kind: 'version' };
  if (command !== 'analyze' && command !== 'report') {
    throw new UsageError(command.startsWith('-') ? `unknown option ${command} (try --help)` : `unknown command ${command} (try --help)`);
  }

  const options: AnalyzeOptions = { ...DEFAULT_ANALYZE_OPTIONS, entries: [] };
  const paths: string[] = [];
  let json = false;
  let profilePath: string | undefined;
  let optionsEnded = false;

  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (optionsEnded || !arg.startsWith('-') || arg === '-') {
      if (arg === '-') throw new UsageError('reading from standard input is not supported; name a file');
      paths.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--json') {
      if (eq > 0) throw new UsageError('--json takes no value');
      if (command !== 'analyze') throw new UsageError('--json is only for analyze');
      json = true;
      continue;
    }
    if (!VALUE_OPTIONS.has(name)) throw new UsageError(`unknown option ${name} (try --help)`);
    let value: string;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= rest.length) throw new UsageError(`${name} needs a value`);
      value = rest[++i];
    }
    if (name === '--profile') {
      if (command !== 'analyze') throw new UsageError('--profile is only for analyze');
      profilePath = value;
      continue;
    }
    applyOption(options, name, value);
  }

  if (paths.length === 0) throw new UsageError(`${command} needs at least one FILE or DIR`);
  return command === 'analyze' ? { kind: 'analyze', json, paths, options, ...(profilePath ? { profilePath } : {}) } : { kind: 'report', paths, options };
}

function applyOption(options: AnalyzeOptions, name: string, value: string): void {
  switch (name) {
    case '--target-kernel':
      if (!/^\d+\.\d+$/.test(value)) throw new UsageError(`--target-kernel wants MAJOR.MINOR, e.g. 6.1, not "${value}"`);
      options.targetKernel = value;
      return;
    case '--program-type':
      if (!(PROGRAM_TYPES as readonly string[]).includes(value)) {
        throw new UsageError(`--program-type must be one of ${PROGRAM_TYPES.join(', ')}, not "${value}"`);
      }
      options.programType = value as AnalyzeOptions['programType'];
      return;
    case '--entry':
      if (!C_IDENTIFIER.test(value)) throw new UsageError(`--entry wants a C function name, not "${value}"`);
      if (!options.entries.includes(value)) options.entries.push(value);
      return;
  }
}
