// Static estimates of what a stretch of C does: BPF instructions, bytes copied, globals read
// and written, calls made. Called functions defined in the file are folded in (memoised,
// recursion cut), loops count at an assumed trip count. These are estimates for the cost model,
// not a compiler: docs/entries-and-slices.md says how each number is made.
// The code itself is walked into work plans (workPlan.ts: what a stretch does by itself, and the
// calls it makes), which are kept across analyses; here plans are combined with the callees'
// work, per computation. A function's combined work is never kept: where a recursion is cut
// depends on where it was entered from, and recombining is cheap next to walking the code.
import type { SyntaxNode, Tree } from '../syntax';
import type { FunctionInfo, Range } from '../model';
import type { FileFacts } from './facts';
import type { StateAccess, WorkEstimate } from './types';
import { ASSUMED_LIBRARY_CALL_INSNS, rangeKey, WorkPlanner, type WorkPlan } from './workPlan';

export { ASSUMED_COPY_BYTES, ASSUMED_LIBRARY_CALL_INSNS, ASSUMED_LOOP_TRIPS } from './workPlan';

export interface Work {
  statements: number;
  instructions: number;
  bytesCopied: number;
  libraryCalls: string[];
  /** Defined functions called, in order of first call. */
  calls: string[];
  reads: Set<string>;
  writes: Set<string>;
}

const emptyWork = (): Work => ({ statements: 0, instructions: 0, bytesCopied: 0, libraryCalls: [], calls: [], reads: new Set(), writes: new Set() });

export function addWork(into: Work, other: Work, times = 1): void {
  into.statements += other.statements * times;
  into.instructions += other.instructions * times;
  into.bytesCopied += other.bytesCopied * times;
  for (const c of other.libraryCalls) if (!into.libraryCalls.includes(c)) into.libraryCalls.push(c);
  for (const c of other.calls) if (!into.calls.includes(c)) into.calls.push(c);
  for (const r of other.reads) into.reads.add(r);
  for (const w of other.writes) into.writes.add(w);
}

export function toEstimate(work: Work): WorkEstimate {
  return {
    statements: work.statements,
    instructions: Math.round(work.instructions),
    bytesCopied: work.bytesCopied,
    stateAccesses: new Set([...work.reads, ...work.writes]).size,
    libraryCalls: [...work.libraryCalls],
  };
}

export function stateAccesses(work: Work, isConst: (name: string) => boolean): StateAccess[] {
  const names = [...new Set([...work.reads, ...work.writes])].sort();
  return names.map((name) => ({
    name,
    access: work.reads.has(name) && work.writes.has(name) ? 'read-write' : work.writes.has(name) ? 'write' : 'read',
    isConst: isConst(name),
  }));
}

export class WorkEstimator {
  private readonly byFunction = new Map<string, Work>();
  private readonly inProgress = new Set<string>();
  private readonly tree: Tree;
  private readonly planner: WorkPlanner;

  constructor(private readonly facts: FileFacts) {
    this.tree = facts.tree;
    this.planner = new WorkPlanner(facts);
  }

  /** Whether a state name (a global, or `function::name` for a static local) is const. */
  isConst(name: string): boolean {
    return this.facts.isConst(name);
  }

  /** nodeAt's answers: the paths of an entry cover the same blocks' ranges many times over. */
  private readonly nodesAt = new Map<string, SyntaxNode | null>();

  /** The node covering a range in the analysed file (the statement or condition of a CFG block). */
  private readonly nodeAt = (range: Range): SyntaxNode | null => {
    const key = rangeKey(range);
    let node = this.nodesAt.get(key);
    if (node === undefined) {
      node = this.tree.rootNode.descendantForPosition({ row: range.start.line, column: range.start.character }, { row: range.end.line, column: range.end.character });
      this.nodesAt.set(key, node);
    }
    return node;
  };

  /**
   * Work of the code in a range of function `fn`. `only` narrows called functions to the
   * ranges one path through them covers (slices/calleePaths.ts); others count whole.
   */
  ofRange(fn: FunctionInfo, range: Range, only?: ReadonlyMap<string, Range[]>): Work {
    const work = emptyWork();
    const plan = this.planner.rangePlan(fn, range, this.nodeAt);
    if (!plan) return work;
    work.statements = 1;
    this.only = only;
    try {
      this.apply(plan, work, 1);
    } finally {
      this.only = undefined;
    }
    return work;
  }

  private only: ReadonlyMap<string, Range[]> | undefined;

  /** Work of the given ranges of a called function (one path through it), or undefined to count it whole. */
  private ofCalleePath(name: string): Work | undefined {
    const ranges = this.only?.get(name);
    const fn = ranges ? this.facts.functionNamed(name) : undefined;
    if (!ranges || !fn || this.inProgress.has(name)) return undefined;
    this.inProgress.add(name);
    const work = emptyWork();
    for (const range of ranges) {
      const plan = this.planner.rangePlan(fn, range, this.nodeAt);
      if (!plan) continue;
      work.statements += 1;
      this.apply(plan, work, 1);
    }
    this.inProgress.delete(name);
    return work;
  }

  /** Work of a whole function defined in this file, its callees included; undefined when not defined here. */
  ofFunction(name: string): Work | undefined {
    const cached = this.byFunction.get(name);
    if (cached) return cached;
    const fn = this.facts.functionNamed(name);
    const definition = fn ? this.facts.definition(name) : undefined;
    const body = definition?.childForFieldName('body');
    if (!fn || !body) return undefined;
    // recursion: counted once, so the callers' work depends on which was entered first
    if (this.inProgress.has(name)) return emptyWork();
    this.inProgress.add(name);
    const work = emptyWork();
    // A whole function counts its callees whole too (and is memoised as such).
    const only = this.only;
    this.only = undefined;
    try {
      this.apply(this.planner.bodyPlan(fn, body), work, 1);
    } finally {
      this.only = only;
      this.inProgress.delete(name);
    }
    this.byFunction.set(name, work);
    return work;
  }

  /** Adds `plan`, run `times` times, to `work`: its own work, then its steps in order, the callees' work folded in. */
  private apply(plan: WorkPlan, work: Work, times: number): void {
    work.statements += plan.statements * times;
    work.instructions += plan.instructions * times;
    work.bytesCopied += plan.bytesCopied * times;
    for (const r of plan.reads) work.reads.add(r);
    for (const w of plan.writes) work.writes.add(w);
    for (const step of plan.steps) {
      if ('library' in step) {
        if (!work.libraryCalls.includes(step.library)) work.libraryCalls.push(step.library);
        continue;
      }
      const name = step.call;
      const stepTimes = step.times * times;
      const defined = this.ofCalleePath(name) ?? this.ofFunction(name);
      if (defined) {
        if (!work.calls.includes(name)) work.calls.push(name);
        addWork(work, defined, stepTimes);
        continue;
      }
      if (!work.libraryCalls.includes(name)) work.libraryCalls.push(name);
      if (step.copyBytes !== undefined) work.bytesCopied += step.copyBytes * stepTimes;
      else work.instructions += stepTimes * ASSUMED_LIBRARY_CALL_INSNS;
    }
  }
}
