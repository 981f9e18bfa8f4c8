// program-size: a rough count of the instructions the verifier processes from an entry.
// Statements count by their expression nodes, loop bodies are multiplied by their bounds (the
// verifier walks every iteration), and callees are counted as inlined. Functions of other files
// have no syntax tree here, so they are estimated from their line count.
import type { SyntaxNode } from '../syntax';
import type { FunctionInfo } from '../model';
import type { DiagnosticSink } from './context';
import { defaultSeverity } from './context';
import { kernelAtLeast } from './definitions';
import type { EvalScope } from './constEval';
import { analyzeLoop } from './loopBounds';
import { DEFAULT_LOOP_CAP } from './loops';
import { libcEntry, STRING_BOUND } from './libc';
import { namedChildren, unparenthesize } from './nodes';
import { functionKey, type CalleeResolver, type Reach } from './reach';
import { groupedThousands } from '../numberText';
import { noteOrdered, noteWalked, OpenFrames, orderedValue, startRecord, type WalkRecord } from './walkReuse';

export const PRIVILEGED_LIMIT = 1_000_000;
export const OLD_OR_UNPRIVILEGED_LIMIT = 4_096;
/** Instructions per source line for functions known only by their summary. */
const INSNS_PER_LINE = 4;

const FREE_NODES = new Set(['identifier', 'field_identifier', 'type_identifier', 'primitive_type', 'comment', 'string_content', 'escape_sequence', 'number_literal', 'parenthesized_expression', 'compound_statement', 'argument_list', 'type_descriptor', 'sized_type_specifier', 'storage_class_specifier', 'type_qualifier']);

export interface SizeInputs {
  file: string;
  reach: Reach;
  resolver: CalleeResolver;
  /** Size plans of this file's checked functions, by functionKey (others are estimated from their summary). */
  plans: Map<string, SizePlan>;
  targetKernel: string;
  check: () => void;
  /** Whether some function of the program calls `fn` (it is then not the top of a program). */
  isCalled(fn: FunctionInfo): boolean;
}

/**
 * One function's estimate with its callees left open: `own` instructions, plus each named call
 * (in source pre-order) counted `times` times (the product of the bounds of its enclosing loops).
 * It depends on the function's syntax and on the constants its loop bounds read, not on which
 * functions the names resolve to, so a later analysis can reuse it and resolve the calls anew.
 */
export interface SizePlan {
  own: number;
  calls: { callee: string; times: number }[];
}

export function sizePlanOf(node: SyntaxNode, scope: EvalScope, check: () => void): SizePlan {
  const plan: SizePlan = { own: 0, calls: [] };
  const visit = (n: SyntaxNode, times: number): void => {
    check();
    if (!FREE_NODES.has(n.type)) plan.own += times;
    if (n.type === 'call_expression') {
      const callee = unparenthesize(n.childForFieldName('function'));
      // A call through an expression counts as one instruction (see ofCall).
      if (callee?.type === 'identifier') plan.calls.push({ callee: callee.text, times });
      else plan.own += times;
    }
    let inner = times;
    // The verifier walks every iteration: a loop's body, condition and update count once per trip.
    if (n.type === 'for_statement' || n.type === 'while_statement' || n.type === 'do_statement')
      inner = times * Math.max(1, analyzeLoop(n, scope).bound ?? DEFAULT_LOOP_CAP);
    for (const child of namedChildren(n)) if (child.type !== 'function_definition') visit(child, inner);
  };
  visit(node, 1);
  return plan;
}

/** Estimates past this are reported as "more than" it: the digits would mean nothing. */
const ABSURD_ESTIMATE = 1_000_000_000;

/**
 * The estimate from `root`. `record` (walkReuse.ts) holds the values, kept from earlier walks,
 * of functions whose estimate depends only on the code below them; they are used instead of
 * walking below those functions again, and the values and calls of this walk are added to it.
 */
export function estimateInstructions(root: FunctionInfo, inputs: SizeInputs, record: WalkRecord<number> = startRecord(undefined), walk = 0): number {
  const memo = new Map<string, number>();
  const active = new Set<string>();
  const frames = new OpenFrames();
  // `key`: functionKey(fn), which the caller has made already.
  const ofFunction = (fn: FunctionInfo, key: string): number => {
    const known = memo.get(key);
    if (known !== undefined) {
      frames.used(key);
      return known;
    }
    if (active.has(key)) {
      frames.markOrderDependent();
      return 0; // recursion has its own rule
    }
    const clean = record.clean.get(key);
    if (clean !== undefined) return clean;
    // Walked from the same place as when it was noted (walkReuse.ts, sameSteps): the same value.
    const ordered = orderedValue(record, walk, key);
    if (ordered !== undefined) {
      memo.set(key, ordered);
      frames.usedOrdered(key);
      return ordered;
    }
    active.add(key);
    frames.enter();
    inputs.check();
    const plan = inputs.plans.get(key);
    const callees: string[] = [];
    let total: number;
    if (plan) {
      total = plan.own;
      for (const call of plan.calls) total += call.times * ofCall(fn, call.callee, callees);
    } else {
      total = (fn.range.end.line - fn.range.start.line + 1) * INSNS_PER_LINE;
      const resolved = inputs.resolver.calleesOf?.(fn);
      const { calls } = fn;
      for (let at = 0; at < calls.length; at++) total += ofCall(fn, calls[at].callee, callees, resolved && (resolved[at] ?? null));
    }
    active.delete(key);
    memo.set(key, total);
    const independent = frames.leave(key);
    noteWalked(record, key, fn, callees, independent ? total : undefined);
    if (!independent) noteOrdered(record, walk, key, total);
    return total;
  };
  // `known`: what `name` resolves to from the caller when already looked up (null: nothing).
  const ofCall = (caller: FunctionInfo, name: string | undefined, callees: string[], known?: FunctionInfo | null): number => {
    if (!name) return 1;
    const callee = known === undefined ? inputs.resolver.resolve(caller.file, name) : (known ?? undefined);
    if (callee) {
      if (inputs.reach.isSkipped(callee)) return 1;
      const key = functionKey(callee);
      callees.push(key);
      return ofFunction(callee, key);
    }
    const entry = libcEntry(name);
    // Unbounded string operations become loops capped at STRING_BOUND bytes.
    return entry?.kind === 'string' ? STRING_BOUND * 4 : 1;
  };
  return ofFunction(root, functionKey(root));
}

/**
 * `estimates`, by the root's index in reach.roots: used where present (a previous analysis's
 * estimate when nothing it read changed, see rules/programWalks.ts), filled where computed, by
 * walks that reuse and fill `record` (estimateInstructions).
 */
export function checkProgramSize(inputs: SizeInputs, sink: DiagnosticSink, estimates = new Map<number, number>(), record: WalkRecord<number> = startRecord(undefined)): Map<number, number> {
  const privileged = kernelAtLeast(inputs.targetKernel, 'program-size', '5.2');
  const limit = privileged ? PRIVILEGED_LIMIT : OLD_OR_UNPRIVILEGED_LIMIT;
  for (const [index, root] of inputs.reach.roots.entries()) {
    if (root.file !== inputs.file) continue;
    // With no entry every function of the file is a root, and each caller's estimate contains
    // its callees': reporting all of them repeats one finding down every chain. Only a function
    // nobody calls is plausibly the top of a program.
    if (!inputs.reach.fromEntries && inputs.isCalled(root)) continue;
    let estimate = estimates.get(index);
    if (estimate === undefined) estimates.set(index, (estimate = estimateInstructions(root, inputs, record, index)));
    if (estimate <= limit) continue;
    const about = estimate > ABSURD_ESTIMATE ? `more than ${groupedThousands(ABSURD_ESTIMATE)}` : `about ${groupedThousands(estimate)}`;
    const which = privileged
      ? `the verifier's limit of ${groupedThousands(limit)} processed instructions (kernel 5.2 and later, privileged)`
      : `the limit of ${groupedThousands(limit)} instructions of kernels before 5.2 (target ${inputs.targetKernel})`;
    sink.add({
      file: inputs.file,
      range: root.nameRange,
      severity: defaultSeverity('program-size'),
      code: 'program-size',
      message: `From ${root.name}() the program is estimated at ${about} instructions (loop bodies multiplied by their bounds, unbounded loops by a cap of ${DEFAULT_LOOP_CAP}, callees inlined), over ${which}: it will load only after splitting it with tail calls or lowering loop caps.`,
      data: { fixes: [] },
    });
  }
  return estimates;
}
