// Which loops of a translated function become bpf_loop callbacks, and what they capture.
//
// The verifier walks an ordinary bounded loop once per iteration, with a separate state for
// every value its counter and the values it refines take. A table search with a byte compare
// (or another loop) inside multiplies those states — stats-counter's counter search and
// dns-responder's zone search ran past the verifier's 1M-instruction budget. Inside a bpf_loop
// callback the counter is an unknown scalar bounded by one compare, so the body is verified a
// few times whatever the trip count, and what it returns (a pointer into a table) has one
// variable offset instead of one state per element. See docs/codegen.md, "Verifier complexity".
import type { SyntaxNode } from '../../syntax';
import type { FunctionInfo } from '../../model';
import { walk } from '../../treeHelpers';
import { calleeName } from '../../entries/sockets';

export const LOOP_TYPES = new Set(['for_statement', 'while_statement', 'do_statement']);

/** One captured variable of the enclosing function: the callback reaches it through a pointer. */
export interface Capture {
  name: string;
  /** Member declaration of the pointer to it, e.g. "const char **name" or "char (*digits)[20]". */
  member: string;
}

export type LoopPlan = CountedLoopPlan | WalkLoopPlan;

export interface CountedLoopPlan {
  kind: 'counted';
  node: SyntaxNode;
  /** The counter declared in the initializer, its type, first value and exclusive bound. */
  counter: string;
  counterType: string;
  start: SyntaxNode;
  bound: SyntaxNode;
  condition: SyntaxNode;
  body: SyntaxNode;
  captures: Capture[];
}

/**
 * `while (C)` or `for (;;)` / `for (; C;)` stepping through a buffer by a data-dependent amount
 * (dns-responder's label walk: `pos += 1 + label`). Unrolled, every iteration is a state of its
 * own that the verifier carries through the rest of the program; as a callback it is one. It has
 * no trip count: the callback runs at most BPFO_WALK_LIMIT times and a walk that has not left by
 * then hands over.
 */
export interface WalkLoopPlan {
  kind: 'walk';
  node: SyntaxNode;
  condition: SyntaxNode | undefined;
  body: SyntaxNode;
  captures: Capture[];
}

export interface LoopContext {
  info: FunctionInfo | undefined;
  /** True when a call of this translated function runs a loop or a byte stand-in. */
  calleeLoops(name: string): boolean;
  isTranslatedFunction(name: string): boolean;
  isByteStandIn(name: string): boolean;
}

/**
 * A loop worth a callback: `for (T i = A; i < B [&& …]; i++)` whose counter the body never
 * writes, whose bound does not change inside it, and whose body holds another loop or a byte
 * stand-in (the nesting that multiplies verifier states). Undefined for every other loop.
 */
export function planLoop(node: SyntaxNode, ctx: LoopContext): LoopPlan | undefined {
  return planCountedLoop(node, ctx) ?? planWalkLoop(node, ctx);
}

function planCountedLoop(node: SyntaxNode, ctx: LoopContext): CountedLoopPlan | undefined {
  if (node.type !== 'for_statement') return undefined;
  const init = node.childForFieldName('initializer');
  const condition = node.childForFieldName('condition');
  const update = node.childForFieldName('update');
  const body = node.childForFieldName('body');
  if (!init || !condition || !update || !body || init.type !== 'declaration') return undefined;
  const declarators = init.namedChildren.filter((c): c is SyntaxNode => c?.type === 'init_declarator');
  if (declarators.length !== 1) return undefined;
  const counterNode = declarators[0].childForFieldName('declarator');
  const start = declarators[0].childForFieldName('value');
  const counterType = init.childForFieldName('type')?.text;
  if (counterNode?.type !== 'identifier' || !start || !counterType) return undefined;
  const counter = counterNode.text;
  if (!/^(\+\+\s*\w+|\w+\s*\+\+|\w+\s*\+=\s*1)$/.test(update.text.replace(/\s+/g, '')) || !update.text.includes(counter)) return undefined;
  const bound = boundOf(condition, counter);
  if (!bound) return undefined;

  const written = writtenNames(body);
  if (written.has(counter)) return undefined;
  const locals = new Map((ctx.info?.locals ?? []).map((l) => [l.name, l]));
  const params = new Map((ctx.info?.params ?? []).map((p) => [p.name, p]));
  // The bound is evaluated once, before the loop: it must not change inside it.
  for (const id of identifiersOutsideSizeof(bound)) if (written.has(id) || (!locals.has(id) && !params.has(id) && !/^[A-Z_][A-Z0-9_]*$/.test(id))) return undefined;
  if (!isHeavy(body, ctx)) return undefined;
  const captures = capturesOf(node, counter, ctx);
  return captures && { kind: 'counted', node, counter, counterType, start, bound, condition, body, captures };
}

/** A walk: no counter, no update, no nested loop, and a byte subscript whose index the body moves. */
function planWalkLoop(node: SyntaxNode, ctx: LoopContext): WalkLoopPlan | undefined {
  let condition: SyntaxNode | undefined;
  if (node.type === 'while_statement') {
    condition = node.childForFieldName('condition') ?? undefined;
    if (!condition) return undefined;
  } else if (node.type === 'for_statement') {
    if (node.childForFieldName('initializer') || node.childForFieldName('update')) return undefined;
    condition = node.childForFieldName('condition') ?? undefined;
  } else return undefined;
  const body = node.childForFieldName('body');
  if (!body) return undefined;
  const written = writtenNames(body);
  let moves = false;
  let blocked = false;
  walk(body, (n) => {
    if (LOOP_TYPES.has(n.type)) blocked = true;
    if (n.type === 'call_expression') {
      const callee = calleeName(n);
      if (callee && (ctx.isByteStandIn(callee) || (ctx.isTranslatedFunction(callee) && ctx.calleeLoops(callee)))) blocked = true;
    }
    if (n.type === 'subscript_expression') {
      const index = n.childForFieldName('index');
      if (index && identifiersOutsideSizeof(index).some((id) => written.has(id))) moves = true;
    }
    return true;
  });
  if (!moves || blocked) return undefined;
  const captures = capturesOf(node, undefined, ctx);
  return captures && { kind: 'walk', node, condition, body, captures };
}

/** Pointers to the enclosing function's variables the loop uses; undefined when one cannot be captured. */
function capturesOf(node: SyntaxNode, counter: string | undefined, ctx: LoopContext): Capture[] | undefined {
  const locals = new Map((ctx.info?.locals ?? []).map((l) => [l.name, l]));
  const params = new Map((ctx.info?.params ?? []).map((p) => [p.name, p]));
  const declaredInside = new Set<string>(counter ? [counter] : []);
  walk(node, (n) => {
    if (n.type !== 'declaration') return true;
    for (const c of n.namedChildren) {
      if (!c || c.id === n.childForFieldName('type')?.id) continue;
      let d: SyntaxNode | null = c;
      while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
      if (d) declaredInside.add(d.text);
    }
    return true;
  });
  const loopRange = { start: node.startPosition.row, end: node.endPosition.row };
  const captures: Capture[] = [];
  const seen = new Set<string>();
  let ambiguous = false;
  walk(node, (n) => {
    if (n.type !== 'identifier' || seen.has(n.text)) return true;
    const name = n.text;
    seen.add(name);
    const outer = params.get(name) ?? locals.get(name);
    const outerIsOutside = !!params.get(name) || (!!outer && (outer.range.start.line < loopRange.start || outer.range.start.line > loopRange.end));
    if (declaredInside.has(name)) {
      if (outer && outerIsOutside && name !== counter) ambiguous = true;
      if (name === counter && outer && outerIsOutside) ambiguous = true;
      return true;
    }
    if (!outer) return true;
    const member = pointerMember(outer.typeText, name, params.has(name));
    if (!member) ambiguous = true;
    else captures.push({ name, member });
    return true;
  });
  return ambiguous ? undefined : captures;
}

/** `i < B` alone or as the first operand of a chain of `&&`. */
function boundOf(condition: SyntaxNode, counter: string): SyntaxNode | undefined {
  let c: SyntaxNode | null = condition;
  while (c?.type === 'parenthesized_expression') c = c.namedChildren[0] ?? null;
  while (c?.type === 'binary_expression' && c.childForFieldName('operator')?.text === '&&') c = c.childForFieldName('left');
  while (c?.type === 'parenthesized_expression') c = c.namedChildren[0] ?? null;
  if (c?.type !== 'binary_expression' || c.childForFieldName('operator')?.text !== '<') return undefined;
  if (c.childForFieldName('left')?.text !== counter) return undefined;
  return c.childForFieldName('right') ?? undefined;
}

function writtenNames(node: SyntaxNode): Set<string> {
  const names = new Set<string>();
  const root = (n: SyntaxNode | null): string | undefined => {
    while (n && n.type !== 'identifier') {
      n = n.type === 'parenthesized_expression' ? n.namedChildren[0] ?? null
        : n.type === 'subscript_expression' || n.type === 'field_expression' ? n.childForFieldName('argument')
        : null;
    }
    return n?.text;
  };
  walk(node, (n) => {
    let target: SyntaxNode | null = null;
    if (n.type === 'assignment_expression') target = n.childForFieldName('left');
    else if (n.type === 'update_expression') target = n.childForFieldName('argument');
    else if (n.type === 'pointer_expression' && n.child(0)?.text === '&') target = n.childForFieldName('argument');
    const name = root(target);
    if (name) names.add(name);
    return true;
  });
  return names;
}

function identifiersOutsideSizeof(node: SyntaxNode): string[] {
  const ids: string[] = [];
  walk(node, (n) => {
    if (n.type === 'sizeof_expression') return false;
    if (n.type === 'identifier') ids.push(n.text);
    return true;
  });
  return ids;
}

function isHeavy(body: SyntaxNode, ctx: LoopContext): boolean {
  let heavy = false;
  let blocked = false;
  walk(body, (n) => {
    if (LOOP_TYPES.has(n.type)) heavy = true;
    if (n.type === 'call_expression') {
      const callee = calleeName(n);
      if (callee && ctx.isByteStandIn(callee)) heavy = true;
      // A translated callee with its own loops or bpf_loop stand-ins would nest bpf_loop calls,
      // which the verifier explores far more slowly than inline loops.
      if (callee && ctx.isTranslatedFunction(callee) && ctx.calleeLoops(callee)) blocked = true;
    }
    return true;
  });
  return heavy && !blocked;
}

/** The member that points at a variable of type `typeText`; undefined for types spelt in ways we do not rebuild. */
function pointerMember(typeText: string, name: string, isParam: boolean): string | undefined {
  const t = typeText.replace(/\s+/g, ' ').trim();
  if (/[()]/.test(t)) return undefined;
  const bracket = t.indexOf('[');
  if (bracket < 0) return `${t}${t.endsWith('*') ? '' : ' '}*${name}`;
  const base = t.slice(0, bracket).trim();
  // An array parameter is a pointer.
  if (isParam) return `${base} **${name}`;
  return `${base} (*${name})${t.slice(bracket).replace(/\s+/g, '')}`;
}
