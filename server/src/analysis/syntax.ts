// Parsing C with web-tree-sitter. The only module that knows where the wasm files live.
// web-tree-sitter needs a one-time async init; after that parsing is synchronous.
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, Tree as ParserTree, Edit } from 'web-tree-sitter';
import { blankingAfterEdit, blankingOf, sameOutsideEdit, type Blanking } from './blanking';
import { PlainTree } from './plainTree';
import { copyTree } from './plainTreeCopy';

// The analysis works on plain copies of the parser's trees (plainTree.ts); the parser's own tree
// (ParserTree) is kept only where parsing and incremental editing happen.
export type { PlainTree as Tree, PlainNode as SyntaxNode } from './plainTree';
export type { ParserTree, Edit };

let cLanguage: Language | undefined;
let initPromise: Promise<Language> | undefined;

/** Directories searched for the wasm files: beside the bundle (dist/), then node_modules. */
function locate(file: string, packageEntry: string): string {
  const besideBundle = path.join(__dirname, file);
  if (fs.existsSync(besideBundle)) return besideBundle;
  return require.resolve(packageEntry);
}

export function grammarWasmPath(): string {
  return locate('tree-sitter-c.wasm', 'tree-sitter-c/tree-sitter-c.wasm');
}

export function runtimeWasmPath(): string {
  return locate('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm');
}

/** Loads the runtime and the C grammar once; every later call returns the same language. */
export function initC(): Promise<Language> {
  if (!initPromise) {
    initPromise = (async () => {
      const runtime = runtimeWasmPath();
      await Parser.init({ locateFile: () => runtime });
      cLanguage = await Language.load(fs.readFileSync(grammarWasmPath()));
      return cLanguage;
    })();
  }
  return initPromise;
}

/** A parser for C. Callers own it and must call delete() when done. Requires initC() first. */
export function createCParser(): Parser {
  if (!cLanguage) throw new Error('initC() must complete before parsers are created');
  const parser = new Parser();
  parser.setLanguage(cLanguage);
  return parser;
}

let sharedParser: Parser | undefined;

/** How the text of each tree was blanked (blanking.ts): node.text shows the blanked text. */
const blankingOfTree = new WeakMap<ParserTree, Blanking>();
/** The plain copy of each tree, made on first request. */
const plainCopies = new WeakMap<ParserTree, PlainTree>();

/**
 * Parses a whole string of C. With oldTree (already edited with tree.edit) the parse is
 * incremental. The caller owns the returned tree and must delete() it.
 *
 * The text is blanked first (blanking.ts), keeping every offset, so the tree's positions are
 * those of `text`; node.text shows the blanked text. `from` (the raw text `oldTree` was parsed
 * from, and the edit made since) lets the blanking start from the old tree's; the old tree is
 * reused only when the two texts are blanked alike outside the edit (without `from`, only when
 * neither is blanked at all).
 */
export function parseC(text: string, oldTree?: ParserTree, from?: { text: string; edit: Edit }): ParserTree {
  sharedParser ??= createCParser();
  const previous = oldTree && blankingOfTree.get(oldTree);
  const blanking = previous && from ? blankingAfterEdit({ text: from.text, blanking: previous }, text, from.edit) : blankingOf(text);
  const alike = previous && (from ? sameOutsideEdit(previous, blanking, from.edit) : !previous.ranges.length && !blanking.ranges.length);
  const tree = sharedParser.parse(blanking.text, alike ? oldTree : null);
  if (!tree) throw new Error('tree-sitter returned no tree');
  blankingOfTree.set(tree, blanking);
  return tree;
}

/** The text a tree from parseC was parsed from, blanked (blanking.ts). */
export function parsedTextOf(tree: ParserTree): string {
  const blanking = blankingOfTree.get(tree);
  if (!blanking) throw new Error('the tree did not come from parseC');
  return blanking.text;
}

/**
 * The plain copy of a tree from parseC, for the analysis. Made once per tree, so every request
 * on one version of a document pays for one copy.
 */
export function plainTreeOf(tree: ParserTree): PlainTree {
  let plain = plainCopies.get(tree);
  if (!plain) {
    plain = copyTree(tree, parsedTextOf(tree));
    plainCopies.set(tree, plain);
  }
  return plain;
}

/** Records a plain copy made elsewhere (by reusing the previous version's, plainTreeEdit.ts). */
export function setPlainTree(tree: ParserTree, plain: PlainTree): void {
  plainCopies.set(tree, plain);
}

/** Parses a string of C straight into a plain tree, freeing the parser's tree. */
export function parsePlainC(text: string): PlainTree {
  const tree = parseC(text);
  try {
    return copyTree(tree, parsedTextOf(tree));
  } finally {
    tree.delete();
  }
}

/** Convenience for tests and the CLI: init, then parse into a plain tree. */
export async function parseCAsync(text: string): Promise<PlainTree> {
  await initC();
  return parsePlainC(text);
}
