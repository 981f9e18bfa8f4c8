// What the slices look up again and again in one version of a file, built once per version: the
// function definitions by name (instead of a search of the tree per callee), and each
// definition's control-flow graph.
//
// A version's tree is never changed once built, so its index is kept beside it (a WeakMap on
// its root, gone with the tree). A CFG is kept on the definition node itself, which the next
// version may carry over unchanged (plainTreeEdit.ts: same text, same structure, offsets moved);
// it is reused only when the definition still starts at the same line and column, since the
// graph's ranges are positions.
import type { SyntaxNode, Tree } from '../syntax';
import type { ControlFlowGraph } from '../model';
import { buildCfg } from '../cfg';
import { functionDefinitions, functionNameOf, walkTypes } from '../treeHelpers';

export interface FileDefinitions {
  /** Every function definition at file scope, in source order (treeHelpers.functionDefinitions). */
  all: SyntaxNode[];
  /** The first definition of each name, as findFunctionDefinition returns it. */
  byName: Map<string, SyntaxNode>;
}

const indexes = new WeakMap<SyntaxNode, FileDefinitions>();
/** Per definition node, its name (null: none); it depends on the node's syntax only, which a reparse carries over. */
const namesOfDefinitions = new WeakMap<SyntaxNode, string | null>();

export function fileDefinitions(tree: Tree): FileDefinitions {
  const root = tree.rootNode;
  let index = indexes.get(root);
  if (!index) {
    const all = functionDefinitions(root);
    const byName = new Map<string, SyntaxNode>();
    for (const definition of all) {
      const name = definitionName(definition);
      if (name !== undefined && !byName.has(name)) byName.set(name, definition);
    }
    index = { all, byName };
    indexes.set(root, index);
  }
  return index;
}

/** functionNameOf(definition), worked out once per definition node (a reparse carries unchanged ones over). */
export function definitionName(definition: SyntaxNode): string | undefined {
  let name = namesOfDefinitions.get(definition);
  if (name === undefined) {
    name = functionNameOf(definition) ?? null;
    namesOfDefinitions.set(definition, name);
  }
  return name ?? undefined;
}

/** The first definition of `name` in the file (findFunctionDefinition, from the index). */
export function definitionOf(tree: Tree, name: string): SyntaxNode | undefined {
  return fileDefinitions(tree).byName.get(name);
}

const graphs = new WeakMap<SyntaxNode, { row: number; column: number; cfg: ControlFlowGraph }>();

/** buildCfg(definition), built once per definition and position. The graph must not be mutated. */
export function cfgOf(definition: SyntaxNode): ControlFlowGraph {
  const { row, column } = definition.startPosition;
  const kept = graphs.get(definition);
  if (kept && kept.row === row && kept.column === column) return kept.cfg;
  const cfg = buildCfg(definition);
  graphs.set(definition, { row, column, cfg });
  return cfg;
}

const calledNames = new WeakMap<SyntaxNode, Set<string>>();
export const CALLS: ReadonlySet<string> = new Set(['call_expression']);

/** Names called directly (`name(...)`) anywhere in a definition; kept on the node, they depend on its text only. */
export function namesCalledIn(definition: SyntaxNode): Set<string> {
  let names = calledNames.get(definition);
  if (!names) {
    names = new Set();
    const found = names;
    walkTypes(definition, CALLS, (call) => {
      const callee = call.childForFieldName('function');
      if (callee?.type === 'identifier') found.add(callee.text);
    });
    calledNames.set(definition, names);
  }
  return names;
}
