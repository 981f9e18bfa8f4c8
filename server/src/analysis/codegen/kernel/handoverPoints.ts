// Where a translated function hands over to userspace: the innermost statements the kernel
// cannot run (an Error of the rules, a call without a BPF stand-in, recursion), calls of
// functions that may hand over after writing shared state (never entered in the kernel), and,
// with bpf_loop, loops whose trip count bpf_loop may refuse. The translator (translate.ts)
// rewrites the statements found here; this module only decides which they are.
import type { SyntaxNode } from '../../syntax';
import type { AnalysisDiagnostic, FunctionInfo, Range } from '../../model';
import { functionNameOf, walk } from '../../treeHelpers';
import { calleeName } from '../../entries/sockets';
import { isByteStandIn, splitHandoverReason } from './libc';
import { LOOP_TYPES, planLoop, type LoopContext } from './loops';
import { STATEMENT_TYPES, rootIdentifier, statementOf } from './statements';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);
const nodeRange = (n: SyntaxNode): Range => ({
  start: { line: n.startPosition.row, character: n.startPosition.column },
  end: { line: n.endPosition.row, character: n.endPosition.column },
});

/** Why a statement hands over, for the comment in the generated code and the notes. */
export interface Handover {
  node: SyntaxNode;
  reason: string;
  /** A loop turned into a bpf_loop callback: it hands over only when bpf_loop refuses the trip count. */
  loop?: boolean;
}

export interface HandoverInput {
  functions: FunctionInfo[];
  /** All globals of the file (state or not): to tell a global write from a local one. */
  globalNames: Set<string>;
  errors: AnalysisDiagnostic[];
  /** Kernel ≥ 5.17: search loops with nested work become bpf_loop callbacks (see loops.ts). */
  bpfLoop?: boolean;
}

/** Answers per function of one file, memoised: the translator asks again for every call. */
export class HandoverPoints {
  private readonly mayFallBackMemo = new Map<string, boolean>();
  private readonly wholesaleMemo = new Map<string, string | undefined>();
  private readonly loopsMemo = new Map<string, boolean>();

  constructor(
    /** The file's function definitions by name. */
    private readonly definitions: ReadonlyMap<string, SyntaxNode>,
    private readonly input: HandoverInput,
  ) {}

  /** True when a call of `name` may end in a hand-over. */
  mayFallBack(name: string): boolean {
    const memo = this.mayFallBackMemo.get(name);
    if (memo !== undefined) return memo;
    this.mayFallBackMemo.set(name, false);
    const definition = this.definitions.get(name);
    const result = !!definition && this.fallbackStatements(definition).length > 0;
    this.mayFallBackMemo.set(name, result);
    return result;
  }

  /**
   * A function that may hand over after it has written shared state is never entered in the
   * kernel: the call is handed over before it, so userspace does not apply the write twice.
   */
  private wholesaleReason(name: string): string | undefined {
    if (this.wholesaleMemo.has(name)) return this.wholesaleMemo.get(name);
    this.wholesaleMemo.set(name, undefined);
    const definition = this.definitions.get(name);
    let reason: string | undefined;
    if (definition && this.mayFallBack(name)) {
      const falls = this.fallbackStatements(definition);
      const last = Math.max(...falls.map((h) => h.node.startIndex));
      const write = this.firstStateWrite(definition);
      if (write && write.startIndex < last) reason = `${name} writes shared state (line ${write.startPosition.row + 1}) before it may hand over`;
    }
    this.wholesaleMemo.set(name, reason);
    return reason;
  }

  private firstStateWrite(definition: SyntaxNode): SyntaxNode | undefined {
    const info = this.functionInfo(definition);
    const params = new Set(info?.params.map((p) => p.name) ?? []);
    const statics = new Set(info?.locals.filter((l) => l.isStatic).map((l) => l.name) ?? []);
    let found: SyntaxNode | undefined;
    walk(definition, (node) => {
      if (found) return false;
      let target: SyntaxNode | null = null;
      if (node.type === 'assignment_expression') target = node.childForFieldName('left');
      else if (node.type === 'update_expression') target = node.childForFieldName('argument');
      else if (node.type === 'call_expression') {
        const callee = calleeName(node);
        if (callee && this.definitions.has(callee) && callee !== functionNameOf(definition) && this.firstStateWrite(this.definitions.get(callee)!)) found = node;
        return !found;
      }
      if (target) {
        const root = rootIdentifier(target);
        const viaPointer = target.type === 'field_expression' && /->/.test(target.text);
        if (root && (this.input.globalNames.has(root) || statics.has(root) || (viaPointer && !params.has(root)))) found = node;
      }
      return !found;
    });
    return found;
  }

  /** The innermost statements of a function that cannot run in the kernel. */
  fallbackStatements(definition: SyntaxNode): Handover[] {
    const body = definition.childForFieldName('body');
    if (!body) return [];
    const found: Handover[] = [];
    const self = functionNameOf(definition);
    const errors = this.input.errors.filter((e) => inside(nodeRange(definition), e.range));
    const loopContext = this.loopContext(definition);
    walk(body, (node) => {
      const reason = node.type === 'call_expression' ? this.callReason(node, calleeName(node), self) : splitHandoverReason(node, (n) => this.definitions.has(n));
      if (reason) found.push({ node: statementOf(node, body), reason });
      if (loopContext && (node.type === 'for_statement' || node.type === 'while_statement') && planLoop(node, loopContext))
        found.push({ node, reason: 'bpf_loop refuses more than 2^23 iterations', loop: true });
      return true;
    });
    for (const error of errors) {
      let innermost: SyntaxNode | undefined;
      walk(body, (node) => {
        if (!inside(nodeRange(node), error.range)) return false;
        if (STATEMENT_TYPES.has(node.type) && node.id !== body.id && node.type !== 'compound_statement') innermost = node;
        return true;
      });
      if (innermost) found.push({ node: innermost, reason: `${error.code}: ${error.message.split(/[.:;]/)[0]}` });
    }
    return found;
  }

  /** Why a call cannot stay in the kernel, or undefined when it can. */
  private callReason(call: SyntaxNode, callee: string | undefined, self: string | undefined): string | undefined {
    if (!callee) return `indirect call ${call.childForFieldName('function')?.text ?? ''}`;
    if (this.definitions.has(callee)) {
      if (callee === self) return `recursive call of ${callee}`;
      const wholesale = this.wholesaleReason(callee);
      return wholesale;
    }
    return splitHandoverReason(call, () => false);
  }

  loopContext(definition: SyntaxNode): LoopContext | undefined {
    if (!this.input.bpfLoop) return undefined;
    return {
      info: this.functionInfo(definition),
      calleeLoops: (callee) => this.runsLoops(callee),
      // A callee that is never entered (its call is the hand-over) runs no loop here.
      isTranslatedFunction: (callee) => this.definitions.has(callee) && !this.wholesaleReason(callee),
      isByteStandIn,
    };
  }

  /** True when a call of `name` runs a loop or a byte stand-in, itself or through its callees. */
  private runsLoops(name: string): boolean {
    const memo = this.loopsMemo.get(name);
    if (memo !== undefined) return memo;
    this.loopsMemo.set(name, false);
    let result = false;
    const definition = this.definitions.get(name);
    if (definition) walk(definition, (n) => {
      if (LOOP_TYPES.has(n.type)) result = true;
      const callee = n.type === 'call_expression' ? calleeName(n) : undefined;
      if (callee && (isByteStandIn(callee) || (this.definitions.has(callee) && this.runsLoops(callee)))) result = true;
      return !result;
    });
    this.loopsMemo.set(name, result);
    return result;
  }

  functionInfo(definition: SyntaxNode): FunctionInfo | undefined {
    return this.input.functions.find((f) => f.range.start.line === definition.startPosition.row);
  }
}
