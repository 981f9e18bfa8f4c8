// Parsing a new version of a document from the previous one: the parser reparses incrementally,
// and the plain tree (plainTree.ts) carries over every top-level declaration the edit left alone
// instead of copying the whole tree again, so a keystroke costs a few milliseconds, not a
// traversal of the file.
//
// A declaration is carried over when the new tree has a node of the same type over the same text
// (the old text shifted by the edit when it came after it) and tree-sitter reports no change of
// structure there (getChangedRanges). Shifted ones get their offsets moved; positions follow,
// since plain nodes compute them from offsets. The declarations that are copied again (the edited
// one, mostly) take their unchanged subtrees over by the same rule (InnerReuse), so typing in a
// 1,000-line function copies the statements on the way to the edit, not the function.
//
// A subtree holding an error is never carried over: tree-sitter redoes error recovery around it on
// every parse (in a file whose root is an ERROR node, around every declaration), may settle on
// other nodes over the same text, and then compares only a node's type, size and state, not what
// is below (getChangedRanges reported nothing where `char` turned from a primitive_type into an
// identifier).
import type { Edit, Tree as ParserTree } from 'web-tree-sitter';
import { PlainNode, PlainTree, type Home } from './plainTree';
import { copySubtree, languageTablesOf } from './plainTreeCopy';
import { decodeTree, textParsedOf, type EncodedTree } from './plainTreeEncoding';
import { parseC, parsedTextOf, plainTreeOf, setPlainTree } from './syntax';

export interface ParsedVersion {
  text: string;
  /** The parser's tree; owned by this version until it is passed to reparse or freed. */
  tree: ParserTree;
  plain: PlainTree;
}

/**
 * A version that may not have its parser tree yet: one rebuilt from an encoded tree
 * (versionFromEncoded) has none until parserTreeOf parses its text.
 */
export interface LazyVersion {
  text: string;
  tree: ParserTree | undefined;
  plain: PlainTree;
}

/**
 * A version whose plain tree is rebuilt from `encoded`, the encoding of a parse of exactly `text`
 * (the workspace index's, plainTreeEncoding.ts), without parsing: the parser's tree is made only
 * when an edit needs it (parserTreeOf). Throws EncodingError when the encoding cannot be of `text`.
 */
export function versionFromEncoded(text: string, encoded: EncodedTree): LazyVersion {
  const version: LazyVersion = { text, tree: undefined, plain: decodeTree(encoded, textParsedOf(encoded, text)) };
  if (!LONE_CARRIAGE_RETURN.test(text)) withoutLoneCarriageReturn.add(version);
  return version;
}

/**
 * The version's parser tree, parsed from its text if it has none yet. tree-sitter parses the same
 * text into the same tree, so the version's plain tree is that tree's copy, as the next edit's
 * carry-over expects.
 */
export function parserTreeOf(version: LazyVersion): ParserTree {
  if (!version.tree) {
    const tree = parseC(version.text);
    setPlainTree(tree, version.plain);
    version.tree = tree;
  }
  return version.tree;
}

/** Frees the version's parser tree, if it has one. */
export function freeVersion(version: LazyVersion): void {
  version.tree?.delete();
  version.tree = undefined;
}

// tree-sitter counts rows at '\n' only, LSP also at a lone '\r' (documents.ts): such texts are
// parsed afresh rather than edited.
const LONE_CARRIAGE_RETURN = /\r(?!\n)/;

/** Versions whose text has no lone '\r': the next one is then searched for one around its edit alone. */
const withoutLoneCarriageReturn = new WeakSet<LazyVersion>();

/** Whether `text`, `previous.text` changed by `edit`, has a lone '\r'. */
function hasLoneCarriageReturn(previous: LazyVersion, text: string, edit: Edit): boolean {
  if (!withoutLoneCarriageReturn.has(previous)) return LONE_CARRIAGE_RETURN.test(text);
  // Elsewhere a '\r' and the character after it are as they were; the one before the edit has a new follower.
  for (let i = Math.max(0, edit.startIndex - 1); i < edit.newEndIndex; i++) {
    if (text.charCodeAt(i) === 0x0d && text.charCodeAt(i + 1) !== 0x0a) return true;
  }
  return false;
}

/**
 * Parses `text`, reusing `previous` (which is consumed: its parser tree is freed) when given. A
 * previous version without its parser tree has its text parsed first, for the edit's reparse.
 */
export function reparse(previous: ParsedVersion | undefined, text: string): ParsedVersion;
export function reparse(previous: LazyVersion | undefined, text: string): LazyVersion;
export function reparse(previous: LazyVersion | undefined, text: string): LazyVersion {
  if (previous && previous.text === text) return previous;
  const between = previous && editBetween(previous.text, text);
  const edit = previous && between && !hasLoneCarriageReturn(previous, text, between) ? between : undefined;
  if (!previous || !edit) {
    previous?.tree?.delete();
    const tree = parseC(text);
    const version = { text, tree, plain: plainTreeOf(tree) };
    if (!LONE_CARRIAGE_RETURN.test(text)) withoutLoneCarriageReturn.add(version);
    return version;
  }
  try {
    const oldTree = parserTreeOf(previous);
    oldTree.edit(edit);
    const tree = parseC(text, oldTree, { text: previous.text, edit });
    const plain = carryOver(previous.plain, oldTree, tree, edit);
    setPlainTree(tree, plain);
    const version = { text, tree, plain };
    withoutLoneCarriageReturn.add(version);
    return version;
  } finally {
    // Consumed: its tree is freed, and the caller does not use the version again.
    previous.tree?.delete();
  }
}

/** The single edit turning `before` into `after`: what lies between their common prefix and suffix. */
export function editBetween(before: string, after: string): Edit | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  let start = commonLength(shorter, (from, to) => before.substring(from, to) === after.substring(from, to));
  const room = shorter - start;
  let suffix = commonLength(
    room,
    (from, to) => before.substring(before.length - to, before.length - from) === after.substring(after.length - to, after.length - from),
  );
  // Never split a surrogate pair: positions count code units of whole characters.
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  const oldEndIndex = before.length - suffix;
  const newEndIndex = after.length - suffix;
  // One pass over the lines up to the edit; the texts agree up to its start.
  const startPosition = lineWalk(before, { index: 0, row: 0, lineStart: 0 }, start);
  return {
    startIndex: start,
    oldEndIndex,
    newEndIndex,
    startPosition: pointOf(startPosition),
    oldEndPosition: pointOf(lineWalk(before, startPosition, oldEndIndex)),
    newEndPosition: pointOf(lineWalk(after, startPosition, newEndIndex)),
  };
}

/**
 * How many leading units (`limit` at most) two texts share, told by `same(from, to)` over ranges
 * of them: ranges of doubling length while they agree, then halving ones to close in, then single
 * units. A substring comparison is a memory comparison, so a 200 KB text costs a few dozen of
 * them, not one per unit.
 */
function commonLength(limit: number, same: (from: number, to: number) => boolean): number {
  let length = 0;
  let step = BLOCK;
  while (length + step <= limit && same(length, length + step)) {
    length += step;
    step *= 2;
  }
  while (step > 1) {
    step >>= 1;
    if (length + step <= limit && same(length, length + step)) length += step;
  }
  return length < limit && same(length, length + 1) ? length + 1 : length;
}

const BLOCK = 256;

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

interface LinePlace {
  index: number;
  row: number;
  /** Where the line holding `index` starts. */
  lineStart: number;
}

/** The place of `index` in `text`, counting rows on from `from` (at or before it). */
function lineWalk(text: string, from: LinePlace, index: number): LinePlace {
  let { row, lineStart } = from;
  for (let i = text.indexOf('\n', from.index); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { index, row, lineStart };
}

const pointOf = (place: LinePlace) => ({ row: place.row, column: place.index - place.lineStart });

/** The plain tree of `tree`, built from `previous` (the plain copy of `oldTree` before `edit`). */
function carryOver(previous: PlainTree, oldTree: ParserTree, tree: ParserTree, edit: Edit): PlainTree {
  const text = parsedTextOf(tree);
  const changed = tree.getChangedRanges(oldTree);
  const delta = edit.newEndIndex - edit.oldEndIndex;
  // Old top-level nodes the edit did not touch, by where they start in the new text.
  const untouched = new Map<number, PlainNode>();
  for (const node of previous.rootNode.children) {
    if (node.endIndex <= edit.startIndex) untouched.set(node.startIndex, node);
    else if (node.startIndex >= edit.oldEndIndex) untouched.set(node.startIndex + delta, node);
  }
  const inner = new InnerReuse(previous, text, edit, changed);
  const home: Home = previous.rootNode.home;
  const tables = languageTablesOf(tree);
  const hasError = tree.rootNode.hasError;
  const cursor = tree.walk();
  try {
    const typeId = cursor.nodeTypeId;
    const root = new PlainNode(home, tables.types[typeId] ?? 'ERROR', cursor.nodeIsNamed, cursor.startIndex, cursor.endIndex);
    root.hasError = typeId === 0xffff;
    const children: PlainNode[] = [];
    for (let more = cursor.gotoFirstChild(); more; more = cursor.gotoNextSibling()) {
      const start = cursor.startIndex;
      const end = cursor.endIndex;
      const type = tables.types[cursor.nodeTypeId] ?? 'ERROR';
      const old = untouched.get(start);
      let child: PlainNode;
      if (
        old &&
        !old.hasError &&
        old.type === type &&
        old.endIndex - old.startIndex === end - start &&
        !changed.some((r) => r.startIndex <= end && r.endIndex >= start) &&
        previous.text.slice(old.startIndex, old.endIndex) === text.slice(start, end)
      ) {
        if (old.startIndex !== start) shift(old, start - old.startIndex);
        inner.carried.add(old);
        child = old;
      } else {
        const top = inner.claim(start);
        child = copySubtree(cursor, tables, hasError, home, { anchor: top?.anchor, reusable: inner.find });
        if (top) child = inner.keepIfSame(child, top);
      }
      child.parent = root;
      child.index = children.length;
      child.field = tables.fields[cursor.currentFieldId] ?? null;
      children.push(child);
      if (child.hasError) root.hasError = true;
    }
    if (children.length) root.children = children;
    inner.moveFound();
    const plain = new PlainTree(text, root);
    plain.takeLineStarts(previous, edit.startIndex, edit.oldEndIndex, edit.newEndIndex);
    return plain;
  } finally {
    cursor.delete();
  }
}

/**
 * Moves every offset in a top-level subtree by `delta`: its nodes' offsets are relative to the
 * subtree's own anchor (copySubtree gives each top-level subtree one), so moving it is moving that.
 */
function shift(node: PlainNode, delta: number): void {
  node.anchor.offset += delta;
}

/**
 * The subtrees of the previous version's edited top-level declarations that a copy of the new
 * ones can take as they are (copySubtree's `reusable`): a node of the same type over the same
 * text, shifted by the edit when after it, that neither the edit nor a change of structure
 * tree-sitter reports (getChangedRanges) touches — the statements of a long function around the
 * one typed in. Found subtrees are moved into their new place (PlainNode.adopt) only once the
 * whole copy is made, so that every search runs down the previous tree as it was (or, for a
 * declaration whose anchor the copy took, as that anchor moved it).
 */
class InnerReuse {
  /** Top-level declarations carried over whole (searched no further), set as the copy goes. */
  readonly carried = new Set<PlainNode>();
  private readonly tops: readonly PlainNode[];
  /** The top-level declarations' offsets before any was shifted. */
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly delta: number;
  private readonly found: { node: PlainNode; start: number }[] = [];
  /** Top-level declarations whose anchor a new one took (see anchorFor), by position. */
  private readonly claimed = new Set<number>();
  /** Of those, the ones moved by the edit already: their nodes are at their new offsets. */
  private readonly moved = new Set<number>();

  constructor(
    private readonly previous: PlainTree,
    private readonly text: string,
    private readonly edit: Edit,
    private readonly changed: readonly { startIndex: number; endIndex: number }[],
  ) {
    this.tops = previous.rootNode.children;
    this.starts = this.tops.map((node) => node.startIndex);
    this.ends = this.tops.map((node) => node.endIndex);
    this.delta = edit.newEndIndex - edit.oldEndIndex;
  }

  /**
   * The previous top-level declaration starting where a copied new one starts (its start shifted
   * by the edit when after it), if no other copy took it: the copy takes its anchor, which its
   * unchanged subtrees then keep, so moving them into the copy visits none of their nodes but
   * those after the edit inside the declaration it touched. Moved by the edit here, when after it.
   */
  claim(start: number): PlainNode | undefined {
    const { edit } = this;
    const after = start >= edit.newEndIndex;
    if (!after && start >= edit.startIndex) return undefined;
    const oldStart = after ? start - this.delta : start;
    const top = lastAtOrBefore(this.starts, oldStart);
    if (top < 0 || this.starts[top] !== oldStart || this.claimed.has(top) || this.carried.has(this.tops[top])) return undefined;
    this.claimed.add(top);
    if (after && this.delta !== 0) {
      this.tops[top].anchor.offset += this.delta;
      this.moved.add(top);
    }
    return this.tops[top];
  }

  /**
   * `old` (claimed) in place of `copy` when the two are the same subtree over the same text —
   * types, extents, fields and flags — so that what the analysis keeps per node stays with it: a
   * declaration holding an error is copied again on every edit (see the top of this file), and
   * mostly comes out as it was. The subtrees the copy took from `old` get their parents back.
   */
  keepIfSame(copy: PlainNode, old: PlainNode): PlainNode {
    const top = this.tops.indexOf(old);
    if (this.previous.text.slice(this.starts[top], this.ends[top]) !== this.text.slice(copy.startIndex, copy.endIndex)) return copy;
    const differing: PlainNode[] = [];
    const pairs: [PlainNode, PlainNode][] = [[copy, old]];
    for (let pair = pairs.pop(); pair; pair = pairs.pop()) {
      const [a, b] = pair;
      if (a === b) continue;
      if (
        a.type !== b.type ||
        a.startIndex !== b.startIndex ||
        a.endIndex !== b.endIndex ||
        a.isNamed !== b.isNamed ||
        a.hasError !== b.hasError ||
        a.isMissing !== b.isMissing ||
        (a !== copy && a.field !== b.field) ||
        a.children.length !== b.children.length
      ) {
        return copy;
      }
      differing.push(b);
      for (let i = 0; i < a.children.length; i++) pairs.push([a.children[i], b.children[i]]);
    }
    for (const node of differing) {
      node.children.forEach((child, index) => {
        child.parent = node;
        child.index = index;
      });
    }
    return old;
  }

  /** The previous version's subtree for the new node of `type` over [start, end), if it is the same. */
  readonly find = (type: string, isNamed: boolean, start: number, end: number): PlainNode | undefined => {
    // An empty node has nothing to gain, and a MISSING one no text to compare.
    if (start === end) return undefined;
    const { edit } = this;
    const before = end <= edit.startIndex;
    if (!before && start < edit.newEndIndex) return undefined;
    if (this.changed.some((r) => r.startIndex <= end && r.endIndex >= start)) return undefined;
    const oldStart = before ? start : start - this.delta;
    const oldEnd = before ? end : end - this.delta;
    const top = lastAtOrBefore(this.starts, oldStart);
    if (top < 0 || this.ends[top] < oldEnd || this.carried.has(this.tops[top])) return undefined;
    // Where the node is in the previous tree as it is now: moved with its declaration, or not yet.
    const [from, to] = this.moved.has(top) ? [start, end] : [oldStart, oldEnd];
    for (let node: PlainNode | undefined = this.tops[top]; node; node = childSpanning(node, from, to)) {
      if (node.startIndex !== from || node.endIndex !== to || node.type !== type || node.isNamed !== isNamed) continue;
      if (node.hasError) return undefined;
      if (this.previous.text.slice(oldStart, oldEnd) !== this.text.slice(start, end)) return undefined;
      this.found.push({ node, start });
      return node;
    }
    return undefined;
  };

  /** Moves every subtree found into the new top-level subtree that took it. */
  moveFound(): void {
    for (const { node, start } of this.found) {
      let top = node;
      while (top.parent && top.parent.parent) top = top.parent;
      node.adopt(top.anchor, start - node.startIndex);
    }
  }
}

/** The last position in ascending `values` at or below `value`; -1 when there is none. */
function lastAtOrBefore(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (values[middle] <= value) low = middle + 1;
    else high = middle - 1;
  }
  return high;
}

/** The child of `node` whose extent holds [start, end) (start < end), if any. */
function childSpanning(node: PlainNode, start: number, end: number): PlainNode | undefined {
  const children = node.children;
  let low = 0;
  let high = children.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (children[middle].startIndex <= start) low = middle + 1;
    else high = middle - 1;
  }
  // Empty children (MISSING nodes) may sit at `start` beside the one that spans it.
  for (let i = high; i >= 0; i--) {
    const child = children[i];
    if (child.endIndex >= end) return child;
    if (child.startIndex < child.endIndex) return undefined;
  }
  return undefined;
}
