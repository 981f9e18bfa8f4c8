// Trip-count inference for one loop: a counter compared against a compile-time constant
// (possibly one side of an `&&`), counting up or down, started from a known value. Also spots
// loops that walk pointer-linked structures (`p = p->next`), which no bound makes safe.
import type { SyntaxNode } from '../syntax';
import { evaluateConstant, type EvalScope } from './constEval';
import { unparenthesize, walk } from './nodes';

export interface LoopVerdict {
  /** Most iterations the loop can run, when a bound was found. */
  bound?: number;
  /** The condition text that gave the bound, or why there is none. */
  explanation: string;
  /** Set when the loop follows pointers: the assignment text, e.g. "p = p->next". */
  heapWalk?: string;
  /** True for loops with no exit condition at all (`for (;;)`, `while (1)`). */
  infinite?: boolean;
}

interface Comparison {
  variable: string;
  op: '<' | '<=' | '>' | '>=' | '!=';
  limit: SyntaxNode;
  text: string;
}

const FLIP: Record<string, Comparison['op']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '!=': '!=' };

function conjuncts(node: SyntaxNode | null): SyntaxNode[] {
  const n = unparenthesize(node);
  if (!n) return [];
  if (n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '&&')
    return [...conjuncts(n.childForFieldName('left')), ...conjuncts(n.childForFieldName('right'))];
  return [n];
}

function asComparison(node: SyntaxNode): Comparison | undefined {
  if (node.type !== 'binary_expression') return undefined;
  const op = node.childForFieldName('operator')?.text ?? '';
  if (!(op in FLIP)) return undefined;
  const left = unparenthesize(node.childForFieldName('left'));
  const right = unparenthesize(node.childForFieldName('right'));
  if (!left || !right) return undefined;
  // `i-- > 0` compares the counter before its update: treat it as the counter itself.
  const counterOf = (n: SyntaxNode) => (n.type === 'update_expression' ? unparenthesize(n.childForFieldName('argument')) : n);
  const l = counterOf(left);
  const r = counterOf(right);
  if (l?.type === 'identifier') return { variable: l.text, op: op as Comparison['op'], limit: right, text: node.text };
  if (r?.type === 'identifier') return { variable: r.text, op: FLIP[op], limit: left, text: node.text };
  return undefined;
}

/** Net step per iteration of `variable` from update expressions; undefined if assigned otherwise. */
function stepOf(variable: string, places: (SyntaxNode | null)[], scope: EvalScope): { step?: number; otherWrite?: string } {
  let step = 0;
  let otherWrite: string | undefined;
  for (const place of places) {
    if (!place) continue;
    walk(place, (n) => {
      if (n.type === 'update_expression') {
        const arg = unparenthesize(n.childForFieldName('argument'));
        if (arg?.type === 'identifier' && arg.text === variable) step += n.text.includes('++') ? 1 : -1;
      } else if (n.type === 'assignment_expression') {
        const left = unparenthesize(n.childForFieldName('left'));
        if (left?.type !== 'identifier' || left.text !== variable) return;
        const op = n.childForFieldName('operator')?.text;
        const right = n.childForFieldName('right');
        const value = evaluateConstant(right, scope);
        if ((op === '+=' || op === '-=') && value !== undefined && value > 0) step += op === '+=' ? value : -value;
        else otherWrite ??= n.text;
      }
    });
  }
  return { step: step === 0 ? undefined : step, otherWrite };
}

/** The constant a variable starts from: the for-initializer, or the last plain assignment before the loop. */
function startOf(variable: string, loop: SyntaxNode, scope: EvalScope): number | undefined {
  const fromNode = (n: SyntaxNode | null): number | undefined => {
    if (!n) return undefined;
    let found: number | undefined;
    walk(n, (c) => {
      if (c.type === 'assignment_expression' && c.childForFieldName('operator')?.text === '=') {
        const left = unparenthesize(c.childForFieldName('left'));
        if (left?.type === 'identifier' && left.text === variable) found = evaluateConstant(c.childForFieldName('right'), scope);
      } else if (c.type === 'init_declarator') {
        const d = c.childForFieldName('declarator');
        if (d?.type === 'identifier' && d.text === variable) found = evaluateConstant(c.childForFieldName('value'), scope);
      }
      return c === n || (c.type !== 'compound_statement' && !c.type.endsWith('_statement'));
    });
    return found;
  };
  if (loop.type === 'for_statement') {
    const init = loop.childForFieldName('initializer');
    if (init) return fromNode(init);
  }
  for (let prev = loop.previousNamedSibling; prev; prev = prev.previousNamedSibling) {
    if (prev.type === 'comment') continue;
    if (prev.type !== 'expression_statement' && prev.type !== 'declaration') break;
    const v = fromNode(prev);
    if (v !== undefined) return v;
  }
  return undefined;
}

const UNSIGNED = /\b(unsigned|size_t|uint\d+_t|u_int\d+_t|u_char|u_short|u_int|u_long|u8|u16|u32|u64|__u\d+|uintptr_t|uintmax_t|bool|_Bool)\b/;
const MAX_TYPEDEF_DEPTH = 16;

/** Unsigned, looking through the program's typedefs (`typedef unsigned int WORD;`). */
function isUnsigned(typeText: string | undefined, scope: EvalScope): boolean {
  let text = typeText;
  for (let depth = 0; text && depth < MAX_TYPEDEF_DEPTH; depth++) {
    if (UNSIGNED.test(text)) return true;
    const name = text.replace(/\b(const|volatile|register|static)\b/g, '').trim();
    if (!/^[A-Za-z_]\w*$/.test(name)) return false;
    text = scope.constants.typedefOf?.(name);
  }
  return false;
}

/** A trip count, or why there is none when the failure is more specific than "no constant limit". */
interface Trips {
  trips?: number;
  why?: string;
}

function tripCount(c: Comparison, loop: SyntaxNode, places: (SyntaxNode | null)[], scope: EvalScope): Trips {
  const limit = evaluateConstant(c.limit, scope);
  if (limit === undefined) return {};
  const { step, otherWrite } = stepOf(c.variable, places, scope);
  if (step === undefined || otherWrite) return {};
  let start = startOf(c.variable, loop, scope);
  if (step > 0 && (c.op === '<' || c.op === '<=' || c.op === '!=')) {
    // An unsigned counter of unknown start is still at least 0.
    const type = scope.typeOfVariable(c.variable);
    if (start === undefined && isUnsigned(type, scope)) start = 0;
    if (start === undefined) {
      const typeNote = type ? ` and its type \`${type}\` is signed` : '';
      return { why: `\`${c.text}\` compares \`${c.variable}\` with a constant, but \`${c.variable}\` starts from a value not known at compile time${typeNote}` };
    }
    if (c.op === '!=' && (start > limit || (limit - start) % step !== 0)) return {};
    const span = limit - start + (c.op === '<=' ? 1 : 0);
    return { trips: Math.max(0, Math.ceil(span / step)) };
  }
  if (step < 0 && (c.op === '>' || c.op === '>=' || c.op === '!=')) {
    if (start === undefined)
      return { why: `\`${c.text}\` compares \`${c.variable}\` with a constant, but \`${c.variable}\` counts down from a value not known at compile time` };
    if (c.op === '!=' && (start < limit || (start - limit) % -step !== 0)) return {};
    const span = start - limit + (c.op === '>=' ? 1 : 0);
    return { trips: Math.max(0, Math.ceil(span / -step)) };
  }
  return {};
}

/** `p = p->next` (or `p = p->left->right`) anywhere in the given places. */
function findHeapWalk(places: (SyntaxNode | null)[]): string | undefined {
  let found: string | undefined;
  for (const place of places) {
    if (!place || found) continue;
    walk(place, (n) => {
      if (found || n.type !== 'assignment_expression') return !found;
      const left = unparenthesize(n.childForFieldName('left'));
      let right = unparenthesize(n.childForFieldName('right'));
      if (left?.type !== 'identifier') return;
      let viaArrow = false;
      while (right && right.type === 'field_expression') {
        viaArrow ||= right.childForFieldName('operator')?.text === '->' || right.text.includes('->');
        right = unparenthesize(right.childForFieldName('argument'));
      }
      if (viaArrow && right?.type === 'identifier' && right.text === left.text) found = n.text;
      return true;
    });
  }
  return found;
}

export function analyzeLoop(loop: SyntaxNode, scope: EvalScope): LoopVerdict {
  const condition = loop.childForFieldName('condition');
  const body = loop.childForFieldName('body');
  const update = loop.type === 'for_statement' ? loop.childForFieldName('update') : null;
  const places = [update, body, condition];
  const heapWalk = findHeapWalk([update, body]);
  if (heapWalk) return { heapWalk, explanation: `\`${heapWalk}\` follows pointers` };

  const inner = unparenthesize(condition);
  const constantCondition = inner ? evaluateConstant(inner, scope) : 1;
  if (!inner || (constantCondition !== undefined && constantCondition !== 0))
    return { infinite: true, explanation: inner ? `its condition \`${inner.text}\` is always true` : 'it has no condition' };

  const extraTrip = loop.type === 'do_statement' ? 1 : 0;
  let best: { bound: number; text: string } | undefined;
  const unboundedParts: string[] = [];
  const reasons: string[] = [];
  for (const part of conjuncts(inner)) {
    // `while (n--)` / `while (i)`: count down to zero.
    const bare = part.type === 'update_expression' ? unparenthesize(part.childForFieldName('argument')) : part;
    const comparison: Comparison | undefined =
      asComparison(part) ?? (bare?.type === 'identifier' ? { variable: bare.text, op: '!=', limit: bare, text: part.text } : undefined);
    let trips: number | undefined;
    if (comparison && comparison.limit === bare) {
      const start = startOf(comparison.variable, loop, scope);
      const { step, otherWrite } = stepOf(comparison.variable, places, scope);
      if (start !== undefined && step === -1 && !otherWrite) trips = Math.max(0, start);
    } else if (comparison) {
      const counted = tripCount(comparison, loop, places, scope);
      trips = counted.trips;
      if (counted.why) reasons.push(counted.why);
    }
    if (trips !== undefined) {
      trips += extraTrip;
      if (!best || trips < best.bound) best = { bound: trips, text: part.text };
    } else unboundedParts.push(part.text);
  }
  if (best) return { bound: best.bound, explanation: `\`${best.text}\`` };
  if (reasons.length) return { explanation: reasons.join('; ') };
  return { explanation: `\`${unboundedParts.join(' && ') || inner.text}\` does not compare a counter with a compile-time constant` };
}

/** Loop statements directly inside `node` (not in nested functions), outermost first. */
export function loopsIn(node: SyntaxNode): SyntaxNode[] {
  const loops: SyntaxNode[] = [];
  walk(node, (n) => {
    if (n !== node && n.type === 'function_definition') return false;
    if (n.type === 'for_statement' || n.type === 'while_statement' || n.type === 'do_statement') loops.push(n);
    return true;
  });
  return loops;
}

export function loopKeyword(loop: SyntaxNode): string {
  return loop.type === 'for_statement' ? 'for' : loop.type === 'do_statement' ? 'do … while' : 'while';
}

