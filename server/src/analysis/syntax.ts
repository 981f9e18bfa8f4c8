// Parsing C with web-tree-sitter. The only module that knows where the wasm files live.
// web-tree-sitter needs a one-time async init; after that parsing is synchronous.
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, Tree as ParserTree, Edit } from 'web-tree-sitter';
import { attributeMacrosAfterEdit, attributeMacrosKey, attributeMacrosOf, blankAttributeMacros, blankAttributeMacrosAfterEdit, type AttributeMacros } from './attributeMacros';
import { blankRanges, sameRangesOutsideEdit, splitConditionalRanges, splitConditionalRangesAfterEdit, type BlankRange } from './conditionalBranches';
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

/** Which attribute macros each tree was parsed with blanked (attributeMacros.ts), and their key. */
const blankedWith = new WeakMap<ParserTree, string>();
const macrosOfTree = new WeakMap<ParserTree, AttributeMacros>();
/** The conditional branches each tree was parsed with blanked (conditionalBranches.ts). */
const conditionalRangesOfTree = new WeakMap<ParserTree, BlankRange[]>();
/** The text each tree was parsed from, after blanking: what node.text shows. */
const parsedText = new WeakMap<ParserTree, string>();
/** Trees whose text attribute-macro blanking left as it was. */
const unblanked = new WeakSet<ParserTree>();
/** The plain copy of each tree, made on first request. */
const plainCopies = new WeakMap<ParserTree, PlainTree>();

/**
 * Parses a whole string of C. With oldTree (already edited with tree.edit) the parse is
 * incremental. The caller owns the returned tree and must delete() it.
 *
 * Attribute-only macros (attributeMacros.ts) and the alternative branches of #if groups that
 * split braces (conditionalBranches.ts) are blanked first, keeping every offset, so the tree's
 * positions are those of `text`; node.text shows the blanked text. An incremental parse is only
 * reused when the old tree was blanked the same way outside the edit: a #define added or removed
 * by the edit can change the blanking far from the edited range, and so can a brace typed in a
 * branch. `from` (the raw text `oldTree` was parsed from, and the edit made since) lets both be
 * taken from the old tree.
 */
export function parseC(text: string, oldTree?: ParserTree, from?: { text: string; edit: Edit }): ParserTree {
  sharedParser ??= createCParser();
  // With the old tree's text and the edit, the macros are re-read only when the edit touched a
  // preprocessor line (attributeMacrosAfterEdit).
  const previousMacros = oldTree && from ? macrosOfTree.get(oldTree) : undefined;
  const macros = previousMacros && from ? attributeMacrosAfterEdit({ text: from.text, macros: previousMacros }, text, from.edit) : attributeMacrosOf(text);
  const key = attributeMacrosKey(macros);
  const previousRanges = oldTree ? conditionalRangesOfTree.get(oldTree) : undefined;
  const ranges =
    previousRanges && from ? splitConditionalRangesAfterEdit({ text: from.text, ranges: previousRanges }, text, from.edit) : splitConditionalRanges(text);
  const sameBranches = previousRanges !== undefined && (from ? sameRangesOutsideEdit(previousRanges, ranges, from.edit) : !previousRanges.length && !ranges.length);
  const reusable = oldTree && blankedWith.get(oldTree) === key && sameBranches ? oldTree : null;
  // The same macros left the old text as it was: only the edited lines can need blanking now.
  const withoutAttributes =
    oldTree && from && macros === previousMacros && unblanked.has(oldTree) ? blankAttributeMacrosAfterEdit(text, from.edit, macros) : blankAttributeMacros(text, macros);
  const blanked = blankRanges(withoutAttributes, ranges);
  const tree = sharedParser.parse(blanked, reusable);
  if (!tree) throw new Error('tree-sitter returned no tree');
  blankedWith.set(tree, key);
  if (withoutAttributes === text) unblanked.add(tree);
  macrosOfTree.set(tree, macros);
  conditionalRangesOfTree.set(tree, ranges);
  parsedText.set(tree, blanked);
  return tree;
}

/** The text a tree from parseC was parsed from (attribute macros and split conditional branches blanked). */
export function parsedTextOf(tree: ParserTree): string {
  const text = parsedText.get(tree);
  if (text === undefined) throw new Error('the tree did not come from parseC');
  return text;
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
