// A plain tree's structure in a few typed arrays, and the plain tree rebuilt from them.
//
// Why: the workspace index parses every file on the server thread, while a document's analysis
// runs on the analysis thread, which used to parse the file again when it was opened: tree-sitter
// and the copy of its tree into plain nodes took ~95 ms of a first open of memcached.c's 6,265
// lines, as much as all its analysis. Plain nodes cannot cross between threads, and a structured
// clone of 49,000 of them would cost about what the copy does; this encoding is ~17 bytes a node
// in six typed arrays, which the index keeps and a message carries as a block copy. Rebuilding the
// nodes from it is ordinary JavaScript, with no call into wasm.
//
// The rebuilt tree is the one copyTree (plainTreeCopy.ts) makes from a parse of the same text:
// same types, named-ness, fields, offsets, error and MISSING flags, and a fresh anchor for each
// top-level subtree. Only the parser's own tree is missing: a document opened this way parses its
// text when an edit first needs the parser's tree (ParsedVersion, plainTreeEdit.ts).
//
// The parser read the document's text blanked (blanking.ts): the encoding also says where, as
// runs of characters made spaces, so that the rebuild need not scan the text's directives and
// macros again (5-11 ms of memcached.c's first open on the analysis thread).
import { blankRanges, type BlankRange } from './blanking';
import { PendingChildren, PlainNode, PlainTree, SegmentBuilder, type Anchor, type Home } from './plainTree';

export interface EncodedTree {
  /** Length of the text the tree was parsed from; a different text cannot use it. */
  textLength: number;
  /** The type and field names the codes below stand for. */
  names: string[];
  /** Per node, in pre-order: the index of its type in `names`. */
  types: Uint16Array;
  /** Per node: 1 + the index of its field in `names`, 0 for none. */
  fields: Uint16Array;
  /** Per node: NAMED, MISSING, OWN_ERROR bits. */
  flags: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  childCounts: Int32Array;
  /**
   * Start and end offsets, in pairs, of the runs of characters the parser read as spaces where
   * the document has others (blanking.ts); empty when it read the document's text itself.
   */
  blanked: Int32Array;
}

const NAMED = 1;
const MISSING = 2;
/** An error that is the node's own (an ERROR node or a MISSING one), not one below it. */
const OWN_ERROR = 4;

/** Bytes the encoding holds (its arrays), for the index's budget. */
export function encodedSize(encoded: EncodedTree): number {
  return encoded.types.length * BYTES_PER_NODE + encoded.blanked.byteLength;
}

const BYTES_PER_NODE = 2 + 2 + 1 + 4 + 4 + 4;

export class EncodingError extends Error {}

/**
 * The structure of `tree` (not its text), for decodeTree, and where its text (`tree.text`, what
 * the parser read) differs from `documentText`, the text it was parsed from before blanking.
 */
export function encodeTree(tree: PlainTree, documentText: string): EncodedTree {
  const ordered: PlainNode[] = [];
  const stack: PlainNode[] = [tree.rootNode];
  for (let node = stack.pop(); node; node = stack.pop()) {
    ordered.push(node);
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  const count = ordered.length;
  const names: string[] = [];
  const codes = new Map<string, number>();
  const codeOf = (name: string): number => {
    let code = codes.get(name);
    if (code === undefined) {
      code = names.length;
      if (code >= 0xffff) throw new EncodingError('too many distinct node type and field names to encode');
      names.push(name);
      codes.set(name, code);
    }
    return code;
  };
  const encoded: EncodedTree = {
    textLength: tree.text.length,
    names,
    types: new Uint16Array(count),
    fields: new Uint16Array(count),
    flags: new Uint8Array(count),
    starts: new Int32Array(count),
    ends: new Int32Array(count),
    childCounts: new Int32Array(count),
    blanked: differingRuns(documentText, tree.text),
  };
  for (let i = 0; i < count; i++) {
    const node = ordered[i];
    encoded.types[i] = codeOf(node.type);
    encoded.fields[i] = node.field === null ? 0 : codeOf(node.field) + 1;
    const ownError = node.isMissing || (node.hasError && !node.children.some((child) => child.hasError));
    encoded.flags[i] = (node.isNamed ? NAMED : 0) | (node.isMissing ? MISSING : 0) | (ownError ? OWN_ERROR : 0);
    encoded.starts[i] = node.startIndex;
    encoded.ends[i] = node.endIndex;
    encoded.childCounts[i] = node.children.length;
  }
  return encoded;
}

/** Offsets in pairs of the runs where two texts of one length differ; empty when they are the same string. */
function differingRuns(text: string, blanked: string): Int32Array {
  if (text.length !== blanked.length) throw new EncodingError(`the tree's text has ${blanked.length} characters, the document's ${text.length}`);
  if (text === blanked) return new Int32Array(0);
  const runs: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === blanked.charCodeAt(i)) continue;
    const start = i;
    while (i < text.length && text.charCodeAt(i) !== blanked.charCodeAt(i)) i++;
    runs.push(start, i);
  }
  return Int32Array.from(runs);
}

/**
 * The text the parser read for the tree `encoded` describes, made from the document's text: its
 * blanked runs turned into spaces (line breaks are never in one). Throws EncodingError when the
 * runs cannot be of `documentText`.
 */
export function textParsedOf(encoded: EncodedTree, documentText: string): string {
  const { blanked } = encoded;
  if (encoded.textLength !== documentText.length) throw new EncodingError(`the encoded tree is of a text of ${encoded.textLength} characters, not ${documentText.length}`);
  if (blanked.length % 2 !== 0) throw new EncodingError('the encoded tree\'s blanked runs are malformed');
  const ranges: BlankRange[] = [];
  for (let i = 0; i < blanked.length; i += 2) {
    const start = blanked[i];
    const end = blanked[i + 1];
    if (!(start >= (i === 0 ? 0 : blanked[i - 1]) && start < end && end <= documentText.length)) throw new EncodingError('the encoded tree\'s blanked runs are malformed');
    ranges.push({ start, end });
  }
  return blankRanges(documentText, ranges);
}

/**
 * The plain tree `encoded` describes, over `text` (the text the parser saw: blanked, see
 * blanking.ts). Throws EncodingError when the encoding does not fit the text or is malformed, so
 * that a caller can parse instead.
 */
export function decodeTree(encoded: EncodedTree, text: string): PlainTree {
  const { names, types, fields, flags, starts, ends, childCounts } = encoded;
  const count = types.length;
  if (encoded.textLength !== text.length) throw new EncodingError(`the encoded tree is of a text of ${encoded.textLength} characters, not ${text.length}`);
  if (count === 0 || [fields, flags, starts, ends, childCounts].some((array) => array.length !== count)) throw new EncodingError('the encoded tree is malformed');
  const home: Home = { tree: undefined };
  const make = (i: number, anchor: Anchor): PlainNode => {
    const type = names[types[i]];
    const start = starts[i];
    const end = ends[i];
    if (type === undefined || !(start >= 0 && start <= end && end <= text.length)) throw new EncodingError(`node ${i} of the encoded tree is malformed`);
    const node = new PlainNode(home, type, (flags[i] & NAMED) !== 0, start, end, anchor);
    const field = fields[i];
    if (field !== 0) node.field = names[field - 1] ?? null;
    if (flags[i] & MISSING) node.isMissing = true;
    if (flags[i] & OWN_ERROR) node.hasError = true;
    return node;
  };
  const root = make(0, { offset: 0 });
  // The open nodes from the root down, how many children each still expects, and its mark on
  // the stack of their children (PendingChildren).
  const pending = new PendingChildren();
  const segments = new SegmentBuilder();
  const open: PlainNode[] = [root];
  const expected: number[] = [childCounts[0]];
  const firstChild: number[] = [pending.mark()];
  const close = () => {
    expected.pop();
    const node = open.pop() as PlainNode;
    pending.close(node, firstChild.pop() as number);
    if (open.length > 0) segments.close(node, open.length === 1);
  };
  for (let i = 1; i < count; i++) {
    while (open.length > 0 && expected[expected.length - 1] === 0) close();
    if (open.length === 0) throw new EncodingError('the encoded tree has more nodes than its child counts describe');
    const depth = open.length - 1;
    const parent = open[depth];
    // As copyTree: a fresh anchor for each top-level subtree, shared by every node below it.
    const node = make(i, depth === 0 ? { offset: 0 } : parent.anchor);
    pending.add(parent, firstChild[depth], node);
    segments.open(node, depth === 0);
    expected[depth]--;
    if (childCounts[i] > 0) {
      open.push(node);
      expected.push(childCounts[i]);
      firstChild.push(pending.mark());
    } else if (childCounts[i] < 0) throw new EncodingError(`node ${i} of the encoded tree is malformed`);
    else segments.close(node, depth === 0);
  }
  while (open.length > 0) {
    if (expected[expected.length - 1] !== 0) throw new EncodingError('the encoded tree has fewer nodes than its child counts describe');
    close();
  }
  const tree = new PlainTree(text, root);
  tree.segmentsGiven();
  return tree;
}
