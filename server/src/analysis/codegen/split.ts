// The split of one entry into the files a user builds with `make`: kernel half, shared header,
// userspace half, loader and Makefile. Pure: it reads nothing and writes nothing. The CLI writes
// the plan to a directory; the code action turns it into one WorkspaceEdit.
import type { Tree } from '../syntax';
import type { FileAnalysis, ProgramFacts } from '../analyze';
import type { RequestEntry } from '../entries';
import type { EntrySlices } from '../slices';
import { LineMap, LineMapBuilder, serializeLineMap } from '../../tools/lineMap';
import { splitFileNames } from './contract';
import { generateKernelHalf, type KernelHalfInput } from './kernelHalf';
import { generateLoaderHeader, generateLoaderSource } from './loader';
import { generateMakefile } from './makefile';
import { collectStateTypes, generateSharedHeader, type StateField } from './sharedHeader';
import { generateUserHalf, UserHalfError } from './userHalf';
import { generateSkSkbKernelHalf } from './kernel/skSkb';
import { generateSockmapLoaderHeader, generateSockmapLoaderSource, registerAcceptedSockets, SocketRegistrationError } from './sockmapLoader';

export type SplitHook = 'xdp' | 'sk_msg' | 'sk_skb';

/** What a kernel-half generator returns; generateKernelHalf is the default one. */
export type KernelHalfResult =
  | { ok: true; source: string; lineMap: { generatedLine: number; originalFile: string; originalLine: number }[]; stateFields: StateField[]; notes: string[] }
  | { ok: false; error: string };
export type KernelHalfGenerator = (input: KernelHalfInput) => KernelHalfResult;

export interface SplitInput {
  /** The original source's path (or URI); its last segment without .c names the files. */
  file: string;
  text: string;
  tree: Tree;
  analysis: FileAnalysis;
  program: ProgramFacts;
  /** The entry: its receive-loop function or its handler, as the user named it. */
  entry: string;
  hook?: SplitHook;
  targetKernel?: string;
  /** How the line map names the original (relative to the output directory); default `<base>.c`. */
  lineMapSource?: string;
  /** The original's directory relative to the output directory (for its own headers); default ".". */
  sourceDir?: string;
  /** For tests: another kernel-half generator. */
  kernelHalf?: KernelHalfGenerator;
}

export interface SplitFile {
  /** Relative to the directory the files go to (the original's directory, or --out). */
  relativePath: string;
  content: string;
}

export interface SplitPlan {
  base: string;
  entry: RequestEntry;
  hook: SplitHook;
  files: SplitFile[];
  notes: string[];
  /** The kernel half's line map (also among the files as <base>.bpf.c.map.json). */
  lineMap: LineMap;
}

export class SplitError extends Error {}

/** Characters that survive a Makefile target and a C string literal unquoted. */
const SAFE_BASE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export function splitBaseName(file: string): string {
  const last = file.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? file;
  return decodeURIComponent(last).replace(/\.c$/, '');
}

/** Throws SplitError with a sentence for the user when the entry cannot be split. */
export function planSplit(input: SplitInput): SplitPlan {
  const base = splitBaseName(input.file);
  const sourceName = `${base}.c`;
  if (!SAFE_BASE.test(base)) {
    throw new SplitError(`cannot name the split files after "${sourceName}": use letters, digits, '.', '_', '+' or '-' in the file name`);
  }
  const { entry, slices } = findEntry(input);
  const hook = input.hook ?? defaultHook(entry);
  if (hook === 'sk_msg') {
    throw new SplitError(entry.protocol === 'tcp'
      ? `sk_msg runs on data a socket sends; ${entry.handler ?? entry.name} answers requests it receives, which is sk_skb's place (--hook sk_skb)`
      : `sk_msg attaches to TCP sockets; ${entry.name} receives ${entry.protocol.toUpperCase()}`);
  }
  if (hook === 'sk_skb' && entry.protocol !== 'tcp') throw new SplitError(`sk_skb attaches to TCP sockets; ${entry.name} receives ${entry.protocol.toUpperCase()}, which XDP answers`);
  if (hook === 'xdp' && entry.protocol === 'tcp') throw new SplitError(`${entry.name} serves TCP: XDP sees packets, not a byte stream; use --hook sk_skb`);

  const generator = input.kernelHalf ?? ((hook === 'sk_skb' ? generateSkSkbKernelHalf : generateKernelHalf) as KernelHalfGenerator);
  const kernel = generator({
    entry, slices, program: input.program, file: input.file, text: input.text, tree: input.tree,
    diagnostics: input.analysis.diagnostics, targetKernel: input.targetKernel ?? '6.1', hook, base,
  });
  if (!kernel.ok) throw new SplitError(`the kernel half of ${entry.handler ?? entry.name} cannot be generated: ${kernel.error}`);

  const names = splitFileNames(base);
  const copied = collectStateTypes(input.tree, kernel.stateFields);
  let user;
  try {
    user = generateUserHalf({
      tree: input.tree, text: input.text, sourceName, sharedHeaderName: names.sharedHeader, loaderHeaderName: names.loaderHeader,
      fields: kernel.stateFields, copied, entry,
    });
  } catch (e) {
    if (e instanceof UserHalfError) throw new SplitError(e.message);
    throw e;
  }
  if (hook === 'sk_skb') user = { ...user, source: socketHookUserSource(user.source, input.tree) };
  const loaderInput = {
    base, sourceName, sharedHeaderName: names.sharedHeader, loaderHeaderName: names.loaderHeader,
    kernelObjectName: names.kernelObject, protocol: (hook === 'sk_skb' ? 'tcp' : 'udp') as 'tcp' | 'udp', defaultPort: entry.port,
  };
  const lineMap = toLineMap(names.kernel, kernel.lineMap, input.lineMapSource ?? sourceName);
  const files: SplitFile[] = [
    { relativePath: names.kernel, content: kernel.source },
    { relativePath: names.lineMap, content: serializeLineMap(lineMap) },
    { relativePath: names.sharedHeader, content: generateSharedHeader({ base, sourceName, fields: kernel.stateFields, copied }) },
    { relativePath: names.userspace, content: user.source },
    { relativePath: names.loaderHeader, content: hook === 'sk_skb' ? generateSockmapLoaderHeader(loaderInput) : generateLoaderHeader(loaderInput) },
    { relativePath: names.loader, content: hook === 'sk_skb' ? generateSockmapLoaderSource(loaderInput) : generateLoaderSource(loaderInput) },
    { relativePath: names.makefile, content: generateMakefile(base, sourceName, input.sourceDir) },
  ];
  const notes = [...kernel.notes, ...user.notes];
  if (kernel.stateFields.length) notes.push(`shared with the kernel through ${names.sharedHeader}: ${kernel.stateFields.map((f) => f.name).join(', ')}`);
  return { base, entry, hook, files, notes, lineMap };
}

function findEntry(input: SplitInput): { entry: RequestEntry; slices: EntrySlices } {
  const { entries, slices } = input.analysis;
  const entry = entries.find((e) => e.name === input.entry) ?? entries.find((e) => e.handler === input.entry);
  if (!entry) {
    const known = entries.map((e) => (e.handler ? `${e.handler} (in ${e.name})` : e.name));
    throw new SplitError(`${input.entry} is not a request entry of ${input.file}${known.length ? `; entries: ${known.join(', ')}` : ' (no entry was found)'}`);
  }
  const paths = slices.find((s) => s.entryId === entry.id);
  if (!paths) throw new SplitError(`the request paths of ${entry.handler ?? entry.name} could not be enumerated`);
  return { entry, slices: paths };
}

/** The sk_skb userspace half: accepted connections go into the kernel half's socket map. */
function socketHookUserSource(source: string, tree: Tree): string {
  try {
    return registerAcceptedSockets(source, tree).replace(/attach the kernel half when BPF_OFFLOAD_IFACE is set/g, 'attach the kernel half when BPF_OFFLOAD_ENABLE=1');
  } catch (e) {
    if (e instanceof SocketRegistrationError) throw new SplitError(e.message);
    throw e;
  }
}

function defaultHook(entry: RequestEntry): SplitHook {
  return entry.protocol === 'tcp' ? 'sk_skb' : 'xdp';
}

// The line map stores the original by its name: the split files sit in the original's
// directory (code action) or name it relative to --out (the CLI rewrites the source path).
function toLineMap(generated: string, entries: { generatedLine: number; originalLine: number }[], sourceName: string): LineMap {
  const builder = new LineMapBuilder(generated);
  for (const entry of entries) {
    if (entry.generatedLine >= 1 && entry.originalLine >= 1) builder.map(entry.generatedLine, sourceName, entry.originalLine);
  }
  return builder.build();
}
