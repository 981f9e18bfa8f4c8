// Copying a tree-sitter tree, or part of one, into plain nodes (plainTree.ts): one cursor
// traversal, reading as little per node as it can, since every read crosses into wasm.
import type { Tree as ParserTree, TreeCursor as ParserCursor } from 'web-tree-sitter';
import { PendingChildren, PlainNode, PlainTree, type Anchor, type Home } from './plainTree';

/** Per language: names of node types and fields, and which types are named, read once. */
export interface LanguageTables {
  types: string[];
  fields: (string | null)[];
  named: Map<number, boolean>;
}
const tablesByLanguage = new WeakMap<object, LanguageTables>();

export function languageTablesOf(tree: ParserTree): LanguageTables {
  const language = tree.language;
  let tables = tablesByLanguage.get(language);
  if (!tables) {
    tables = { types: language.types, fields: language.fields, named: new Map() };
    tablesByLanguage.set(language, tables);
  }
  return tables;
}

/**
 * An unchanged subtree to put in place of the node of this type and extent (offsets in the new
 * text), if there is one: plainTreeEdit.ts's, from the previous version of the document.
 */
export type ReusableSubtree = (type: string, isNamed: boolean, startIndex: number, endIndex: number) => PlainNode | undefined;

export interface CopyOptions {
  /** A fresh anchor for each child of the root (a whole tree's top-level subtrees). */
  anchorPerChild?: boolean;
  /** The anchor of the root and, without anchorPerChild, of every node copied below it; a fresh one by default. */
  anchor?: Anchor;
  reusable?: ReusableSubtree;
}

/**
 * Copies the subtree under the cursor's current node. Reads only the type id, the field id and
 * the two indices per node (and, in trees with errors, whether an empty node is MISSING); names
 * come from the language's tables, named-ness is cached per type. Iterative, not recursive, so
 * code nested thousands of levels deep copies like any other. With `reusable`, a node below the
 * root it answers for is not copied: the subtree it gives is put in its place (the caller moves
 * it to its new offsets, PlainNode.adopt) and the cursor does not go below that node, so an edit
 * inside a long function costs the nodes on the way down to it and their siblings, not the
 * whole function.
 */
export function copySubtree(
  cursor: ParserCursor,
  tables: LanguageTables,
  treeHasError: boolean,
  home: Home,
  options: CopyOptions = {},
): PlainNode {
  const { anchorPerChild = false, reusable } = options;
  // Whether the node `make` last returned was put in place by `reusable` rather than copied.
  let reused = false;
  const make = (anchor: Anchor, mayReuse: boolean): PlainNode => {
    // Named-ness is read before the reuse is asked: the subtree put in place must agree on it.
    const typeId = cursor.nodeTypeId;
    let isNamed = tables.named.get(typeId);
    if (isNamed === undefined) {
      isNamed = cursor.nodeIsNamed;
      tables.named.set(typeId, isNamed);
    }
    const startIndex = cursor.startIndex;
    const endIndex = cursor.endIndex;
    const type = tables.types[typeId] ?? 'ERROR';
    const old = mayReuse ? reusable?.(type, isNamed, startIndex, endIndex) : undefined;
    reused = old !== undefined;
    if (old) return old;
    const node = new PlainNode(home, type, isNamed, startIndex, endIndex, anchor);
    if (treeHasError) {
      if (typeId === 0xffff) node.hasError = true;
      else if (startIndex === endIndex && cursor.currentNode.isMissing) node.isMissing = node.hasError = true;
    }
    return node;
  };
  const root = make(options.anchor ?? { offset: 0 }, false);
  // The anchor of a node whose parent is on top of the stack: a fresh one for each child of the
  // root when asked (a whole tree's top-level subtrees), otherwise the parent's.
  const childAnchor = (parent: PlainNode): Anchor => (anchorPerChild && parent === root ? { offset: 0 } : parent.anchor);
  const stack: Frame[] = [];
  const pending = new PendingChildren();
  let current: Frame = { node: root, firstChild: pending.mark(), reused: false };
  for (;;) {
    if (!current.reused && cursor.gotoFirstChild()) {
      stack.push(current);
      const child = make(childAnchor(current.node), true);
      child.field = tables.fields[cursor.currentFieldId] ?? null;
      current = { node: child, firstChild: pending.mark(), reused };
      continue;
    }
    // Leaf, reused subtree, or all children done: close nodes until one has a next sibling.
    for (;;) {
      const done = current;
      // A reused subtree has its children already, and none pending.
      pending.close(done.node, done.firstChild);
      const parent = stack.pop();
      if (!parent) return root;
      pending.add(parent.node, parent.firstChild, done.node);
      if (cursor.gotoNextSibling()) {
        const sibling = make(childAnchor(parent.node), true);
        sibling.field = tables.fields[cursor.currentFieldId] ?? null;
        stack.push(parent);
        current = { node: sibling, firstChild: pending.mark(), reused };
        break;
      }
      cursor.gotoParent();
      current = parent;
    }
  }
}

interface Frame {
  node: PlainNode;
  /** Its PendingChildren mark. */
  firstChild: number;
  /** Carried over whole: its children are already in place. */
  reused: boolean;
}

/** The plain copy of a whole parsed tree. `text` must be the text the parser was given. */
export function copyTree(tree: ParserTree, text: string): PlainTree {
  const cursor = tree.walk();
  try {
    const root = copySubtree(cursor, languageTablesOf(tree), tree.rootNode.hasError, { tree: undefined }, { anchorPerChild: true });
    return new PlainTree(text, root);
  } finally {
    cursor.delete();
  }
}

