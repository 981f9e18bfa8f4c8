// Open documents and their syntax trees. Text is kept in sync incrementally (the client sends
// only the changed ranges) and every change is also applied to the old tree with tree.edit, so
// tree-sitter reparses only what changed. Trees live in wasm memory that no garbage collector
// sees: every tree is deleted exactly once, when replaced, closed or disposed. Features see the
// plain copy of the tree (plainTree.ts), made once per version on first use.
import { TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { parseC, parsePlainC, plainTreeOf, type Tree, type ParserTree, type Edit } from './analysis/syntax';
import { canonicalUri } from './uris';

export interface OpenDocument {
  /** The URI as the client spelled it (used when talking to the client). */
  uri: string;
  /** The canonical URI: the file identifier given to the analysis. */
  file: string;
  document: TextDocument;
  /**
   * Parsed on first use (the analysis thread parses its own copy; parsing a 100k-line file here
   * would hold up every request for seconds), then kept up to date incrementally. Valid until the
   * next change or close; never keep it across an await.
   */
  readonly tree: Tree;
}

class LazilyParsedDocument implements OpenDocument {
  private parsed: ParserTree | undefined;

  constructor(
    readonly uri: string,
    readonly file: string,
    readonly document: TextDocument,
  ) {}

  get tree(): Tree {
    this.parsed ??= parseC(this.document.getText());
    return plainTreeOf(this.parsed);
  }

  /** A document never parsed only has its text updated. */
  change(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    const old = this.parsed;
    if (!old) return applyTextChanges(this.document, changes, version);
    this.parsed = undefined;
    // The old tree is consumed either way; on failure the next use parses the text afresh.
    this.parsed = applyChanges(this.document, old, changes, version);
  }

  dispose(): void {
    this.parsed?.delete();
    this.parsed = undefined;
  }
}

/** applyChanges without a tree: the same checks and clamping, text only. */
function applyTextChanges(document: TextDocument, changes: readonly TextDocumentContentChangeEvent[], version: number): void {
  for (const raw of Array.isArray(changes) ? changes : []) {
    const change = classify(raw);
    if (change?.kind === 'full') TextDocument.update(document, [{ text: change.text }], version);
    else if (change) applyRangedChange(document, change.change, version);
  }
  TextDocument.update(document, [], version);
}

// tree-sitter counts rows at '\n' only, LSP also at a lone '\r'; with one of those in the text
// the two disagree on rows, so such documents are reparsed from scratch instead.
const LONE_CARRIAGE_RETURN = /\r(?!\n)/;

type RangedChange = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };

/**
 * Changes as they come off the wire, checked: a change whose text is not a string is dropped,
 * one without a usable range replaces the whole text (LSP's full change has no range).
 */
function classify(change: unknown): { kind: 'full'; text: string } | { kind: 'ranged'; change: RangedChange } | undefined {
  if (typeof change !== 'object' || change === null) return undefined;
  const { range, text } = change as { range?: unknown; text?: unknown };
  if (typeof text !== 'string') return undefined;
  if (range === undefined || range === null) return { kind: 'full', text };
  const { start, end } = range as { start?: unknown; end?: unknown };
  const isPosition = (p: unknown) => typeof p === 'object' && p !== null;
  if (!isPosition(start) || !isPosition(end)) return undefined;
  return { kind: 'ranged', change: change as RangedChange };
}

/**
 * Applies one ranged change to the text document and returns the matching tree-sitter edit.
 * Ranges out of bounds are clamped and reversed ranges swapped, exactly as the text document
 * does, so text and tree never disagree whatever the client sends.
 */
function applyRangedChange(document: TextDocument, change: RangedChange, version: number): Edit {
  let startIndex = document.offsetAt(sanitizePosition(change.range.start));
  let oldEndIndex = document.offsetAt(sanitizePosition(change.range.end));
  if (startIndex > oldEndIndex) [startIndex, oldEndIndex] = [oldEndIndex, startIndex];
  const startPosition = document.positionAt(startIndex);
  const oldEndPosition = document.positionAt(oldEndIndex);
  const text = change.text;
  TextDocument.update(document, [{ range: { start: startPosition, end: oldEndPosition }, text }], version);
  const newEndIndex = startIndex + text.length;
  const newEndPosition = document.positionAt(newEndIndex);
  return {
    startIndex,
    oldEndIndex,
    newEndIndex,
    startPosition: { row: startPosition.line, column: startPosition.character },
    oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
    newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
  };
}

/** Positions from the wire may be negative, fractional or not numbers at all. */
function sanitizePosition(p: { line: number; character: number } | undefined): { line: number; character: number } {
  const clean = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);
  return { line: clean(p?.line), character: clean(p?.character) };
}

/**
 * Applies content changes (in order, as LSP specifies) to a document and its tree, returning
 * the new tree. The old tree is consumed: it is deleted here, whether parsing succeeds or not.
 */
export function applyChanges(
  document: TextDocument,
  oldTree: ParserTree,
  changes: readonly TextDocumentContentChangeEvent[],
  version: number,
): ParserTree {
  let incremental = true;
  try {
    for (const raw of Array.isArray(changes) ? changes : []) {
      const change = classify(raw);
      if (!change) continue;
      if (change.kind === 'full') {
        TextDocument.update(document, [{ text: change.text }], version);
        incremental = false;
      } else {
        const edit = applyRangedChange(document, change.change, version);
        if (incremental) oldTree.edit(edit);
      }
    }
    // The version moves on even when every change was dropped.
    TextDocument.update(document, [], version);
    const text = document.getText();
    if (LONE_CARRIAGE_RETURN.test(text)) incremental = false;
    return incremental ? parseC(text, oldTree) : parseC(text);
  } finally {
    oldTree.delete();
  }
}

export class DocumentStore {
  private readonly documents = new Map<string, LazilyParsedDocument>();

  /** Opens (or reopens, replacing) a document; it is parsed when its tree is first asked for. */
  open(uri: string, languageId: string, version: number, text: string): OpenDocument {
    this.close(uri);
    const document = TextDocument.create(uri, languageId, version, text);
    const open = new LazilyParsedDocument(uri, canonicalUri(uri), document);
    this.documents.set(uri, open);
    return open;
  }

  /** Applies incremental or full changes; undefined when the document is not open. */
  change(uri: string, version: number, changes: readonly TextDocumentContentChangeEvent[]): OpenDocument | undefined {
    const open = this.documents.get(uri);
    if (!open) return undefined;
    open.change(changes, version);
    return open;
  }

  close(uri: string): boolean {
    const open = this.documents.get(uri);
    if (!open) return false;
    this.documents.delete(uri);
    open.dispose();
    return true;
  }

  get(uri: string): OpenDocument | undefined {
    return this.documents.get(uri);
  }

  /** The open document for a canonical file identifier, whatever spelling the client used. */
  getByFile(file: string): OpenDocument | undefined {
    for (const open of this.documents.values()) if (open.file === file) return open;
    return undefined;
  }

  all(): OpenDocument[] {
    return [...this.documents.values()];
  }

  dispose(): void {
    for (const uri of [...this.documents.keys()]) this.close(uri);
  }
}

interface CachedParse {
  text: string;
  tree: Tree;
}

/**
 * Trees of workspace files that are not open, for features that need syntax of a closed file.
 * Bounded: the least recently used tree is dropped when the cache is full.
 */
export class ParsedFileCache {
  // A Map iterates in insertion order; re-inserting on use keeps the oldest entry first.
  private readonly entries = new Map<string, CachedParse>();

  constructor(private readonly capacity = 16) {
    if (!(capacity >= 1)) throw new Error(`ParsedFileCache capacity must be at least 1, got ${capacity}`);
  }

  /** The tree of `text` for `file`; valid until the next call into this cache or an await. */
  get(file: string, text: string): Tree {
    const cached = this.entries.get(file);
    if (cached) {
      this.entries.delete(file);
      if (cached.text === text) {
        this.entries.set(file, cached);
        return cached.tree;
      }
    }
    const tree = parsePlainC(text);
    this.entries.set(file, { text, tree });
    this.evict();
    return tree;
  }

  has(file: string): boolean {
    return this.entries.has(file);
  }

  get size(): number {
    return this.entries.size;
  }

  forget(file: string): void {
    this.entries.delete(file);
  }

  dispose(): void {
    for (const file of [...this.entries.keys()]) this.forget(file);
  }

  private evict(): void {
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.forget(oldest);
    }
  }
}
