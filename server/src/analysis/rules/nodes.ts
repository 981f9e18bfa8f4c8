// Small helpers over tree-sitter nodes shared by the rule families. tree-sitter gives ERROR
// nodes and missing children on malformed C, so every accessor here tolerates null.
import type { SyntaxNode } from '../syntax';
import type { Position, Range } from '../model';

export function rangeOf(node: SyntaxNode): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

export function samePosition(a: Position, b: Position): boolean {
  return a.line === b.line && a.character === b.character;
}

/**
 * The node's named children: the tree's own array, kept by the node (plain trees hold no null
 * children), so the walks over a large function allocate none per node. Read it, never change it.
 */
export function namedChildren(node: SyntaxNode): readonly SyntaxNode[] {
  return node.namedChildren;
}

/**
 * Visits `node` and its descendants depth-first, in source order. The visitor returns false to
 * skip a subtree. Iterative so deeply nested generated code cannot overflow the JS stack.
 */
export function walk(node: SyntaxNode, visit: (n: SyntaxNode) => boolean | void, check?: () => void): void {
  const stack: SyntaxNode[] = [node];
  let visited = 0;
  while (stack.length) {
    const n = stack.pop()!;
    if (check && ++visited % 2048 === 0) check();
    if (visit(n) === false) continue;
    const kids = namedChildren(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
}

/** Descendants of the given types, not descending into nested function definitions. */
export function descendantsOfType(node: SyntaxNode, types: string[], check?: () => void): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  walk(node, (n) => {
    if (n !== node && n.type === 'function_definition') return false;
    if (types.includes(n.type)) found.push(n);
    return true;
  }, check);
  return found;
}

/** Strips parentheses around an expression. */
export function unparenthesize(node: SyntaxNode | null): SyntaxNode | null {
  let n = node;
  while (n && n.type === 'parenthesized_expression') n = n.namedChild(0);
  return n;
}

/** The name declared by a declarator, looking through pointers, arrays, functions and init. */
export function declaratorName(node: SyntaxNode | null): SyntaxNode | null {
  let n = node;
  for (let depth = 0; n && depth < 32; depth++) {
    if (n.type === 'identifier' || n.type === 'field_identifier' || n.type === 'type_identifier') return n;
    n = n.childForFieldName('declarator') ?? (n.type === 'parenthesized_declarator' ? n.namedChild(0) : null);
  }
  return null;
}

/** Function definitions of the tree keyed by the start of their range ("line:character"). */
export function functionNodesByStart(root: SyntaxNode): Map<string, SyntaxNode> {
  const map = new Map<string, SyntaxNode>();
  walk(root, (n) => {
    if (n.type === 'function_definition') {
      map.set(`${n.startPosition.row}:${n.startPosition.column}`, n);
      return false;
    }
    // Definitions only appear at file scope or inside preprocessor conditionals / linkage blocks.
    return n.type === 'translation_unit' || n.type.startsWith('preproc_') || n.type === 'linkage_specification' || n.type === 'declaration_list' || n.type === 'ERROR';
  });
  return map;
}

/**
 * Start of the line holding `node`'s first character, and that line's leading whitespace. Found
 * from the node's own offset, back to the line's newline: no line table of the whole text, which
 * cost a scan of the file in every analysis (and was quadratic when rebuilt per diagnostic).
 */
export function lineStart(text: string, node: SyntaxNode): { position: Position; indent: string } {
  const offset = node.startIndex - node.startPosition.column;
  const leading = /[ \t]*/y;
  leading.lastIndex = offset;
  const indent = leading.exec(text)?.[0] ?? '';
  return { position: { line: node.startPosition.row, character: 0 }, indent };
}
