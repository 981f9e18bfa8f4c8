// Small, pure helpers over tree-sitter C nodes, shared by the summary, the CFG and the rules.
// Every helper tolerates missing children: tree-sitter keeps going after syntax errors and
// leaves fields absent or wrapped in ERROR nodes, and nothing here may throw on that.
import type { SyntaxNode, Tree } from './syntax';
import type { PreorderIndex } from './plainTree';
import type { Range } from './model';

export function rangeOf(node: SyntaxNode): Range {
  // Each position is computed when asked (a search of the line starts): asked once each.
  const start = node.startPosition;
  const end = node.endPosition;
  return { start: { line: start.row, character: start.column }, end: { line: end.row, character: end.column } };
}

/** The node's source text with runs of whitespace (including newlines) collapsed to one space. */
export function textOf(node: SyntaxNode | null | undefined): string {
  return node ? node.text.replace(/\s+/g, ' ').trim() : '';
}

interface IndexRange {
  index: PreorderIndex;
  from: number;
  to: number;
}

/**
 * Where `root`'s subtree lies in its tree's pre-order segments (PlainTree.indexSegments): one
 * range, or for the tree's root — which is in no segment — every top-level segment, in order.
 * Undefined for a node of a replaced version of the tree, which is walked directly.
 */
function rangesOf(root: SyntaxNode): { ranges: IndexRange[]; isTreeRoot: boolean } | undefined {
  if (!root.segment) {
    const tree = root.home.tree;
    if (!tree) return undefined;
    tree.indexSegments();
    if (root === tree.rootNode) {
      const ranges = root.children.map((child) => ({ index: child.segment!, from: 0, to: child.segment!.nodes.length }));
      return { ranges, isTreeRoot: true };
    }
  }
  const index = root.segment;
  if (!index || index.nodes[root.order] !== root) return undefined;
  return { ranges: [{ index, from: root.order, to: index.ends[root.order] }], isTreeRoot: false };
}

/**
 * Pre-order traversal over every node, named or not. Return false from `visit` to skip a node's
 * children. Runs down the pre-order segments (no recursion: code may be nested far deeper than
 * the call stack allows).
 */
export function walkNodes(root: SyntaxNode, visit: (node: SyntaxNode) => boolean | void): void {
  const found = rangesOf(root);
  if (!found) {
    const stack: SyntaxNode[] = [root];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (visit(node) === false) continue;
      const children = node.children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    return;
  }
  if (found.isTreeRoot && visit(root) === false) return;
  for (const { index, from, to } of found.ranges) {
    const { nodes, ends } = index;
    for (let i = from; i < to; ) i = visit(nodes[i]) === false ? ends[i] : i + 1;
  }
}

/** Pre-order traversal over named nodes. Return false from `visit` to skip a node's children. */
export function walk(root: SyntaxNode, visit: (node: SyntaxNode) => boolean | void): void {
  walkNodes(root, (node) => (node.isNamed ? visit(node) : false));
}

/**
 * Pre-order traversal handing `visit` only the named nodes whose type is in `types`. Return false
 * from `visit` to skip that node's children; once `stop` returns true nothing more is visited.
 * Only the nodes of those types are looked at, from the segments' indexes by type.
 */
export function walkTypes(root: SyntaxNode, types: ReadonlySet<string>, visit: (node: SyntaxNode) => boolean | void, stop?: () => boolean): void {
  const found = rangesOf(root);
  if (!found) {
    walkNodes(root, (node) => {
      if (stop?.()) return false;
      if (!types.has(node.type) || !node.isNamed) return true;
      return visit(node);
    });
    return;
  }
  if (found.isTreeRoot && root.isNamed && types.has(root.type)) {
    if (stop?.()) return;
    if (visit(root) === false) return;
  }
  for (const { index, from, to } of found.ranges) {
    const { nodes, ends, byType } = index;
    let positions: number[] = [];
    for (const type of types) {
      const all = byType.get(type);
      if (!all) continue;
      for (let k = lowerBound(all, from), end = lowerBound(all, to); k < end; k++) positions.push(all[k]);
    }
    if (types.size > 1) positions = positions.sort((a, b) => a - b);
    let skipUntil = -1;
    for (const i of positions) {
      if (i < skipUntil) continue;
      if (stop?.()) return;
      const node = nodes[i];
      if (node.isNamed && visit(node) === false) skipUntil = ends[i];
    }
  }
}

const typedNodes = new WeakMap<SyntaxNode, Map<ReadonlySet<string>, readonly SyntaxNode[]>>();

/**
 * The named nodes of `types` in `root`'s subtree, in pre-order: what walkTypes visits when
 * nothing is skipped. Kept on each node asked about, and for a tree's root on each top-level
 * declaration, so a declaration carried over unchanged from the previous version of the document
 * (plainTreeEdit.ts; a subtree is never changed once built) answers without a walk. `types` must
 * be a long-lived set: its identity is the key. The list must not be changed.
 */
export function nodesOfTypes(root: SyntaxNode, types: ReadonlySet<string>): readonly SyntaxNode[] {
  if (root.parent !== null) return keptNodesOfTypes(root, types);
  const all: SyntaxNode[] = root.isNamed && types.has(root.type) ? [root] : [];
  for (const child of root.children) for (const node of keptNodesOfTypes(child, types)) all.push(node);
  return all;
}

function keptNodesOfTypes(node: SyntaxNode, types: ReadonlySet<string>): readonly SyntaxNode[] {
  let byTypes = typedNodes.get(node);
  if (!byTypes) typedNodes.set(node, (byTypes = new Map()));
  let found = byTypes.get(types);
  if (!found) {
    const list: SyntaxNode[] = [];
    walkTypes(node, types, (n) => void list.push(n));
    byTypes.set(types, (found = list));
  }
  return found;
}

/** The first position in ascending `values` not below `value`. */
export function lowerBound(values: readonly number[], value: number): number {
  return firstNotBelow(values.length, (at) => values[at] < value);
}

/**
 * The first position in 0..`length` where `below` is false, for a `below` that holds up to some
 * position and not after it (a binary search over any sorted sequence).
 */
export function firstNotBelow(length: number, below: (at: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (below(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function namedChildrenOf(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((c): c is SyntaxNode => c !== null);
}

export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  return node.children.filter((c): c is SyntaxNode => c !== null);
}

/** Declarator node types that wrap an inner declarator (the name sits at the bottom). */
const WRAPPING_DECLARATORS = new Set([
  'pointer_declarator',
  'array_declarator',
  'function_declarator',
  'parenthesized_declarator',
  'attributed_declarator',
  'init_declarator',
]);

/** Wrappers that change nothing about the declared entity's type. */
const TRANSPARENT_DECLARATORS = new Set(['parenthesized_declarator', 'attributed_declarator']);

const NAME_NODES = new Set(['identifier', 'field_identifier', 'type_identifier', 'primitive_type']);

export function innerDeclarator(node: SyntaxNode): SyntaxNode | null {
  const field = node.childForFieldName('declarator');
  if (field) return field;
  if (node.type === 'parenthesized_declarator' || node.type === 'attributed_declarator') {
    return namedChildrenOf(node).find((c) => c.type !== 'attribute_specifier' && c.type !== 'comment') ?? null;
  }
  return null;
}

/**
 * The chain of declarators from `declarator` down to the declared name, outermost first.
 * `name` is undefined for abstract declarators (unnamed parameters).
 */
export function declaratorChain(declarator: SyntaxNode): { chain: SyntaxNode[]; name?: SyntaxNode } {
  const chain: SyntaxNode[] = [];
  let current: SyntaxNode | null = declarator;
  for (let depth = 0; current && depth < 64; depth++) {
    if (NAME_NODES.has(current.type)) return { chain, name: current };
    if (!WRAPPING_DECLARATORS.has(current.type)) break;
    chain.push(current);
    current = innerDeclarator(current);
  }
  return { chain };
}

/**
 * The derivations that apply to the name, innermost (the name's own kind) first, without
 * parentheses and attributes: `int *a[4]` gives [array, pointer]; `int (*f)(int)` gives
 * [pointer, function].
 */
export function derivationsOf(declarator: SyntaxNode): SyntaxNode[] {
  return declaratorChain(declarator)
    .chain.filter((d) => !TRANSPARENT_DECLARATORS.has(d.type) && d.type !== 'init_declarator')
    .reverse();
}

/** The function_declarator that makes the name a function (not a function pointer), if any. */
export function ownFunctionDeclarator(declarator: SyntaxNode): SyntaxNode | undefined {
  const first = derivationsOf(declarator)[0];
  return first?.type === 'function_declarator' ? first : undefined;
}

export function declaredName(declarator: SyntaxNode | null | undefined): SyntaxNode | undefined {
  return declarator ? declaratorChain(declarator).name : undefined;
}

/** The name of a function_definition, or undefined when the declarator is too broken to tell. */
export function functionNameOf(definition: SyntaxNode): string | undefined {
  const declarator = definition.childForFieldName('declarator');
  if (!declarator || !ownFunctionDeclarator(declarator)) return undefined;
  const name = declaredName(declarator);
  return name?.type === 'identifier' ? name.text : undefined;
}

/**
 * Each parameter's name in order, '' where there is none to read (unnamed or behind parentheses),
 * so that indexes still line up with the arguments of a call.
 */
export function parameterNames(definition: SyntaxNode): string[] {
  let declarator = definition.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  const params = declarator?.childForFieldName('parameters');
  if (!params) return [];
  return namedChildrenOf(params)
    .filter((p) => p.type === 'parameter_declaration')
    .map((p) => {
      let d = p.childForFieldName('declarator');
      while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
      return d?.text ?? '';
    });
}

/** Containers whose children are file-scope items (conditional compilation, error recovery). */
const FILE_SCOPE_CONTAINERS = new Set([
  'translation_unit',
  'preproc_if',
  'preproc_ifdef',
  'preproc_else',
  'preproc_elif',
  'preproc_elifdef',
  'linkage_specification',
  'declaration_list',
  'ERROR',
]);

/** Every function definition at file scope, including inside #if blocks, in source order. */
export function functionDefinitions(root: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  walk(root, (node) => {
    if (node.type === 'function_definition') {
      found.push(node);
      return false;
    }
    return FILE_SCOPE_CONTAINERS.has(node.type) || node.type.startsWith('preproc_');
  });
  return found;
}

/** The first definition of `name` (with #if alternatives, the first in source order). */
export function findFunctionDefinition(tree: Tree | SyntaxNode, name: string): SyntaxNode | undefined {
  const root = 'rootNode' in tree ? tree.rootNode : tree;
  return functionDefinitions(root).find((d) => functionNameOf(d) === name);
}

/**
 * Source text of `node` with the given descendants cut out, whitespace normalised so that
 * type texts compare equal however they were spaced ("char *", "int (*)(int)", "char [16]").
 */
export function textWithout(node: SyntaxNode, cuts: SyntaxNode[]): string {
  const base = node.startIndex;
  const source = node.text;
  const sorted = cuts
    .filter((c) => c.startIndex >= base && c.endIndex <= node.endIndex)
    .sort((a, b) => a.startIndex - b.startIndex);
  let out = '';
  let at = 0;
  for (const cut of sorted) {
    const from = cut.startIndex - base;
    if (from < at) continue;
    out += source.slice(at, from) + ' ';
    at = cut.endIndex - base;
  }
  out += source.slice(at);
  return normaliseTypeSpacing(out);
}

export function normaliseTypeSpacing(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/([([]) /g, '$1')
    .replace(/ ([)\]])/g, '$1')
    .replace(/([)\]]) ([([])/g, '$1$2')
    .replace(/\* (?=[*)[(]|const\b|volatile\b|restrict\b)/g, '*')
    .replace(/ ,/g, ',');
}
