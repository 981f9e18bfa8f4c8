// Small questions about tree-sitter C nodes that the CFG builder and its callers share.
import type { Tree, SyntaxNode } from '../syntax';
import type { Position, Range } from '../model';

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

export function rangeContains(outer: Range, position: Position): boolean {
  return comparePositions(outer.start, position) <= 0 && comparePositions(position, outer.end) <= 0;
}

/**
 * Named children without the `null`s web-tree-sitter may hand back and without comments (unlike
 * treeHelpers' namedChildrenOf, which keeps comments): a comment must not become a CFG statement.
 */
export function namedChildrenOf(node: SyntaxNode): SyntaxNode[] {
  const result: SyntaxNode[] = [];
  for (const child of node.namedChildren) {
    if (child && child.type !== 'comment') result.push(child);
  }
  return result;
}

/**
 * Every function definition outside other function bodies, in source order. Definitions under
 * `#if`/`#ifdef` branches and `extern "C"`-style wrappers are included; GNU nested functions
 * are not, because they belong to their enclosing function's body. Unlike treeHelpers'
 * functionDefinitions this descends into every node, so error-recovered definitions still get a CFG.
 */
export function functionDefinitions(tree: Tree | SyntaxNode): SyntaxNode[] {
  const root = 'rootNode' in tree ? tree.rootNode : tree;
  const found: SyntaxNode[] = [];
  // An explicit stack rather than recursion: preprocessor nesting in real headers can be deep.
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'function_definition') {
      found.push(node);
      continue;
    }
    const children = namedChildrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return found;
}

/** The declared name of a function definition, looking through pointers and parentheses. */
export function functionNameOf(definition: SyntaxNode): string | undefined {
  let declarator: SyntaxNode | null = definition.childForFieldName('declarator');
  for (let depth = 0; declarator && depth < 64; depth++) {
    if (declarator.type === 'identifier') return declarator.text;
    const inner: SyntaxNode | null = declarator.childForFieldName('declarator');
    if (inner) {
      declarator = inner;
      continue;
    }
    // attributed_declarator and parenthesized_declarator hold their declarator unnamed.
    declarator = namedChildrenOf(declarator).find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
  }
  return undefined;
}

/**
 * The value of a condition when it is a literal (`1`, `0x0`, `1u`, `true`, `false`), which is
 * how C spells "loop forever" and the `do { … } while (0)` macro idiom. Undefined otherwise.
 */
export function constantTruth(condition: SyntaxNode | null): boolean | undefined {
  let node = condition;
  while (node && node.type === 'parenthesized_expression') {
    const inner = namedChildrenOf(node);
    node = inner.length === 1 ? inner[0] : null;
  }
  if (!node) return undefined;
  if (node.type === 'true') return true;
  if (node.type === 'false') return false;
  if (node.type !== 'number_literal') return undefined;
  const digits = node.text.replace(/[uUlL]+$/, '');
  const value = /^0[xX][0-9a-fA-F]+$/.test(digits)
    ? parseInt(digits.slice(2), 16)
    : /^[0-9]+$/.test(digits)
      ? parseInt(digits, digits.length > 1 && digits.startsWith('0') ? 8 : 10)
      : NaN;
  return Number.isNaN(value) ? undefined : value !== 0;
}
