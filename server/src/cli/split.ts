// `bpf-offload split FILE --entry NAME [--hook xdp|sk_msg|sk_skb] --out DIR [--force]`: plans
// the split (analysis/codegen/split.ts) and writes it. Writing is all or nothing: the files are
// written beside their targets under a temporary name first, existing files are kept unless
// --force, and a failure at any point puts back exactly what was there before.
import * as fs from 'fs';
import * as path from 'path';
import { analyzeFile, buildProgramFacts, DEFAULT_ANALYZE_OPTIONS } from '../analysis/analyze';
import { planSplit, SplitError, type SplitFile, type SplitHook, type SplitPlan } from '../analysis/codegen/split';
import { summarizeFile } from '../analysis/summarize';
import { initC, parsePlainC } from '../analysis/syntax';
import { InputError } from './inputs';
import { UsageError } from './args';

export const SPLIT_USAGE = `Usage: bpf-offload split FILE.c --entry NAME --out DIR [--hook xdp|sk_msg|sk_skb] [--target-kernel X.Y] [--force]
Writes the kernel half, the shared header, the userspace half, the loader and a Makefile into DIR.
Existing files are left alone unless --force; either every file is written or none.`;

export interface SplitCommand {
  file: string;
  entry: string;
  outDir: string;
  hook?: SplitHook;
  targetKernel: string;
  force: boolean;
}

const HOOKS: readonly SplitHook[] = ['xdp', 'sk_msg', 'sk_skb'];

export function parseSplitArgs(argv: string[]): SplitCommand | 'help' {
  let file: string | undefined;
  let entry: string | undefined;
  let outDir: string | undefined;
  let hook: SplitHook | undefined;
  let targetKernel = DEFAULT_ANALYZE_OPTIONS.targetKernel;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      return argv[++i];
    };
    switch (name) {
      case '--help':
      case '-h':
        return 'help';
      case '--force':
        force = true;
        break;
      case '--entry':
        entry = value();
        if (!/^[A-Za-z_]\w*$/.test(entry)) throw new UsageError(`--entry wants a C function name, not "${entry}"`);
        break;
      case '--out':
        outDir = value();
        break;
      case '--hook': {
        const given = value();
        if (!(HOOKS as readonly string[]).includes(given)) throw new UsageError(`--hook must be one of ${HOOKS.join(', ')}, not "${given}"`);
        hook = given as SplitHook;
        break;
      }
      case '--target-kernel':
        targetKernel = value();
        if (!/^\d+\.\d+$/.test(targetKernel)) throw new UsageError(`--target-kernel wants MAJOR.MINOR, e.g. 6.1, not "${targetKernel}"`);
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${name} for split (try split --help)`);
        if (file) throw new UsageError(`split takes one FILE, got ${file} and ${arg}`);
        file = arg;
    }
  }
  if (!file) throw new UsageError('split needs a FILE.c');
  if (!entry) throw new UsageError('split needs --entry NAME (the handler or the function with the receive loop)');
  if (!outDir) throw new UsageError('split needs --out DIR');
  return { file, entry, outDir, hook, targetKernel, force };
}

/** Analyses the file and plans the split; SplitError and InputError carry the user's message. */
export async function planSplitOf(command: SplitCommand): Promise<SplitPlan> {
  let text: string;
  try {
    text = fs.readFileSync(command.file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${command.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  await initC();
  const file = path.resolve(command.file);
  const tree = parsePlainC(text);
  const options = { ...DEFAULT_ANALYZE_OPTIONS, targetKernel: command.targetKernel, entries: [] };
  const analysis = analyzeFile(file, tree, text, new Map(), options);
  const program = buildProgramFacts(new Map([[file, summarizeFile(file, tree, text)]]));
  const lineMapSource = path.relative(path.resolve(command.outDir), file).split(path.sep).join('/');
  const sourceDir = path.relative(path.resolve(command.outDir), path.dirname(file)).split(path.sep).join('/') || '.';
  return planSplit({
    file, text, tree, analysis, program, entry: command.entry, hook: command.hook, targetKernel: command.targetKernel, lineMapSource, sourceDir,
  });
}

export class WriteError extends Error {}

/**
 * Writes every file or none. Without `force`, any existing target stops the write before
 * anything changes; with it, replaced files are kept aside until every new file is in place.
 */
export function writeSplitFiles(outDir: string, files: SplitFile[], force: boolean, beforeRename?: (target: string) => void): string[] {
  const targets = files.map((f) => path.join(outDir, f.relativePath));
  const existing = targets.filter((t) => fs.existsSync(t));
  if (existing.length && !force) {
    throw new WriteError(`not overwriting ${existing.map((t) => path.basename(t)).join(', ')} in ${outDir} (use --force to replace them)`);
  }
  const createdDir = !fs.existsSync(outDir);
  fs.mkdirSync(outDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(outDir, '.bpf-offload-split-'));
  const moved: { target: string; backup?: string }[] = [];
  try {
    files.forEach((f, i) => fs.writeFileSync(path.join(staging, String(i)), f.content));
    targets.forEach((target, i) => {
      const record: { target: string; backup?: string } = { target };
      if (fs.existsSync(target)) {
        record.backup = path.join(staging, `old-${i}`);
        fs.renameSync(target, record.backup);
      }
      moved.push(record);
      beforeRename?.(target);
      fs.renameSync(path.join(staging, String(i)), target);
    });
  } catch (e) {
    for (const record of moved.reverse()) {
      try {
        if (fs.existsSync(record.target) && (!record.backup || fs.existsSync(record.backup))) fs.rmSync(record.target, { force: true });
        if (record.backup) fs.renameSync(record.backup, record.target);
      } catch {
        // keep restoring the others; the staging directory still holds this backup
      }
    }
    fs.rmSync(staging, { recursive: true, force: true });
    if (createdDir) fs.rmSync(outDir, { recursive: true, force: true });
    throw new WriteError(`could not write the split into ${outDir}: ${(e as Error).message}; nothing was changed`);
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return targets;
}

export async function runSplit(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  const command = parseSplitArgs(argv);
  if (command === 'help') {
    io.stdout(SPLIT_USAGE + '\n');
    return 0;
  }
  let plan: SplitPlan;
  try {
    plan = await planSplitOf(command);
  } catch (e) {
    if (e instanceof SplitError) {
      io.stderr(`bpf-offload: split: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    const written = writeSplitFiles(command.outDir, plan.files, command.force);
    io.stdout(`split ${plan.entry.handler ?? plan.entry.name} (${plan.hook}) into ${command.outDir}:\n${written.map((w) => `  ${w}\n`).join('')}`);
    for (const note of plan.notes) io.stdout(`note: ${note}\n`);
    io.stdout(`build with: make -C ${command.outDir}\n`);
    return 0;
  } catch (e) {
    if (e instanceof WriteError) {
      io.stderr(`bpf-offload: split: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
