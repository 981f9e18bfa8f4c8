// Which functions the rules check, and how each is reached from a request entry. Functions
// marked `// bpf-offload: skip` are neither checked nor descended into: the user has declared
// that the path falls back to userspace there.
import type { FileSummary, FunctionInfo, CallSite, RelatedInformation } from '../model';
import type { AnalyzeOptions } from '../analyze';

/** The part of the call graph the rules use (kept narrow so tests and callers can agree on it). */
export interface CalleeResolver {
  resolve(file: string, name: string): FunctionInfo | undefined;
  /** resolve(fn.file, site.callee) for each of fn.calls, in order (the call graph keeps them per function). */
  calleesOf?(fn: FunctionInfo): (FunctionInfo | undefined)[];
}

export interface ChainStep {
  caller: FunctionInfo;
  site: CallSite;
}

export interface Reached {
  fn: FunctionInfo;
  /** The entry (or, with no entries, the function itself) this function is reached from. */
  root: FunctionInfo;
  /** Call sites from the root down to this function, outermost first; empty for the root. */
  chain: ChainStep[];
}

export interface Reach {
  /** Every reached function of the program, keyed by functionKey. */
  reached: Map<string, Reached>;
  roots: FunctionInfo[];
  /** True when the roots come from entries rather than "every function of this file". */
  fromEntries: boolean;
  isSkipped(fn: FunctionInfo): boolean;
}

// The rules look functions up by key many times per analysis; a key built once per function
// (and rebuilt only if the function moved or was renamed in place) is hashed once, not per lookup.
const keys = new WeakMap<FunctionInfo, { file: string; name: string; line: number; key: string }>();

export function functionKey(fn: FunctionInfo): string {
  const known = keys.get(fn);
  const line = fn.range.start.line;
  if (known && known.line === line && known.name === fn.name && known.file === fn.file) return known.key;
  const key = `${fn.file}\u0000${fn.name}\u0000${line}`;
  keys.set(fn, { file: fn.file, name: fn.name, line, key });
  return key;
}

function annotated(summaries: Iterable<FileSummary>, kind: 'entry' | 'skip'): Set<string> {
  const names = new Set<string>();
  for (const s of summaries)
    for (const a of s.annotations) if (a.kind === kind && a.functionName) names.add(`${s.file}\u0000${a.functionName}`);
  return names;
}

/** The roots of a reach and what decides them, before any call is followed. */
export interface ReachRoots {
  roots: FunctionInfo[];
  fromEntries: boolean;
  isSkipped(fn: FunctionInfo): boolean;
  /** The skip and entry marks and options the roots and the walk read, as one comparable string. */
  marks: string;
}

export function reachRoots(file: string, summaries: Map<string, FileSummary>, options: Pick<AnalyzeOptions, 'entries' | 'discoveredEntries'>): ReachRoots {
  const skipped = annotated(summaries.values(), 'skip');
  const entryNames = annotated(summaries.values(), 'entry');
  const isSkipped = (fn: FunctionInfo) => skipped.size > 0 && skipped.has(`${fn.file}\u0000${fn.name}`);
  const wanted = new Set(options.entries);
  const roots: FunctionInfo[] = [];
  if (entryNames.size > 0 || wanted.size > 0)
    for (const s of summaries.values())
      for (const fn of s.functions)
        if ((entryNames.has(`${s.file}\u0000${fn.name}`) || wanted.has(fn.name)) && !isSkipped(fn)) roots.push(fn);
  // Entries found in the code (receive loops, callbacks) stand in when none is declared.
  if (roots.length === 0)
    for (const found of options.discoveredEntries ?? []) {
      const fn = summaries.get(found.file)?.functions.find((f) => f.name === found.name);
      if (fn && !isSkipped(fn) && !roots.includes(fn)) roots.push(fn);
    }
  const fromEntries = roots.length > 0;
  if (!fromEntries) roots.push(...(summaries.get(file)?.functions ?? []).filter((fn) => !isSkipped(fn)));
  const marks = JSON.stringify([file, [...skipped], [...entryNames], options.entries, options.discoveredEntries ?? []]);
  return { roots, fromEntries, isSkipped, marks };
}

export function reachFrom({ roots, fromEntries, isSkipped }: ReachRoots, resolver: CalleeResolver, check: () => void = () => {}): Reach {
  const reached = new Map<string, Reached>();
  // Breadth-first so each function keeps its shortest chain from an entry.
  const queue: Reached[] = [];
  for (const root of roots) {
    const r = { fn: root, root, chain: [] };
    if (!reached.has(functionKey(root))) {
      reached.set(functionKey(root), r);
      queue.push(r);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    if (i % 256 === 0) check();
    const { fn, root, chain } = queue[i];
    for (const site of fn.calls) {
      if (!site.callee) continue;
      const callee = resolver.resolve(fn.file, site.callee);
      if (!callee || isSkipped(callee)) continue;
      const key = functionKey(callee);
      if (reached.has(key)) continue;
      const next = { fn: callee, root, chain: [...chain, { caller: fn, site }] };
      reached.set(key, next);
      queue.push(next);
    }
  }
  return { reached, roots, fromEntries, isSkipped };
}

/** One entry per call site on the chain: "handle_get is called from dispatch here". */
export function relatedForChain(chain: ChainStep[]): RelatedInformation[] {
  return chain.map((step) => ({
    location: { file: step.caller.file, range: step.site.range },
    message: `${step.site.callee ?? step.site.calleeText} is called from ${step.caller.name} here`,
  }));
}
