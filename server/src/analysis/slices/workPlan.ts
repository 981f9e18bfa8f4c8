// A work plan is what a stretch of one function's code does by itself — statements,
// instructions, bytes copied, library calls, state read and written — and, in walk order, the
// calls it makes of functions that may be defined in this file, each with how often it runs
// (loops count at the assumed trip count). work.ts combines plans with the callees' work per
// computation; the plans themselves read nothing of a callee but what it is (FileFacts
// callTarget: a definition, a summary only, or nothing here), so an edit inside a callee leaves
// its callers' plans valid. Plans are kept per function (KeptPlans) with every answer they
// read, and reused by the next analysis when each answer is the same: after an edit only the
// edited function's plans are made again, its callers' work is recombined, not re-walked.
import type { SyntaxNode } from '../syntax';
import type { FunctionInfo, Range } from '../model';
import { namedChildrenOf, walkTypes } from '../treeHelpers';
import { emptyReads, sameAnswers, type FileFacts, type RecordedReads } from './facts';

/** Trip count assumed for a loop (bounded loops in handlers scan short keys and small tables). */
export const ASSUMED_LOOP_TRIPS = 8;
/** Bytes assumed for a copy whose length is not a constant. */
export const ASSUMED_COPY_BYTES = 64;
/** Instructions assumed for a library call other than the mem* family (string scans, formatting). */
export const ASSUMED_LIBRARY_CALL_INSNS = 40;

export const COPY_CALLS: ReadonlySet<string> = new Set(['memcpy', 'memmove', 'memset', '__builtin_memcpy', '__builtin_memset', '__builtin_memmove']);
const LOOPS = new Set(['for_statement', 'while_statement', 'do_statement']);

/** A step of a plan, in walk order: a library call, or a call that the combination resolves. */
export type PlanStep =
  | { library: string }
  | {
      call: string;
      times: number;
      /** Bytes a copy call copies, when the name is a copy call that may turn out to be a library call. */
      copyBytes?: number;
    };

export interface WorkPlan {
  statements: number;
  instructions: number;
  bytesCopied: number;
  reads: Set<string>;
  writes: Set<string>;
  steps: PlanStep[];
}

/** One function's plans and the answers they were made from (its summary and definition among them). */
export interface KeptPlans {
  reads: RecordedReads;
  /** The plan of the whole body, once made. */
  body?: WorkPlan;
  /** By range (rangeKey), the plan of the node covering a range inside the function. */
  ranges: Map<string, WorkPlan>;
}

export const rangeKey = (range: Range) => `${range.start.line}:${range.start.character}:${range.end.line}:${range.end.character}`;

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);

/** Makes plans, or hands out the previous analysis's plans of a function whose answers are all the same. */
export class WorkPlanner {
  /** This computation's plans per function, checked or made once. */
  private readonly byFunction = new Map<string, KeptPlans>();
  private readonly pointerStores = new Map<string, boolean>();

  constructor(private readonly facts: FileFacts) {}

  /** The plan of the whole body of `fn` (`body` is its definition's body). */
  bodyPlan(fn: FunctionInfo, body: SyntaxNode): WorkPlan {
    const kept = this.keptFor(fn);
    if (!kept.body) kept.body = this.make(kept, fn, body);
    return kept.body;
  }

  /**
   * The plan of the node covering `range` of `fn` (`nodeAt` finds it, only when the plan is to be
   * made); undefined when no node covers it.
   */
  rangePlan(fn: FunctionInfo, range: Range, nodeAt: (range: Range) => SyntaxNode | null): WorkPlan | undefined {
    // A range outside the function's text may cover more than its definition: planned, not kept.
    if (!inside(fn.range, range)) {
      const node = nodeAt(range);
      return node ? this.make({ reads: emptyReads(), ranges: new Map() }, fn, node) : undefined;
    }
    const kept = this.keptFor(fn);
    const key = rangeKey(range);
    let plan = kept.ranges.get(key);
    if (!plan) {
      // Inside the same definition at the same place, a range is covered by the same node.
      const node = nodeAt(range);
      if (!node) return undefined;
      plan = this.make(kept, fn, node);
      kept.ranges.set(key, plan);
    }
    return plan;
  }

  private keptFor(fn: FunctionInfo): KeptPlans {
    let kept = this.byFunction.get(fn.name);
    if (kept) return kept;
    const previous = this.facts.previousPlans.get(fn.name);
    if (previous && sameAnswers(previous.reads, this.facts)) kept = previous;
    else {
      kept = { reads: emptyReads(), ranges: new Map() };
      // Every plan of the function depends on its summary and on its definition (the same node at the same place).
      const scope = this.facts.beginScope(kept.reads);
      this.facts.functionNamed(fn.name);
      this.facts.definition(fn.name);
      this.facts.endScope(scope);
    }
    this.byFunction.set(fn.name, kept);
    this.facts.usedPlans.set(fn.name, kept);
    return kept;
  }

  /** Walks `node` of `fn` into a new plan; the answers read join `kept.reads`. */
  private make(kept: KeptPlans, fn: FunctionInfo, node: SyntaxNode): WorkPlan {
    const plan: WorkPlan = { statements: 0, instructions: 0, bytesCopied: 0, reads: new Set(), writes: new Set(), steps: [] };
    const scope = this.facts.beginScope(kept.reads);
    try {
      const names = new Map<string, VariableStorage>();
      for (const v of fn.params) if (!names.has(v.name)) names.set(v.name, v.isStatic ? 'static' : 'local');
      for (const v of fn.locals) if (!names.has(v.name)) names.set(v.name, v.isStatic ? 'static' : 'local');
      this.visit(node, fn, names, plan, 1);
    } finally {
      this.facts.endScope(scope);
    }
    return plan;
  }

  /** Whether the function stores through a pointer (`p->f = …`, `*p = …`, memcpy(p->f, …)). */
  private storesThroughPointers(fn: FunctionInfo): boolean {
    const known = this.pointerStores.get(fn.name);
    if (known !== undefined) return known;
    const body = this.facts.definition(fn.name)?.childForFieldName('body');
    const found = body ? bodyStoresThroughPointers(body) : false;
    this.pointerStores.set(fn.name, found);
    return found;
  }

  private stateName(fn: FunctionInfo, names: Map<string, VariableStorage>, name: string): string | undefined {
    const storage = names.get(name);
    if (storage) return storage === 'static' ? `${fn.name}::${name}` : undefined;
    return this.facts.isGlobal(name) ? name : undefined;
  }

  private visit(node: SyntaxNode, fn: FunctionInfo, names: Map<string, VariableStorage>, plan: WorkPlan, times: number): void {
    const type = node.type;
    if (type.endsWith('_statement') || type === 'declaration') plan.statements += times;
    if (LOOPS.has(type)) {
      for (const child of namedChildrenOf(node)) this.visit(child, fn, names, plan, times * ASSUMED_LOOP_TRIPS);
      return;
    }
    switch (type) {
      case 'binary_expression':
      case 'unary_expression':
      case 'update_expression':
      case 'field_expression':
      case 'return_statement':
      case 'if_statement':
      case 'case_statement':
        plan.instructions += times;
        break;
      case 'subscript_expression':
      case 'assignment_expression':
      case 'pointer_expression':
        plan.instructions += times * (type === 'subscript_expression' ? 2 : 1);
        break;
      case 'identifier': {
        const state = this.stateName(fn, names, node.text);
        if (state && node.parent?.type !== 'call_expression') (isWritten(node, this.storesThroughPointers(fn)) ? plan.writes : plan.reads).add(state);
        return;
      }
      case 'call_expression':
        this.call(node, plan, times);
        break;
    }
    for (const child of namedChildrenOf(node)) this.visit(child, fn, names, plan, times);
  }

  private call(node: SyntaxNode, plan: WorkPlan, times: number): void {
    const callee = node.childForFieldName('function');
    const name = callee?.type === 'identifier' ? callee.text : undefined;
    plan.instructions += times; // the call or the inlined body's set-up
    if (!name) return;
    const target = this.facts.callTarget(name);
    // A name with a summary may be walked (whole, or along a callee path); only the combination knows.
    const copyBytes = target !== 'body' && COPY_CALLS.has(name) ? this.copyBytes(node) : undefined;
    if (target !== 'none') {
      plan.steps.push(copyBytes === undefined ? { call: name, times } : { call: name, times, copyBytes });
      return;
    }
    plan.steps.push({ library: name });
    if (copyBytes !== undefined) plan.bytesCopied += copyBytes * times;
    // Copies are priced per byte by the cost model; only the call's set-up counts for them.
    else plan.instructions += times * ASSUMED_LIBRARY_CALL_INSNS;
  }

  /** The length argument of a copy call, or the assumed length when it is not a constant. */
  private copyBytes(node: SyntaxNode): number {
    const args = node.childForFieldName('arguments');
    const length = args ? namedChildrenOf(args)[2] : undefined;
    const value = length ? this.facts.evaluate(length.text) : undefined;
    return value !== undefined && Number.isFinite(value) && value >= 0 ? value : ASSUMED_COPY_BYTES;
  }
}

type VariableStorage = 'static' | 'local';

const STORES: ReadonlySet<string> = new Set(['assignment_expression', 'update_expression', 'call_expression']);
/** Per function body: it depends on the body's syntax only, so it is kept on the node (carried over by reparses). */
const storesInBody = new WeakMap<SyntaxNode, boolean>();

function bodyStoresThroughPointers(body: SyntaxNode): boolean {
  const known = storesInBody.get(body);
  if (known !== undefined) return known;
  let found = false;
  walkTypes(
    body,
    STORES,
    (node) => {
      if (node.type === 'call_expression') {
        if (!COPY_CALLS.has(node.childForFieldName('function')?.text ?? '')) return;
        const args = node.childForFieldName('arguments');
        const first = args ? namedChildrenOf(args)[0] : undefined;
        if (first && /->/.test(first.text)) found = true;
        return;
      }
      const target = node.childForFieldName('left') ?? node.childForFieldName('argument');
      if (target && /->|^\*/.test(target.text)) found = true;
    },
    () => found,
  );
  storesInBody.set(body, found);
  return found;
}

/**
 * The identifier is assigned or incremented, or its address is taken in a function that
 * stores through pointers (the store may go to it; a lookup that only reads does not count).
 */
function isWritten(node: SyntaxNode, storesThroughPointers: boolean): boolean {
  let child = node;
  for (let parent = node.parent; parent; child = parent, parent = parent.parent) {
    switch (parent.type) {
      case 'assignment_expression':
        return parent.childForFieldName('left')?.id === child.id;
      case 'update_expression':
        return true;
      case 'pointer_expression':
        if (parent.childForFieldName('operator')?.text === '&') return storesThroughPointers;
        continue;
      case 'subscript_expression':
        if (parent.childForFieldName('argument')?.id !== child.id) return false;
        continue;
      case 'parenthesized_expression':
        continue;
      case 'field_expression':
        if (parent.childForFieldName('argument')?.id !== child.id) return false;
        continue;
      default:
        return false;
    }
  }
  return false;
}
