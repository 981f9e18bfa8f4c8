// Statement-level facts the translator decides hand-overs with: which statements write shared
// state, where a hand-over must move so a write is never applied twice, and small tree helpers.
import type { SyntaxNode } from '../../syntax';
import type { FunctionInfo } from '../../model';
import { walk } from '../../treeHelpers';
import { calleeName } from '../../entries/sockets';
import { LOOP_TYPES } from './loops';

export const STATEMENT_TYPES = new Set([
  'expression_statement', 'return_statement', 'declaration', 'if_statement', 'for_statement', 'while_statement',
  'do_statement', 'switch_statement', 'break_statement', 'continue_statement', 'goto_statement', 'compound_statement',
]);

/** Assignments, increments and byte-function stores to globals, statics or through local pointers. */
export function stateWrites(definition: SyntaxNode, info: FunctionInfo | undefined, globalNames: Set<string>): SyntaxNode[] {
  const params = new Set(info?.params.map((p) => p.name) ?? []);
  const statics = new Set(info?.locals.filter((l) => l.isStatic).map((l) => l.name) ?? []);
  const pointers = new Set(info?.locals.filter((l) => /\*/.test(l.typeText)).map((l) => l.name) ?? []);
  const shared = (root: string | undefined, viaPointer: boolean) =>
    !!root && !params.has(root) && (globalNames.has(root) || statics.has(root) || (viaPointer && pointers.has(root)));
  const found: SyntaxNode[] = [];
  walk(definition, (node) => {
    let target: SyntaxNode | null | undefined = null;
    if (node.type === 'assignment_expression') target = node.childForFieldName('left');
    else if (node.type === 'update_expression') target = node.childForFieldName('argument');
    else if (node.type === 'call_expression' && /^(memcpy|memmove|memset)$/.test(calleeName(node) ?? '')) {
      target = node.childForFieldName('arguments')?.namedChildren[0];
      const root = target ? rootIdentifier(target) : undefined;
      if (shared(root, true)) found.push(node);
      return true;
    }
    if (target) {
      const root = rootIdentifier(target);
      if (shared(root, /->/.test(target.text) || target.type === 'pointer_expression' || target.type === 'subscript_expression')) found.push(node);
    }
    return true;
  });
  return found;
}

/**
 * Where to hand over so that a run reaching `handover` after `write` never performs the write:
 * the statement holding the write, in the block the two share; the whole if/loop/switch when the
 * write is in its condition or the two are in one loop; nothing when they are in different
 * branches of an if.
 */
export function handoverBefore(write: SyntaxNode, handover: SyntaxNode): SyntaxNode | undefined {
  const ancestors = new Set<number>();
  for (let n: SyntaxNode | null = handover; n; n = n.parent) ancestors.add(n.id);
  let child: SyntaxNode = write;
  let common: SyntaxNode | null = write.parent;
  while (common && !ancestors.has(common.id)) {
    child = common;
    common = common.parent;
  }
  if (!common) return undefined;
  if (common.type === 'compound_statement') return STATEMENT_TYPES.has(child.type) ? child : undefined;
  if (common.type === 'if_statement') {
    const condition = common.childForFieldName('condition');
    return condition && condition.id === child.id ? common : undefined;
  }
  if (LOOP_TYPES.has(common.type) || common.type === 'switch_statement') return common;
  let statement: SyntaxNode | null = common;
  while (statement && !STATEMENT_TYPES.has(statement.type)) statement = statement.parent;
  return statement ?? undefined;
}

/** The loop (or, for a break, also the switch) a break/continue belongs to. */
export function ownerOf(node: SyntaxNode, switchToo: boolean): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (LOOP_TYPES.has(n.type) || (switchToo && n.type === 'switch_statement')) return n;
  return undefined;
}

export function statementOf(node: SyntaxNode, stop: SyntaxNode): SyntaxNode {
  for (let n: SyntaxNode | null = node; n && n.id !== stop.id; n = n.parent) if (STATEMENT_TYPES.has(n.type) && n.type !== 'compound_statement') return n;
  return node;
}

export function rootIdentifier(node: SyntaxNode): string | undefined {
  let n: SyntaxNode | null = node;
  while (n && n.type !== 'identifier') {
    n = n.type === 'field_expression' ? n.childForFieldName('argument')
      : n.type === 'subscript_expression' ? n.childForFieldName('argument')
      : n.type === 'pointer_expression' ? n.childForFieldName('argument')
      : n.type === 'parenthesized_expression' ? n.namedChildren[0] ?? null
      : null;
  }
  return n?.text;
}

/** `struct counter *c = f(x);` → `struct counter *c = {0};`: the name stays declared for the dead code after the hand-over. */
export function declarationWithoutInitializers(node: SyntaxNode): string {
  let out = '';
  let at = node.startIndex;
  const text = node.tree.rootNode.text;
  for (const child of node.namedChildren) {
    if (child?.type !== 'init_declarator') continue;
    const value = child.childForFieldName('value');
    if (!value) continue;
    out += text.slice(at, value.startIndex) + '{0}';
    at = value.endIndex;
  }
  return (out + text.slice(at, node.endIndex)).replace(/\s*\n\s*/g, ' ');
}
