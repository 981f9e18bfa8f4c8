// Static estimates of what a stretch of C does: BPF instructions, bytes copied, globals read
// and written, calls made. Called functions defined in the file are folded in (memoised,
// recursion cut), loops count at an assumed trip count. These are estimates for the cost model,
// not a compiler: docs/entries-and-slices.md says how each number is made.
// A whole function's work is also handed to the next analysis (slices/memo.ts), with every fact
// it read (FileFacts scopes), and reused there when they all answer the same; work in which a
// recursion was cut depends on where it was entered from, so it is never kept.
import type { SyntaxNode, Tree } from '../syntax';
import type { FunctionInfo, Range } from '../model';
import { namedChildrenOf, walkTypes } from '../treeHelpers';
import { sameAnswers, type FileFacts, type RecordedReads } from './facts';
import type { StateAccess, WorkEstimate } from './types';

/** Trip count assumed for a loop (bounded loops in handlers scan short keys and small tables). */
export const ASSUMED_LOOP_TRIPS = 8;
/** Bytes assumed for a copy whose length is not a constant. */
export const ASSUMED_COPY_BYTES = 64;
/** Instructions assumed for a library call other than the mem* family (string scans, formatting). */
export const ASSUMED_LIBRARY_CALL_INSNS = 40;

const COPY_CALLS = new Set(['memcpy', 'memmove', 'memset', '__builtin_memcpy', '__builtin_memset', '__builtin_memmove']);
const LOOPS = new Set(['for_statement', 'while_statement', 'do_statement']);

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
  private readonly byFunction = new Map<string, { work: Work; reads?: RecordedReads }>();
  private readonly inProgress = new Set<string>();
  private readonly tree: Tree;

  constructor(private readonly facts: FileFacts) {
    this.tree = facts.tree;
  }

  /** Whether a state name (a global, or `function::name` for a static local) is const. */
  isConst(name: string): boolean {
    return this.facts.isConst(name);
  }

  /** nodeAt's answers: the paths of an entry cover the same blocks' ranges many times over. */
  private readonly nodesAt = new Map<string, SyntaxNode | null>();

  /** The node covering a range in the analysed file (the statement or condition of a CFG block). */
  nodeAt(range: Range): SyntaxNode | null {
    const key = `${range.start.line}:${range.start.character}:${range.end.line}:${range.end.character}`;
    let node = this.nodesAt.get(key);
    if (node === undefined) {
      node = this.tree.rootNode.descendantForPosition({ row: range.start.line, column: range.start.character }, { row: range.end.line, column: range.end.character });
      this.nodesAt.set(key, node);
    }
    return node;
  }

  /**
   * Work of the code in a range of function `fn`. `only` narrows called functions to the
   * ranges one path through them covers (slices/calleePaths.ts); others count whole.
   */
  ofRange(fn: FunctionInfo, range: Range, only?: ReadonlyMap<string, Range[]>): Work {
    const node = this.nodeAt(range);
    const work = emptyWork();
    if (!node) return work;
    work.statements = 1;
    this.only = only;
    try {
      this.visit(node, fn, work, 1);
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
      const node = this.nodeAt(range);
      if (!node) continue;
      work.statements += 1;
      this.visit(node, fn, work, 1);
    }
    this.inProgress.delete(name);
    return work;
  }

  /** Work of a whole function defined in this file, its callees included; undefined when not defined here. */
  ofFunction(name: string): Work | undefined {
    const cached = this.byFunction.get(name);
    if (cached) {
      this.dependOn(cached.reads);
      return cached.work;
    }
    const fn = this.facts.functionNamed(name);
    const definition = fn ? this.facts.definition(name) : undefined;
    const body = definition?.childForFieldName('body');
    if (!fn || !body) return undefined;
    if (this.inProgress.has(name)) {
      // recursion: counted once, so the callers' work depends on which was entered first
      this.facts.cutScopes();
      return emptyWork();
    }
    // The previous analysis's work of this function, when every answer it read is the same.
    const previous = this.facts.previousWork.get(name);
    // The check asks every question again, so the open scopes (the callers) note the answers too.
    if (previous && sameAnswers(previous.reads, this.facts)) {
      this.byFunction.set(name, previous);
      this.facts.usedWork.set(name, previous);
      // Its callees' kept work stays usable for the next analysis (their answers are among its own).
      for (const callee of previous.reads.definitions.keys()) {
        const kept = this.facts.previousWork.get(callee);
        if (kept && !this.facts.usedWork.has(callee) && sameAnswers(kept.reads, this.facts)) this.facts.usedWork.set(callee, kept);
      }
      return previous.work;
    }
    const scope = this.facts.beginScope();
    this.inProgress.add(name);
    const work = emptyWork();
    try {
      this.facts.functionNamed(name);
      this.facts.definition(name);
      // A whole function counts its callees whole too (and is memoised as such).
      const only = this.only;
      this.only = undefined;
      this.visit(body, fn, work, 1);
      this.only = only;
    } finally {
      this.inProgress.delete(name);
      this.facts.endScope(scope);
    }
    const kept = { work, reads: scope.cut ? undefined : scope.reads };
    this.byFunction.set(name, kept);
    if (kept.reads) this.facts.usedWork.set(name, { work, reads: kept.reads });
    else this.facts.cutScopes();
    return work;
  }

  /** The open scopes depend on what `reads` answered too (undefined: on more than answers). */
  private dependOn(reads: RecordedReads | undefined): void {
    if (this.facts.openScopes === 0) return;
    if (!reads) this.facts.cutScopes();
    else sameAnswers(reads, this.facts);
  }

  private readonly pointerStores = new Map<string, boolean>();

  /** Whether the function stores through a pointer (`p->f = …`, `*p = …`, memcpy(p->f, …)). */
  private storesThroughPointers(fn: FunctionInfo): boolean {
    const known = this.pointerStores.get(fn.name);
    if (known !== undefined) return known;
    const body = this.facts.definition(fn.name)?.childForFieldName('body');
    const found = body ? bodyStoresThroughPointers(body) : false;
    this.pointerStores.set(fn.name, found);
    return found;
  }

  private stateName(fn: FunctionInfo, name: string): string | undefined {
    const local = [...fn.params, ...fn.locals].find((v) => v.name === name);
    if (local) return local.isStatic ? `${fn.name}::${name}` : undefined;
    return this.facts.isGlobal(name) ? name : undefined;
  }

  private visit(node: SyntaxNode, fn: FunctionInfo, work: Work, times: number): void {
    const type = node.type;
    if (type.endsWith('_statement') || type === 'declaration') work.statements += times;
    if (LOOPS.has(type)) {
      for (const child of namedChildrenOf(node)) this.visit(child, fn, work, times * ASSUMED_LOOP_TRIPS);
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
        work.instructions += times;
        break;
      case 'subscript_expression':
      case 'assignment_expression':
      case 'pointer_expression':
        work.instructions += times * (type === 'subscript_expression' ? 2 : 1);
        break;
      case 'identifier': {
        const state = this.stateName(fn, node.text);
        if (state && node.parent?.type !== 'call_expression') (isWritten(node, this.storesThroughPointers(fn)) ? work.writes : work.reads).add(state);
        return;
      }
      case 'call_expression':
        this.call(node, fn, work, times);
        break;
    }
    for (const child of namedChildrenOf(node)) this.visit(child, fn, work, times);
  }

  private call(node: SyntaxNode, _fn: FunctionInfo, work: Work, times: number): void {
    const callee = node.childForFieldName('function');
    const name = callee?.type === 'identifier' ? callee.text : undefined;
    work.instructions += times; // the call or the inlined body's set-up
    if (!name) return;
    const defined = this.ofCalleePath(name) ?? this.ofFunction(name);
    if (defined) {
      if (!work.calls.includes(name)) work.calls.push(name);
      addWork(work, defined, times);
      return;
    }
    if (!work.libraryCalls.includes(name)) work.libraryCalls.push(name);
    if (COPY_CALLS.has(name)) {
      const args = node.childForFieldName('arguments');
      const length = args ? namedChildrenOf(args)[2] : undefined;
      const value = length ? this.facts.evaluate(length.text) : undefined;
      const bytes = value !== undefined && Number.isFinite(value) && value >= 0 ? value : ASSUMED_COPY_BYTES;
      work.bytesCopied += bytes * times;
      // Copies are priced per byte by the cost model; only the call's set-up counts here.
      return;
    }
    work.instructions += times * ASSUMED_LIBRARY_CALL_INSNS;
  }
}

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
      case 'field_expression':
        if (parent.childForFieldName('argument')?.id !== child.id) return false;
        continue;
      case 'parenthesized_expression':
        continue;
      default:
        return false;
    }
  }
  return false;
}
