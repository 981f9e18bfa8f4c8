// Every fact about the program that the slices of an entry read, outside the syntax of the
// functions they walk: which functions a name denotes (summary and definition), where a call
// resolves, what a constant expression evaluates to, which names are globals. The slices read
// them only through FileFacts, which records each answer, so that a later analysis can ask the
// same questions again (sameAnswers) and reuse the slices when every answer is unchanged.
import type { SyntaxNode, Tree } from '../syntax';
import type { FileSummary, FunctionInfo, Range, VariableInfo } from '../model';
import type { ProgramFacts } from '../analyze';
import { definitionOf } from './fileIndex';
import type { KeptPlans } from './workPlan';

/** The answers one computation received, by question. */
export interface RecordedReads {
  functions: Map<string, FunctionInfo | undefined>;
  /** All functions of a name (the shading of called functions takes each one's body). */
  allNamed: Map<string, FunctionInfo[]>;
  definitions: Map<string, { node: SyntaxNode; row: number; column: number } | undefined>;
  resolvesHere: Map<string, boolean>;
  evaluations: Map<string, number | undefined>;
  globals: Map<string, boolean>;
  constGlobals: Map<string, boolean>;
  /** What a called name is in this file: 'body' (a definition to walk), 'summary' (a summary only) or 'none' (a library call). */
  defines: Map<string, CallTarget>;
}

export type CallTarget = 'body' | 'summary' | 'none';

/** What FileFacts.known answers for a question not recorded yet. */
const UNKNOWN: unique symbol = Symbol('unknown');
/** The functions of a name the summary does not have (shared: an answer is never changed). */
const NO_FUNCTIONS: FunctionInfo[] = [];

type ValueOf<M> = M extends Map<string, infer V> ? V : never;

/** The answers recorded while one result was computed. */
export interface FactsScope {
  reads: RecordedReads;
}

export function emptyReads(): RecordedReads {
  return {
    functions: new Map(),
    allNamed: new Map(),
    definitions: new Map(),
    resolvesHere: new Map(),
    evaluations: new Map(),
    globals: new Map(),
    constGlobals: new Map(),
    defines: new Map(),
  };
}

const functionsByName = new WeakMap<FileSummary, Map<string, FunctionInfo[]>>();
/** Names of globals: for the other files only non-static ones count, for the analysed file all. */
interface GlobalsIndex {
  file: string;
  others: FileSummary[];
  /** Per name: whether any counted declaration is const. */
  ofOthers: Map<string, boolean>;
}

/** The last index built: while the other files' summaries are the same objects, the next analysis reuses it. */
let lastGlobals: GlobalsIndex | undefined;

function globalsOfOthers(file: string, summaries: Map<string, FileSummary>): Map<string, boolean> {
  const others = [...summaries.values()].filter((s) => s.file !== file);
  const last = lastGlobals;
  if (last && last.file === file && last.others.length === others.length && last.others.every((s, i) => s === others[i])) return last.ofOthers;
  const ofOthers = new Map<string, boolean>();
  for (const summary of others) for (const g of summary.globals) if (!g.isStatic) ofOthers.set(g.name, !!ofOthers.get(g.name) || !!g.isConst);
  lastGlobals = { file, others, ofOthers };
  return ofOthers;
}

function byName(summary: FileSummary | undefined): Map<string, FunctionInfo[]> {
  if (!summary) return new Map();
  let index = functionsByName.get(summary);
  if (!index) {
    index = new Map();
    for (const fn of summary.functions) {
      const list = index.get(fn.name);
      if (list) list.push(fn);
      else index.set(fn.name, [fn]);
    }
    functionsByName.set(summary, index);
  }
  return index;
}

export class FileFacts {
  readonly reads: RecordedReads = emptyReads();
  private readonly scopes: FactsScope[] = [];
  /** Per function, the work plans of the previous analysis of the file, to be reused after a check (workPlan.ts). */
  readonly previousPlans: ReadonlyMap<string, KeptPlans>;
  /** Per function, the work plans this computation made or reused, with the answers they depend on. */
  readonly usedPlans = new Map<string, KeptPlans>();
  private readonly functions: Map<string, FunctionInfo[]>;
  private globalsCache?: { ofOthers: Map<string, boolean>; own: Map<string, boolean> };

  constructor(
    readonly file: string,
    readonly tree: Tree,
    readonly program: ProgramFacts,
    previousPlans?: ReadonlyMap<string, KeptPlans>,
    /** Whether to record the answers (in `reads` and the scopes); a check that keeps nothing asks each question once anyway. */
    private readonly recording = true,
  ) {
    this.functions = byName(program.summaries.get(file));
    this.previousPlans = previousPlans ?? new Map();
  }

  // Each question looks its answer up (known) or records the one it works out (record): no
  // closure per question, as the checks ask a few hundred of them on every edit.

  /** The first function of the file's summary with this name (summary.functions.find). */
  functionNamed(name: string): FunctionInfo | undefined {
    const known = this.known('functions', name);
    return known !== UNKNOWN ? known : this.record('functions', name, this.functions.get(name)?.[0]);
  }

  /** Every function of the file's summary with this name, in summary order. */
  functionsNamed(name: string): FunctionInfo[] {
    const known = this.known('allNamed', name);
    return known !== UNKNOWN ? known : this.record('allNamed', name, this.functions.get(name) ?? NO_FUNCTIONS);
  }

  /** The first definition of `name` in the file's tree. */
  definition(name: string): SyntaxNode | undefined {
    const known = this.known('definitions', name);
    if (known !== UNKNOWN) return known?.node;
    const node = definitionOf(this.tree, name);
    // Only a recorded answer needs its position (sameAnswers reads it from the node).
    if (this.recording) this.record('definitions', name, node ? { node, ...node.startPosition } : undefined);
    return node;
  }

  /** Whether a call of `callee` from this file resolves to a function of this file. */
  resolvesHere(callee: string): boolean {
    const known = this.known('resolvesHere', callee);
    return known !== UNKNOWN ? known : this.record('resolvesHere', callee, this.program.callGraph.resolve(this.file, callee)?.file === this.file);
  }

  /**
   * What a call of `name` reaches: a definition (functionNamed and a body), a summary only, or
   * nothing of this file. Asked as one question, so that a caller's work plan depends on what
   * its callees are, not on their bodies.
   */
  callTarget(name: string): CallTarget {
    const known = this.known('defines', name);
    if (known !== UNKNOWN) return known;
    const target = !this.functions.get(name)?.[0] ? 'none' : definitionOf(this.tree, name)?.childForFieldName('body') ? 'body' : 'summary';
    return this.record('defines', name, target);
  }

  evaluate(text: string): number | undefined {
    const known = this.known('evaluations', text);
    return known !== UNKNOWN ? known : this.record('evaluations', text, this.program.types.evaluate(text));
  }

  /** A global of any file (a static one only of this file): its reads and writes are state. */
  isGlobal(name: string): boolean {
    const known = this.known('globals', name);
    return known !== UNKNOWN ? known : this.record('globals', name, this.globalDeclarations(name) !== undefined);
  }

  /** A const global, or `function::name` for a static const local of a function of this file. */
  isConst(name: string): boolean {
    const known = this.known('constGlobals', name);
    if (known !== UNKNOWN) return known;
    const split = name.indexOf('::');
    const local = split < 0 ? undefined : name.slice(split + 2);
    const isConst = local === undefined ? !!this.globalDeclarations(name)?.isConst : this.functionsNamed(name.slice(0, split)).some((fn) => fn.locals.some((l) => l.isStatic && l.isConst && l.name === local));
    return this.record('constGlobals', name, isConst);
  }

  /**
   * Starts recording the answers given from now on separately too (nested scopes each get every
   * answer), for a result that may be kept on its own (a function's work, slices/work.ts).
   */
  beginScope(reads: RecordedReads = emptyReads()): FactsScope {
    const scope: FactsScope = { reads };
    this.scopes.push(scope);
    return scope;
  }

  endScope(scope: FactsScope): void {
    const at = this.scopes.lastIndexOf(scope);
    if (at >= 0) this.scopes.splice(at, 1);
  }

  /** The answer recorded for the question (given to every scope too), or UNKNOWN when not recorded yet. */
  private known<F extends keyof RecordedReads>(field: F, key: string): ValueOf<RecordedReads[F]> | typeof UNKNOWN {
    if (!this.recording) return UNKNOWN;
    const known = this.reads[field] as Map<string, ValueOf<RecordedReads[F]>>;
    if (!known.has(key)) return UNKNOWN;
    const value = known.get(key) as ValueOf<RecordedReads[F]>;
    for (const scope of this.scopes) (scope.reads[field] as Map<string, ValueOf<RecordedReads[F]>>).set(key, value);
    return value;
  }

  /** Records a worked-out answer (when recording), in `reads` and every scope, and returns it. */
  private record<F extends keyof RecordedReads>(field: F, key: string, value: ValueOf<RecordedReads[F]>): ValueOf<RecordedReads[F]> {
    if (!this.recording) return value;
    (this.reads[field] as Map<string, ValueOf<RecordedReads[F]>>).set(key, value);
    for (const scope of this.scopes) (scope.reads[field] as Map<string, ValueOf<RecordedReads[F]>>).set(key, value);
    return value;
  }

  /** Whether `name` is a global and whether any of its declarations is const; undefined when no global. */
  private globalDeclarations(name: string): { isConst: boolean } | undefined {
    if (!this.globalsCache) {
      const own = new Map<string, boolean>();
      for (const summary of this.program.summaries.values())
        if (summary.file === this.file) for (const g of summary.globals) own.set(g.name, !!own.get(g.name) || !!g.isConst);
      this.globalsCache = { ofOthers: globalsOfOthers(this.file, this.program.summaries), own };
    }
    const { ofOthers, own } = this.globalsCache;
    if (!ofOthers.has(name) && !own.has(name)) return undefined;
    return { isConst: !!ofOthers.get(name) || !!own.get(name) };
  }
}

export const sameRange = (a: Range, b: Range) =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

const sameVariables = (a: VariableInfo[], b: VariableInfo[]) =>
  a.length === b.length && a.every((v, i) => v.name === b[i].name && !!v.isStatic === !!b[i].isStatic && !!v.isConst === !!b[i].isConst);

/** Equal in every field the slices read: name, ranges, calls, and the names and storage of parameters and locals. */
function sameFunction(a: FunctionInfo | undefined, b: FunctionInfo | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.name === b.name &&
    sameRange(a.range, b.range) &&
    sameRange(a.bodyRange, b.bodyRange) &&
    sameRange(a.nameRange, b.nameRange) &&
    sameVariables(a.params, b.params) &&
    sameVariables(a.locals, b.locals) &&
    a.calls.length === b.calls.length &&
    a.calls.every((c, i) => c.callee === b.calls[i].callee && sameRange(c.range, b.calls[i].range))
  );
}

/** Whether `same` holds for every entry; forEach rather than for-of, which makes a [key, value] pair per entry. */
function everyEntry<V>(map: Map<string, V>, same: (value: V, key: string) => boolean): boolean {
  let all = true;
  map.forEach((value, key) => {
    if (all && !same(value, key)) all = false;
  });
  return all;
}

/**
 * Whether `facts` answer every question of `reads` as they did. A definition counts as the same
 * only when it is the same node (carried over by the reparse, so the same text and structure)
 * at the same line and column. With `refresh`, a function answered by an equal but other object
 * (a summary made again) is written into `reads` in its place, so that the next check finds the
 * same object; `reads` must then be dropped when the answer is false (it may be partly refreshed).
 */
export function sameAnswers(reads: RecordedReads, facts: FileFacts, refresh = false): boolean {
  return (
    everyEntry(reads.functions, (fn, name) => {
      const now = facts.functionNamed(name);
      if (fn === now) return true;
      if (!sameFunction(fn, now)) return false;
      if (refresh) reads.functions.set(name, now);
      return true;
    }) &&
    everyEntry(reads.allNamed, (all, name) => {
      const now = facts.functionsNamed(name);
      if (now === all) return true;
      if (now.length !== all.length || now.some((fn, i) => !sameFunction(fn, all[i]))) return false;
      if (refresh) reads.allNamed.set(name, now);
      return true;
    }) &&
    everyEntry(reads.definitions, (was, name) => {
      const node = facts.definition(name);
      if (!was || !node) return !was && !node;
      const { row, column } = node.startPosition;
      return node === was.node && row === was.row && column === was.column;
    }) &&
    everyEntry(reads.resolvesHere, (here, callee) => facts.resolvesHere(callee) === here) &&
    everyEntry(reads.evaluations, (value, text) => Object.is(facts.evaluate(text), value)) &&
    everyEntry(reads.globals, (global, name) => facts.isGlobal(name) === global) &&
    everyEntry(reads.constGlobals, (isConst, name) => facts.isConst(name) === isConst) &&
    everyEntry(reads.defines, (target, name) => facts.callTarget(name) === target)
  );
}
