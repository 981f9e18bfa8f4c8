// The call graph over every known file, built from FileSummary data alone (no syntax trees),
// so it can be rebuilt cheaply whenever one file's summary changes.
// Which definition a call reaches (the linker's and preprocessor's rules) is nameResolution.ts;
// this module keeps the edges both ways, reachability and cycles, and after an edit rebuilds only
// what the changed summaries touch (reuse).
import type { CallSite, FileSummary, FunctionInfo, Position } from './model';
import { cycleGroups, cyclesUnchanged, type ChangedCalls } from './callCycles';
import { FunctionIndex } from './functionIndex';
import { NameResolution } from './nameResolution';

export interface CallChainStep {
  caller: FunctionInfo;
  site: CallSite;
}

export interface ResolvedCall {
  site: CallSite;
  /** Undefined for indirect calls and for functions defined in no known file (libc, …). */
  target?: FunctionInfo;
}

export interface IncomingCall {
  site: CallSite;
  caller: FunctionInfo;
}

function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/** Code-unit order, not locale order, so results do not depend on the machine's locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFunctions(a: FunctionInfo, b: FunctionInfo): number {
  return compareStrings(a.file, b.file) || comparePositions(a.range.start, b.range.start) || compareStrings(a.name, b.name);
}

/** What resolving a name reads from one summary; memoised per summary object, which never changes. */
const resolutionInputsMemo = new WeakMap<FileSummary, string>();
function resolutionInputsOf(summary: FileSummary): string {
  let inputs = resolutionInputsMemo.get(summary);
  if (inputs === undefined) {
    const functions = [...summary.functions].sort(compareFunctions).map((fn) => `${fn.isStatic ? 's' : 'e'} ${fn.name}`);
    const macros = summary.defines.filter((d) => d.params !== undefined).map((d) => d.name);
    inputs = JSON.stringify([summary.file, functions, summary.includes, macros]);
    resolutionInputsMemo.set(summary, inputs);
  }
  return inputs;
}

/**
 * Per name resolution (shared by the graphs of one lineage, which resolve every name to the same
 * position), per FunctionInfo (whose calls never change), the position each of its call sites
 * resolves to, -1 for none: the walks below the entries resolve every site of every function
 * they visit, on every edit, and most of those functions are the same objects as last time.
 */
const calleePositions = new WeakMap<NameResolution, WeakMap<FunctionInfo, Int32Array>>();

export class CallGraph {
  private all: FunctionInfo[] = [];
  private indexOf = FunctionIndex.of(new Map());
  /** For FunctionInfo objects from another build of the same summaries: file + name. */
  private byFileAndName = new Map<string, number>();
  /** Answers in positions of `all`: a reuse keeps every function's position, so it shares this. */
  private names!: NameResolution;
  private outgoing: ResolvedCall[][] = [];
  private incoming: IncomingCall[][] = [];
  private cycles: FunctionInfo[][] | undefined;
  private recursive: Set<number> | undefined;
  /** The cycles as indices into `all`, kept by a reuse that leaves every edge in place. */
  private cycleIndices: number[][] | undefined;
  /** The summaries built from, in order, and what name resolution read from each (see reuse). */
  private readonly sources: FileSummary[];
  private readonly resolutionInputs: string[];
  /**
   * Shared by every graph reused from this one (see reuse): graphs with the same lineage put each
   * function at the same position and resolve every name from every file to the same position.
   */
  lineage: object = {};

  private constructor(summaries: FileSummary[], previous?: CallGraph) {
    this.sources = summaries;
    this.resolutionInputs = summaries.map(resolutionInputsOf);
    if (previous && this.reuse(previous)) return;
    const files = [...new Set(summaries.map((s) => s.file))].sort(compareStrings);
    this.all = summaries.flatMap((s) => s.functions).sort(compareFunctions);
    this.names = new NameResolution(summaries, files, this.all);
    this.indexFunctions();
    this.outgoing = this.all.map((fn) => this.resolveCalls(fn));
    this.incoming = this.all.map(() => []);
    this.outgoing.forEach((calls, callerIndex) => {
      for (const call of calls) {
        if (call.target) this.incoming[this.indexOf.get(call.target)!].push({ site: call.site, caller: this.all[callerIndex] });
      }
    });
  }

  /**
   * `previous`, a graph built from nearly the same summaries, lets the build redo only the files
   * whose summary is another object (see reuse); the result is the graph a full build gives.
   */
  static build(summaries: Iterable<FileSummary>, previous?: CallGraph): CallGraph {
    const list = [...summaries];
    // The very summaries of `previous`, in its order (a document opened as indexed takes the
    // index's summary, over which the graph was built ahead): it is this graph, read-only but for
    // what it fills lazily from those same summaries.
    if (previous && previous.sources.length === list.length && list.every((summary, i) => summary === previous.sources[i])) return previous;
    return new CallGraph(list, previous);
  }

  /**
   * Builds this graph from `previous` when the same files come in the same order and every file
   * whose summary changed still reads the same to name resolution (functions' names, static-ness
   * and order; includes; function-like macros). Then every call resolves to the same file and
   * name as before, each function keeps its index, and only the calls of functions that are new
   * objects are resolved again; other calls into a replaced function are pointed at its new object.
   * Returns false, having set nothing, when that does not hold.
   */
  private reuse(previous: CallGraph): boolean {
    const count = this.sources.length;
    if (previous.sources.length !== count || new Set(this.sources.map((s) => s.file)).size !== count) return false;
    const changed = new Set<string>();
    for (let i = 0; i < count; i++) {
      const summary = this.sources[i];
      if (summary.file !== previous.sources[i].file || this.resolutionInputs[i] !== previous.resolutionInputs[i]) return false;
      if (summary !== previous.sources[i]) changed.add(summary.file);
    }
    const all = previous.all.slice();
    const redoneIndices: number[] = [];
    for (const summary of this.sources) {
      if (!changed.has(summary.file)) continue;
      const fresh = [...summary.functions].sort(compareFunctions);
      let at = previous.byFileAndName.get(`${summary.file}\0${fresh[0]?.name}`);
      if (at === undefined) continue;
      while (at > 0 && all[at - 1].file === summary.file) at--;
      fresh.forEach((fn, offset) => {
        const index = at! + offset;
        all[index] = fn;
        // A changed file's summary may still hold some of the previous FunctionInfo objects (the
        // summary memo lends them when a definition is untouched): their calls resolve as before.
        if (fn !== previous.all[index]) redoneIndices.push(index);
      });
    }
    this.all = all;
    this.lineage = previous.lineage;
    this.byFileAndName = previous.byFileAndName;
    // All deletions first: a lent object may have moved to another redone position.
    this.indexOf = previous.indexOf.with(
      redoneIndices.map((index) => previous.all[index]),
      redoneIndices.map((index) => [all[index], index]),
    );
    // Read (or filled lazily) from the name-resolution inputs alone, which are the same, and
    // holding positions, which are the same too.
    this.names = previous.names;

    const redone = new Set(redoneIndices);
    const targetsOf = (list: ResolvedCall[], indexOf: FunctionIndex) => list.flatMap((c) => (c.target ? [indexOf.get(c.target)!] : []));
    const changedCalls: ChangedCalls[] = [];
    this.outgoing = previous.outgoing.slice();
    for (const index of redoneIndices) {
      const fresh = this.resolveCalls(all[index]);
      const before = targetsOf(previous.outgoing[index], previous.indexOf);
      const after = targetsOf(fresh, this.indexOf);
      if (after.join() !== before.join()) changedCalls.push({ caller: index, before, after });
      this.outgoing[index] = fresh;
    }
    // Calls into a replaced function, from a function that was not redone, are pointed at its new object.
    const stale = (call: ResolvedCall) => call.target !== undefined && redone.has(previous.indexOf.get(call.target)!);
    const remapped = new Set<number>();
    for (const index of redoneIndices)
      for (const { caller } of previous.incoming[index]) {
        const callerIndex = previous.indexOf.get(caller)!;
        if (redone.has(callerIndex) || remapped.has(callerIndex)) continue;
        remapped.add(callerIndex);
        this.outgoing[callerIndex] = previous.outgoing[callerIndex].map((call) => (stale(call) ? { site: call.site, target: all[previous.indexOf.get(call.target!)!] } : call));
      }

    // A function's callers change only where a redone function called it, before or now: there
    // the kept callers are merged, in caller order, with the redone functions' calls.
    const added = new Map<number, IncomingCall[]>();
    for (const index of redoneIndices) {
      for (const target of targetsOf(previous.outgoing[index], previous.indexOf)) if (!added.has(target)) added.set(target, []);
      for (const call of this.outgoing[index]) {
        if (!call.target) continue;
        const target = this.indexOf.get(call.target)!;
        const list = added.get(target) ?? [];
        list.push({ site: call.site, caller: all[index] });
        added.set(target, list);
      }
    }
    this.incoming = previous.incoming.slice();
    for (const [index, calls] of added) {
      const kept = previous.incoming[index].filter((c) => !redone.has(previous.indexOf.get(c.caller)!));
      const merged: IncomingCall[] = [];
      let k = 0;
      for (const call of calls) {
        const at = this.indexOf.get(call.caller)!;
        while (k < kept.length && previous.indexOf.get(kept[k].caller)! < at) merged.push(kept[k++]);
        merged.push(call);
      }
      this.incoming[index] = merged.concat(kept.slice(k));
    }
    // Functions keep their indices, so when the changed calls close and open no cycle (most edits
    // change none, or a call in a function on no cycle) the cycles are the same index groups.
    if (previous.cycleIndices && (changedCalls.length === 0 || cyclesUnchanged(previous.cycleIndices, changedCalls, (index) => this.successors(index)))) {
      this.setCycles(previous.cycleIndices);
    }
    return true;
  }

  private indexFunctions(): void {
    const positions = new Map<FunctionInfo, number>();
    this.indexOf = FunctionIndex.of(positions);
    this.all.forEach((fn, index) => {
      positions.set(fn, index);
      const fileKey = `${fn.file}\0${fn.name}`;
      if (!this.byFileAndName.has(fileKey)) this.byFileAndName.set(fileKey, index);
    });
  }

  private resolveCalls(fn: FunctionInfo): ResolvedCall[] {
    return [...fn.calls]
      .sort((a, b) => comparePositions(a.range.start, b.range.start))
      .map((site) => {
        const target = site.callee === undefined ? undefined : this.resolve(fn.file, site.callee);
        return target ? { site, target } : { site };
      });
  }

  /** Every defined function, ordered by file, then position. */
  functions(): FunctionInfo[] {
    return [...this.all];
  }

  /** Where `fn` (or, for an object of another build, the function of its file and name) is in functions(). */
  positionOf(fn: FunctionInfo): number | undefined {
    return this.find(fn);
  }

  /** The function at `position` of functions(). */
  functionAt(position: number): FunctionInfo | undefined {
    return this.all[position];
  }

  /** `file::name` for static functions (each file has its own), `name` for external ones. */
  key(fn: FunctionInfo): string {
    return fn.isStatic ? `${fn.file}::${fn.name}` : fn.name;
  }

  /** The function a call to `name` from `fromFile` reaches, or undefined if none is known. */
  resolve(fromFile: string, name: string): FunctionInfo | undefined {
    const target = this.names.positionOf(fromFile, name);
    return target < 0 ? undefined : this.all[target];
  }

  /** What resolve gives for each of `fn.calls`, in the order of fn.calls (undefined where the callee is none or unknown). */
  calleesOf(fn: FunctionInfo): (FunctionInfo | undefined)[] {
    let byFunction = calleePositions.get(this.names);
    if (!byFunction) calleePositions.set(this.names, (byFunction = new WeakMap()));
    let positions = byFunction.get(fn);
    // Plain loops: TypedArray.from and Array.from with a mapping function take the generic
    // iterator path, which cost microseconds per call site when the walks meet a function first.
    if (!positions) {
      const { calls } = fn;
      positions = new Int32Array(calls.length);
      for (let at = 0; at < calls.length; at++) {
        const callee = calls[at].callee;
        positions[at] = callee ? this.names.positionOf(fn.file, callee) : -1;
      }
      byFunction.set(fn, positions);
    }
    const callees = new Array<FunctionInfo | undefined>(positions.length);
    for (let at = 0; at < positions.length; at++) callees[at] = positions[at] < 0 ? undefined : this.all[positions[at]];
    return callees;
  }

  /** Calls made by `fn`, in source order, with their targets when resolved. */
  callees(fn: FunctionInfo): ResolvedCall[] {
    const index = this.find(fn);
    return index === undefined ? [] : [...this.outgoing[index]];
  }

  /** Calls that reach `fn`, ordered by calling function, then position. */
  callers(fn: FunctionInfo): IncomingCall[] {
    const index = this.find(fn);
    return index === undefined ? [] : [...this.incoming[index]];
  }

  /**
   * Every function reachable from the roots, each with a shortest chain of call sites from
   * some root (empty for a root). Ties are broken by root order, then call-site order, so the
   * chains are stable. Iteration order of the map is breadth-first.
   */
  reachableFrom(roots: FunctionInfo[]): Map<FunctionInfo, CallChainStep[]> {
    const parent = new Map<number, { from: number; site: CallSite } | null>();
    const queue: number[] = [];
    for (const root of roots) {
      const index = this.find(root);
      if (index !== undefined && !parent.has(index)) {
        parent.set(index, null);
        queue.push(index);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const from = queue[head];
      for (const call of this.outgoing[from]) {
        if (!call.target) continue;
        const to = this.indexOf.get(call.target)!;
        if (parent.has(to)) continue;
        parent.set(to, { from, site: call.site });
        queue.push(to);
      }
    }
    // Queue order is breadth-first, so a function's parent chain is complete before its own.
    const chains = new Map<number, CallChainStep[]>();
    const result = new Map<FunctionInfo, CallChainStep[]>();
    for (const index of queue) {
      const step = parent.get(index)!;
      const chain = step ? [...chains.get(step.from)!, { caller: this.all[step.from], site: step.site }] : [];
      chains.set(index, chain);
      result.set(this.all[index], chain);
    }
    return result;
  }

  /**
   * Groups of functions that call each other in a cycle (strongly connected components with a
   * cycle, self-recursion included). Members are in function order; groups by first member.
   */
  recursiveCycles(): FunctionInfo[][] {
    if (!this.cycles) this.findCycles();
    return this.cycles!.map((group) => [...group]);
  }

  isRecursive(fn: FunctionInfo): boolean {
    if (!this.recursive) this.findCycles();
    const index = this.find(fn);
    return index !== undefined && this.recursive!.has(index);
  }

  private find(fn: FunctionInfo): number | undefined {
    return this.indexOf.get(fn) ?? this.byFileAndName.get(`${fn.file}\0${fn.name}`);
  }

  private findCycles(): void {
    this.setCycles(cycleGroups(this.all.map((_, index) => this.successors(index))));
  }

  /** Indices of the functions `index` calls, in call order. */
  private successors(index: number): number[] {
    const targets: number[] = [];
    for (const call of this.outgoing[index]) if (call.target) targets.push(this.indexOf.get(call.target)!);
    return targets;
  }

  private setCycles(groups: number[][]): void {
    this.cycleIndices = groups;
    this.cycles = groups.map((group) => group.map((i) => this.all[i]));
    this.recursive = new Set(groups.flat());
  }
}
