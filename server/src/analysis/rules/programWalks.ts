// The reach from the roots, the deepest stack chain of each root and the program-size estimates
// walk the whole call graph below the entries, which costs what the program holds. After an edit
// that leaves the reach's inputs alone (the same roots, skip and entry marks, call graph lineage
// and type table, and every reached function that is a new object calling the same functions of
// the program in the same order from the same line), the reach takes the same steps as before:
// it is carried over by graph position, pointed at the new objects, instead of walked again. The
// other two walks follow the same steps but read more of each function: the stack walk its frame
// size, the size estimate its line count (and the plans, compared apart). Each is carried over
// when what it reads of the changed functions is the same too, and walked again otherwise — a
// declaration typed into a function changes its frame, not whom it calls.
import type { CallSite, FunctionInfo } from '../model';
import type { CallGraph } from '../callGraph';
import type { ConstantSource } from './constEval';
import { functionKey, type Reach, type Reached, type ReachRoots } from './reach';
import type { SizePlan } from './size';
import { frameOf, type Deepest, type StackPath } from './stack';
import { affectedBy, startRecord, type WalkRecord } from './walkReuse';

/** What one file's latest analysis walked, by graph position, and what the walks read. */
export interface KeptWalks {
  lineage: object;
  types: object;
  marks: string;
  fromEntries: boolean;
  rootPositions: string;
  reach: Reach;
  /** The graph position of each reached function, in the order of reach.reached. */
  positions: number[];
  stack: { total: number; path: number[] }[];
  /** Size plans of the file's checked functions, and the estimates made from them (by root index). */
  plans: Map<string, SizePlan>;
  estimates: Map<number, number>;
  /** What the stack and size walks let the next ones reuse below the functions that change (walkReuse.ts). */
  stackRecord: WalkRecord<Deepest>;
  sizeRecord: WalkRecord<number>;
}

export interface WalkInputs {
  graph: CallGraph;
  types: object;
  roots: ReachRoots;
  constants: ConstantSource;
}

function rootPositions(graph: CallGraph, roots: FunctionInfo[]): string {
  return roots.map((fn) => graph.positionOf(fn) ?? -1).join();
}

function lineCount(fn: FunctionInfo): number {
  return fn.range.end.line - fn.range.start.line;
}

/**
 * The call sites of `fn` that reach a function of the program, in order: every walk follows these
 * and no other (a call to libc, a macro or a name being typed leads nowhere). In one lineage a
 * name resolves to the same position in every graph, so equal callee names mean equal steps.
 */
function walkedSites(fn: FunctionInfo, graph: CallGraph): CallSite[] {
  let byFunction = walkedSitesByLineage.get(graph.lineage);
  if (!byFunction) walkedSitesByLineage.set(graph.lineage, (byFunction = new WeakMap()));
  let sites = byFunction.get(fn);
  if (!sites) byFunction.set(fn, (sites = fn.calls.filter((site) => site.callee !== undefined && graph.resolve(fn.file, site.callee) !== undefined)));
  return sites;
}

/**
 * walkedSites per lineage (whose graphs resolve every name alike) and FunctionInfo (whose calls
 * never change): after an edit near the top of the reach, every function below it has its chain
 * rebuilt, and nearly all of them are the objects whose sites were filtered last time.
 */
const walkedSitesByLineage = new WeakMap<object, WeakMap<FunctionInfo, CallSite[]>>();

/**
 * Whether `now`, the function at `was`'s graph position, leads the reach the same way `was` did:
 * the same function (its key holds the start line) calling the same functions of the program.
 */
function reachesAlike(was: FunctionInfo, now: FunctionInfo, graph: CallGraph): boolean {
  if (now.file !== was.file || now.name !== was.name || now.range.start.line !== was.range.start.line) return false;
  const before = walkedSites(was, graph);
  const after = walkedSites(now, graph);
  return after.length === before.length && after.every((site, i) => site.callee === before[i].callee);
}

/** The previous reach over the current objects, and which of the other walks may be carried over too. */
export interface ReusedWalks {
  reach: Reach;
  changed: FunctionInfo[];
  /** Every changed function has the frame size it had: the deepest stack chains are the same. */
  stack: boolean;
  /** Every changed function has the line count it had (the estimate of a function without a plan). */
  size: boolean;
}

/** The reach of `previous`, rebuilt over the current objects, when the reach's inputs are the same; else undefined. */
export function reuseReach(previous: KeptWalks | undefined, inputs: WalkInputs): ReusedWalks | undefined {
  const { graph, roots } = inputs;
  if (!previous || previous.lineage !== graph.lineage || previous.types !== inputs.types || previous.marks !== roots.marks) return undefined;
  if (previous.fromEntries !== roots.fromEntries || previous.rootPositions !== rootPositions(graph, roots.roots)) return undefined;
  const current: FunctionInfo[] = [];
  const changed: FunctionInfo[] = [];
  let stack = true;
  let size = true;
  let at = 0;
  for (const entry of previous.reach.reached.values()) {
    const fn = graph.functionAt(previous.positions[at++]);
    if (!fn) return undefined;
    if (fn !== entry.fn) {
      if (!reachesAlike(entry.fn, fn, graph)) return undefined;
      if (stack && frameOf(fn, inputs.constants).bytes !== frameOf(entry.fn, inputs.constants).bytes) stack = false;
      if (lineCount(fn) !== lineCount(entry.fn)) size = false;
      changed.push(fn);
    }
    current.push(fn);
  }
  // Breadth-first order: a function's parent (its chain's last caller) is rebuilt before it.
  const reached = new Map<string, Reached>();
  const sitesOf = (fn: FunctionInfo) => walkedSites(fn, graph);
  at = 0;
  // forEach, not for-of: no [key, entry] pair made per reached function on every edit.
  previous.reach.reached.forEach((entry, key) => {
    const fn = current[at++];
    const last = entry.chain[entry.chain.length - 1];
    const parentKey = last && functionKey(last.caller);
    const parent = last ? reached.get(parentKey)! : undefined;
    if (fn === entry.fn && parent === (last ? previous.reach.reached.get(parentKey) : undefined)) {
      reached.set(key, entry);
      return;
    }
    if (!parent) {
      reached.set(key, { fn, root: fn, chain: [] });
      return;
    }
    // The same step among the walked sites (a site leading nowhere may have come or gone before it).
    const site = sitesOf(parent.fn)[sitesOf(last.caller).indexOf(last.site)];
    reached.set(key, { fn, root: parent.root, chain: [...parent.chain, { caller: parent.fn, site }] });
  });
  return { reach: { reached, roots: roots.roots, fromEntries: roots.fromEntries, isSkipped: roots.isSkipped }, changed, stack, size };
}

/** The previous analysis's deepest chains over the current objects (valid where reuseReach said `stack`). */
export function reusedStack(previous: KeptWalks, graph: CallGraph, roots: FunctionInfo[]): StackPath[] {
  return previous.stack.map((kept, index) => ({ root: roots[index], total: kept.total, path: kept.path.map((position) => graph.functionAt(position)!) }));
}

function samePlan(a: SizePlan | undefined, b: SizePlan): boolean {
  return a !== undefined && (a === b || (a.own === b.own && a.calls.length === b.calls.length && a.calls.every((c, i) => c.callee === b.calls[i].callee && c.times === b.calls[i].times)));
}

/**
 * Whether a walk through a function of `file` with plan `a` takes the steps it takes with `b`:
 * the same calls of functions of the program, in order (a call of anything else, libc or a name
 * being typed, counts as instructions of its own: a value, not a step).
 */
function sameSteps(graph: CallGraph, file: string, a: SizePlan | undefined, b: SizePlan | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === b) return true;
  const steps = (plan: SizePlan) => plan.calls.filter((call) => graph.resolve(file, call.callee) !== undefined);
  const before = steps(a);
  const after = steps(b);
  return before.length === after.length && before.every((call, i) => call.callee === after[i].callee);
}

/**
 * The records the stack and size walks start from: the previous ones without the functions whose
 * values may have changed — those now another object at their graph position (which holds every
 * function reuseReach found changed) or, for the size, with another plan — and every function
 * above them. Empty records when the reach was walked again (another lineage, other roots...).
 * The size walk also keeps the values that depended on its order when it takes the same steps
 * (walkReuse.ts, sameSteps): every changed function calls the same functions of the program, in
 * order. Plans are of functions of `file`.
 */
export function walkRecords(graph: CallGraph, file: string, previous: KeptWalks | undefined, plans: Map<string, SizePlan>): { stack: WalkRecord<Deepest>; size: WalkRecord<number> } {
  if (!previous) return { stack: startRecord<Deepest>(undefined), size: startRecord<number>(undefined) };
  let stepsAlike = true;
  const replaced = (record: WalkRecord<unknown>) => {
    const keys: string[] = [];
    record.objects.forEach((fn, key) => {
      const position = graph.positionOf(fn);
      const now = position === undefined ? undefined : graph.functionAt(position);
      if (now === fn) return;
      keys.push(key);
      // A function of this file is walked by its plan (compared below), any other by its calls.
      if (record === previous.sizeRecord && !plans.has(key) && (!now || !reachesAlike(fn, now, graph))) stepsAlike = false;
    });
    return keys;
  };
  const replanned: string[] = [];
  for (const key of new Set([...previous.plans.keys(), ...plans.keys()])) {
    const before = previous.plans.get(key);
    const now = plans.get(key);
    if (samePlans(before, now)) continue;
    replanned.push(key);
    if (stepsAlike && !sameSteps(graph, file, before, now)) stepsAlike = false;
  }
  const stackAffected = affectedBy(replaced(previous.stackRecord), previous.stackRecord.callees);
  const sizeAffected = affectedBy([...replaced(previous.sizeRecord), ...replanned], previous.sizeRecord.callees);
  return {
    // The stack walk follows the calls of the summaries, which reuseReach found alike in every
    // replaced function (else there is no previous walk): it always takes the same steps.
    stack: startRecord({ previous: previous.stackRecord, affected: stackAffected, sameSteps: true }),
    size: startRecord({ previous: previous.sizeRecord, affected: sizeAffected, sameSteps: stepsAlike }),
  };
}

function samePlans(a: SizePlan | undefined, b: SizePlan | undefined): boolean {
  return b === undefined ? a === undefined : samePlan(a, b);
}

/** The previous estimates when the plans they were made from are the same (valid where reuseReach said `size`). */
export function reusedEstimates(previous: KeptWalks, plans: Map<string, SizePlan>): Map<number, number> {
  if (previous.plans.size !== plans.size) return new Map();
  for (const [key, plan] of plans) if (!samePlan(previous.plans.get(key), plan)) return new Map();
  return new Map(previous.estimates);
}

/** What the next analysis may carry over; `previous` when the reach was carried over from it, `stackCarried` when the stack was too. */
export function keptWalks(
  inputs: WalkInputs,
  reach: Reach,
  stack: StackPath[],
  plans: Map<string, SizePlan>,
  estimates: Map<number, number>,
  records: { stack: WalkRecord<Deepest>; size: WalkRecord<number> },
  previous?: KeptWalks,
  stackCarried = false,
): KeptWalks {
  const { graph } = inputs;
  return {
    lineage: graph.lineage,
    types: inputs.types,
    marks: inputs.roots.marks,
    fromEntries: reach.fromEntries,
    rootPositions: previous?.rootPositions ?? rootPositions(graph, reach.roots),
    reach,
    positions: previous?.positions ?? [...reach.reached.values()].map((r) => graph.positionOf(r.fn)!),
    stack: previous && stackCarried ? previous.stack : stack.map((s) => ({ total: s.total, path: s.path.map((fn) => graph.positionOf(fn)!) })),
    plans,
    estimates,
    stackRecord: records.stack,
    sizeRecord: records.size,
  };
}
