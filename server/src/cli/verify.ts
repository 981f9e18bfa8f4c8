// `bpf-offload verify FILE.bpf.c [--json] [--log FILE]`: compile a generated kernel half, load
// it when this process may, and print what refused it on the generated file and, through the
// line map beside it, on the original source (tools/verify.ts does the work).
import * as fs from 'fs';
import { Severity } from '../analysis/model';
import { verifyGeneratedSource, type VerifyReport } from '../tools/verify';
import { UsageError } from './args';
import { InputError } from './inputs';

export const VERIFY_USAGE = `Usage: bpf-offload verify FILE.bpf.c [--json] [--log FILE]
Compiles FILE.bpf.c with clang, loads it into the running kernel when run as root, and prints
clang's and the verifier's complaints as file:line:col: severity: message [code], on the
generated file and (with FILE.bpf.c.map.json beside it) on the original source.
  --json      print the whole report as one JSON object
  --log FILE  write the verifier log of a refused program to FILE
Exit status: 0 compiled (and loaded, when it could be), 1 refused by clang or the kernel, 2 bad usage.`;

interface VerifyCommand {
  file: string;
  json: boolean;
  log?: string;
}

function parseVerifyArgs(argv: string[]): VerifyCommand | 'help' {
  let file: string | undefined;
  let json = false;
  let log: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') json = true;
    else if (arg === '--log' || arg.startsWith('--log=')) {
      log = arg.startsWith('--log=') ? arg.slice(6) : argv[++i];
      if (!log) throw new UsageError('--log needs a FILE');
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg} for verify (try verify --help)`);
    else if (file) throw new UsageError(`verify takes one FILE, got ${file} and ${arg}`);
    else file = arg;
  }
  if (!file) throw new UsageError('verify needs a FILE.bpf.c');
  return { file, json, log };
}

export async function runVerify(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  const command = parseVerifyArgs(argv);
  if (command === 'help') {
    io.stdout(VERIFY_USAGE + '\n');
    return 0;
  }
  if (!fs.existsSync(command.file) || !fs.statSync(command.file).isFile()) throw new InputError(`cannot read ${command.file}: no such file`);
  const report = await verifyGeneratedSource(command.file);
  if (command.log && report.verifierLog) fs.writeFileSync(command.log, report.verifierLog);
  if (command.json) io.stdout(JSON.stringify(report) + '\n');
  else io.stdout(formatVerifyReport(report));
  return report.compile.status === 'failed' || report.load.status === 'failed' ? 1 : 0;
}

export function formatVerifyReport(report: VerifyReport): string {
  const lines = [report.summary];
  for (const d of report.diagnostics) {
    const severity = d.severity === Severity.Error ? 'error' : d.severity === Severity.Warning ? 'warning' : 'info';
    lines.push(`${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${severity}: ${d.message.replace(/\s*\n\s*/g, ' ')} [${d.code}]`);
  }
  if (report.lineMap.status === 'invalid') lines.push(`note: line map ${report.lineMap.path} ignored: ${report.lineMap.reason}`);
  return lines.join('\n') + '\n';
}
