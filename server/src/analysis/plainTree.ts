// A plain JavaScript copy of a tree-sitter tree, made by one cursor traversal per parse (plainTreeCopy.ts).
//
// Why: every property read on a web-tree-sitter node crosses into wasm (marshalling the node into
// a transfer buffer, calling, unmarshalling a new Node object). The analysis walks the whole tree
// a dozen times, so on a 6,000-line file that traffic, not the analysis, was most of the time.
// Copying the tree once costs one traversal; every later walk is ordinary property access.
//
// PlainNode mirrors the part of web-tree-sitter's Node API the analysis uses, with the same
// meaning: `text` is the text the parser saw (blanked before parsing, see blanking.ts),
// indices count UTF-16 code units, positions are {row, column} with columns in code units,
// `hasError` is true when an ERROR or MISSING node is anywhere below. Positions are computed from
// the text (tree-sitter counts rows by '\n'), which is what the parser reports, without asking it.
//
// Every node points to a shared Home that names its tree (a node cannot search upwards for its
// root: code nested 100,000 levels deep would make that quadratic). Subtrees carried over from
// the previous version of a document (plainTreeEdit.ts) share the Home, which then names the new
// tree; so the old tree must not be used any more once a new one is made from it.

export interface Point {
  row: number;
  column: number;
}

let nextId = 1;

/** Names the tree a node belongs to; one per line of versions of a document. */
export interface Home {
  tree: PlainTree | undefined;
}

export class PlainTree {
  readonly rootNode: PlainNode;
  /** Start offset of each line, built on the first position asked for. */
  private lineStarts: number[] | undefined;

  constructor(
    /** The text the parser saw. */
    readonly text: string,
    root: PlainNode,
  ) {
    this.rootNode = root;
    root.home.tree = this;
  }

  walk(): PlainCursor {
    return this.rootNode.walk();
  }

  private segmentsBuilt = false;

  /**
   * Gives every top-level subtree its pre-order segment (preorderSegment), built on first use, so
   * that the analysis's many walks run down arrays and a walk for a few node types visits only
   * those (treeHelpers.ts). One segment per top-level subtree, not one index for the tree: a
   * subtree carried over from the previous version of the document (plainTreeEdit.ts) keeps its
   * segment, so after an edit only the re-copied declarations are indexed again.
   */
  indexSegments(): void {
    if (this.segmentsBuilt) return;
    for (const child of this.rootNode.children) if (!child.segment) preorderSegment(child);
    this.segmentsBuilt = true;
  }

  /** Every top-level subtree was given its segment as the tree was built (SegmentBuilder). */
  segmentsGiven(): void {
    this.segmentsBuilt = true;
  }

  /**
   * Takes the line starts of `previous`, the tree of the text this one's was made from by
   * replacing [start, oldEnd) with what is now [start, newEnd), if it has them: moved by the edit
   * past it and found again only inside it, rather than by a search of the whole text (the first
   * position asked for after a keystroke in a 6,000-line file cost 0.1-0.2 ms).
   */
  takeLineStarts(previous: PlainTree, start: number, oldEnd: number, newEnd: number): void {
    const before = previous.lineStarts;
    if (!before || this.lineStarts) return;
    const delta = newEnd - oldEnd;
    // A line start is just after a '\n': those up to `start` are before the edit, those past `oldEnd` after it.
    let kept = before.length;
    while (kept > 0 && before[kept - 1] > start) kept--;
    const starts = before.slice(0, kept);
    for (let i = this.text.indexOf('\n', start); i !== -1 && i < newEnd; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
    let after = kept;
    while (after < before.length && before[after] <= oldEnd) after++;
    for (let i = after; i < before.length; i++) starts.push(before[i] + delta);
    this.lineStarts = starts;
  }

  /** The tree-sitter position of a code-unit offset. */
  positionAt(index: number): Point {
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= index) low = middle;
      else high = middle - 1;
    }
    return { row: low, column: index - starts[low] };
  }
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

const NO_CHILDREN: readonly PlainNode[] = Object.freeze([]);

/**
 * The children of the nodes still open in a pre-order build of a tree (plainTreeCopy.ts,
 * plainTreeEncoding.ts), on one stack: each open node's start from the mark taken when it
 * opened, and are sliced off when it closes. Arrays of their exact length, not ones grown by
 * push (17 slots at the first): memcached.c's copy allocates 10.5 MB instead of 13.2.
 */
export class PendingChildren {
  private readonly nodes: PlainNode[] = [];
  private count = 0;

  /** Where the children of a node opened now start. */
  mark(): number {
    return this.count;
  }

  /** `child` as the next child of `parent`, opened at `mark`: its parent and index are set. */
  add(parent: PlainNode, mark: number, child: PlainNode): void {
    child.parent = parent;
    child.index = this.count - mark;
    this.nodes[this.count++] = child;
  }

  /** Gives `node` the children added since `mark` (none: it keeps its own) and carries their errors up. */
  close(node: PlainNode, mark: number): void {
    if (this.count === mark) return;
    const children = this.nodes.slice(mark, this.count);
    node.children = children;
    for (const child of children) if (child.hasError) node.hasError = true;
    this.count = mark;
  }
}

/**
 * The nodes of one subtree in pre-order, where each subtree ends in that order, and where each
 * type occurs. Sets each node's `segment` and `order` (its position here).
 */
function preorderSegment(top: PlainNode): PreorderIndex {
  const index = emptySegment();
  const { nodes } = index;
  const stack: PlainNode[] = [top];
  for (let node = stack.pop(); node; node = stack.pop()) {
    addToSegment(index, node);
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  const ends = new Int32Array(nodes.length);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const children = nodes[i].children;
    ends[i] = children.length ? ends[children[children.length - 1].order] : i + 1;
  }
  index.ends = ends;
  return index;
}

function emptySegment(): PreorderIndex {
  return { nodes: [], ends: new Int32Array(0), byType: new Map() };
}

/** `node` as the next node of `index` in pre-order: its `segment` and `order` are set. */
function addToSegment(index: PreorderIndex, node: PlainNode): void {
  node.order = index.nodes.length;
  node.segment = index;
  index.nodes.push(node);
  const positions = index.byType.get(node.type);
  if (positions) positions.push(node.order);
  else index.byType.set(node.type, [node.order]);
}

/**
 * The pre-order segments of a tree built node by node in pre-order (plainTreeEncoding.ts), made
 * as it is built rather than by another walk of it afterwards (PlainTree.indexSegments, 3-20 ms
 * of memcached.c's first analysis). `open` each node as it is made, `close` it once its subtree
 * is complete; a top-level subtree's segment is complete when its top closes.
 */
export class SegmentBuilder {
  private segment: PreorderIndex | undefined;
  /** Ends of the current segment's nodes, by order; grown as needed and reused between segments. */
  private ends = new Int32Array(1024);

  /** `node`, the next in pre-order; `topLevel` when it is a child of the root. */
  open(node: PlainNode, topLevel: boolean): void {
    if (topLevel) this.segment = emptySegment();
    const segment = this.segment;
    if (!segment) throw new Error('a subtree opened outside any top-level subtree');
    addToSegment(segment, node);
  }

  /** `node`'s subtree is complete; `topLevel` as it was opened. */
  close(node: PlainNode, topLevel: boolean): void {
    const segment = this.segment as PreorderIndex;
    if (node.order >= this.ends.length) {
      const grown = new Int32Array(Math.max(this.ends.length * 2, node.order + 1));
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[node.order] = segment.nodes.length;
    if (topLevel) {
      segment.ends = this.ends.slice(0, segment.nodes.length);
      this.segment = undefined;
    }
  }
}

export interface PreorderIndex {
  nodes: PlainNode[];
  /** For the node at position i, the position just after its subtree. */
  ends: Int32Array;
  /** Positions of the nodes of each type, ascending. */
  byType: Map<string, number[]>;
}

/**
 * The base that offsets of one subtree are stored against: every node of a top-level subtree
 * holds its offsets relative to the subtree's anchor, so moving the subtree after an edit
 * (plainTreeEdit.ts) is one addition, not a visit of each of its nodes.
 */
export interface Anchor {
  offset: number;
}

export class PlainNode {
  readonly id = nextId++;
  parent: PlainNode | null = null;
  /** Position among the parent's children. */
  index = 0;
  /** The field this node fills in its parent, if any. */
  field: string | null = null;
  children: readonly PlainNode[] = NO_CHILDREN;
  hasError = false;
  isMissing = false;
  /** The pre-order segment of the top-level subtree holding this node (PlainTree.indexSegments); none for a root. */
  segment: PreorderIndex | undefined = undefined;
  /** Position in `segment`. */
  order = -1;
  private namedCache: PlainNode[] | undefined;
  /** Shared by the nodes of one top-level subtree (or owned by a root); see Anchor. */
  anchor: Anchor;
  /** Offsets relative to `anchor.offset`. */
  private relativeStart: number;
  private relativeEnd: number;

  constructor(
    public home: Home,
    readonly type: string,
    readonly isNamed: boolean,
    startIndex: number,
    endIndex: number,
    /** Shared by the nodes of one top-level subtree (or owned by a root); see Anchor. */
    anchor: Anchor = { offset: 0 },
  ) {
    this.anchor = anchor;
    this.relativeStart = startIndex - anchor.offset;
    this.relativeEnd = endIndex - anchor.offset;
  }

  get startIndex(): number {
    return this.anchor.offset + this.relativeStart;
  }

  get endIndex(): number {
    return this.anchor.offset + this.relativeEnd;
  }

  /**
   * Moves this subtree under `anchor` (the anchor of the top-level subtree it now belongs to),
   * every offset shifted by `delta`: a subtree the previous version of the document had inside
   * an edited declaration, reused in the new copy of it (plainTreeEdit.ts). One visit of each node,
   * none of them crossing into the parser; nothing to do when it stays where it was.
   */
  adopt(anchor: Anchor, delta: number): void {
    if (anchor === this.anchor && delta === 0) return;
    const stack: PlainNode[] = [this];
    for (let node = stack.pop(); node; node = stack.pop()) {
      const move = delta + node.anchor.offset - anchor.offset;
      node.anchor = anchor;
      node.relativeStart += move;
      node.relativeEnd += move;
      for (const child of node.children) stack.push(child);
    }
  }

  get tree(): PlainTree {
    const tree = this.home.tree;
    if (!tree) throw new Error('a plain node outside any tree');
    return tree;
  }

  get text(): string {
    return this.tree.text.slice(this.startIndex, this.endIndex);
  }

  get startPosition(): Point {
    return this.tree.positionAt(this.startIndex);
  }

  get endPosition(): Point {
    return this.tree.positionAt(this.endIndex);
  }

  get isError(): boolean {
    return this.type === 'ERROR';
  }

  get childCount(): number {
    return this.children.length;
  }

  get namedChildren(): PlainNode[] {
    return (this.namedCache ??= this.children.filter((c) => c.isNamed));
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  child(index: number): PlainNode | null {
    return this.children[index] ?? null;
  }

  namedChild(index: number): PlainNode | null {
    return this.namedChildren[index] ?? null;
  }

  get firstChild(): PlainNode | null {
    return this.children[0] ?? null;
  }

  get lastChild(): PlainNode | null {
    return this.children[this.children.length - 1] ?? null;
  }

  get firstNamedChild(): PlainNode | null {
    return this.namedChildren[0] ?? null;
  }

  get lastNamedChild(): PlainNode | null {
    const named = this.namedChildren;
    return named[named.length - 1] ?? null;
  }

  get previousSibling(): PlainNode | null {
    return this.parent?.children[this.index - 1] ?? null;
  }

  get previousNamedSibling(): PlainNode | null {
    const siblings = this.parent?.children ?? NO_CHILDREN;
    for (let i = this.index - 1; i >= 0; i--) if (siblings[i].isNamed) return siblings[i];
    return null;
  }

  /**
   * `field` is the name a cursor gives (it looks through hidden nodes). Asked of the node, as
   * here, tree-sitter reads only this node's own field map, which an ERROR node does not have,
   * though the children it swallowed may carry names from the rules they were parsed by.
   */
  childForFieldName(name: string): PlainNode | null {
    if (this.type === 'ERROR') return null;
    for (const child of this.children) if (child.field === name) return child;
    return null;
  }

  /** All children with the field, as a cursor names them (web-tree-sitter walks a cursor here too). */
  childrenForFieldName(name: string): PlainNode[] {
    return this.children.filter((c) => c.field === name);
  }

  fieldNameForChild(index: number): string | null {
    return this.children[index]?.field ?? null;
  }

  equals(other: PlainNode): boolean {
    return this === other;
  }

  /**
   * The smallest node (named or not) spanning the range, by tree-sitter's rule
   * (ts_node__descendant_for_point_range): a child qualifies when it reaches the range's end and
   * passes its start (or, when empty, touches it), and does not begin after the start.
   */
  descendantForPosition(start: Point, end: Point = start): PlainNode | null {
    if (comparePoints(start, end) > 0) return null;
    let node: PlainNode = this;
    for (let descended = true; descended; ) {
      descended = false;
      for (const child of node.children) {
        const childEnd = child.endPosition;
        if (comparePoints(childEnd, end) < 0) continue;
        const childStart = child.startPosition;
        const isEmpty = comparePoints(childStart, childEnd) === 0;
        if (isEmpty ? comparePoints(childEnd, start) < 0 : comparePoints(childEnd, start) <= 0) continue;
        if (comparePoints(start, childStart) < 0) break;
        node = child;
        descended = true;
        break;
      }
    }
    return node;
  }

  walk(): PlainCursor {
    return new PlainCursor(this);
  }

  toString(): string {
    return sexp(this);
  }
}

function comparePoints(a: Point, b: Point): number {
  return a.row - b.row || a.column - b.column;
}

/** The s-expression web-tree-sitter's Node.toString gives: named nodes, with field names. */
function sexp(node: PlainNode): string {
  const inner = node.children.filter((c) => c.isNamed || c.isMissing).map((c) => (c.field ? `${c.field}: ` : '') + sexp(c));
  const head = node.isMissing ? `MISSING ${node.isNamed ? node.type : `"${node.type}"`}` : node.type;
  return inner.length ? `(${head} ${inner.join(' ')})` : `(${head})`;
}

/** The cursor subset the analysis uses, over plain nodes: moving it costs nothing. */
export class PlainCursor {
  private readonly root: PlainNode;

  constructor(public currentNode: PlainNode) {
    this.root = currentNode;
  }

  get nodeType(): string {
    return this.currentNode.type;
  }

  get nodeIsNamed(): boolean {
    return this.currentNode.isNamed;
  }

  get currentFieldName(): string | null {
    return this.currentNode === this.root ? null : this.currentNode.field;
  }

  get startPosition(): Point {
    return this.currentNode.startPosition;
  }

  get startIndex(): number {
    return this.currentNode.startIndex;
  }

  get endIndex(): number {
    return this.currentNode.endIndex;
  }

  gotoFirstChild(): boolean {
    const first = this.currentNode.children[0];
    if (!first) return false;
    this.currentNode = first;
    return true;
  }

  gotoNextSibling(): boolean {
    if (this.currentNode === this.root) return false;
    const node = this.currentNode;
    const next = node.parent?.children[node.index + 1];
    if (!next) return false;
    this.currentNode = next;
    return true;
  }

  gotoParent(): boolean {
    if (this.currentNode === this.root || !this.currentNode.parent) return false;
    this.currentNode = this.currentNode.parent;
    return true;
  }

  /** Nothing to free; kept so code written for web-tree-sitter cursors reads the same. */
  delete(): void {}
}
