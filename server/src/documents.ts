// Open documents and their syntax trees. Text is kept in sync incrementally (the client sends
// only the changed ranges); the tree is brought up to date when next asked for, by reparsing the
// previous one incrementally (plainTreeEdit.ts), so tree-sitter reparses only what changed and
// the plain copy features see keeps the declarations the edits left alone. Parser trees live in
// wasm memory that no garbage collector sees: each is deleted exactly once, when replaced,
// closed or disposed.
import { TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { parsePlainC, type Tree } from './analysis/syntax';
import { reparse, type ParsedVersion } from './analysis/plainTreeEdit';
import { RecentMap } from './analysis/recentMap';
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
  /** The last parse, and whether the text has changed since. */
  private parsed: ParsedVersion | undefined;
  private stale = false;

  constructor(
    readonly uri: string,
    readonly file: string,
    readonly document: TextDocument,
  ) {}

  get tree(): Tree {
    if (!this.parsed || this.stale) {
      const previous = this.parsed;
      this.parsed = undefined;
      // reparse consumes the previous parse; on failure the next use parses the text afresh.
      this.parsed = reparse(previous, this.document.getText());
      this.stale = false;
    }
    return this.parsed.plain;
  }

  /**
   * Only the text is updated: the tree is reparsed, from the previous one, when next asked for,
   * so a burst of keystrokes that no feature looks at costs no parsing on this thread.
   */
  change(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    applyTextChanges(this.document, changes, version);
    this.stale = true;
  }

  dispose(): void {
    this.parsed?.tree.delete();
    this.parsed = undefined;
  }
}

/** Applies content changes (in order, as LSP specifies) to the text, checked and clamped. */
function applyTextChanges(document: TextDocument, changes: readonly TextDocumentContentChangeEvent[], version: number): void {
  for (const raw of Array.isArray(changes) ? changes : []) {
    const change = classify(raw);
    if (change?.kind === 'full') TextDocument.update(document, [{ text: change.text }], version);
    else if (change) applyRangedChange(document, change.change, version);
  }
  TextDocument.update(document, [], version);
}

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
 * Applies one ranged change to the text document. Ranges out of bounds are clamped and reversed
 * ranges swapped, exactly as the text document does, whatever the client sends.
 */
function applyRangedChange(document: TextDocument, change: RangedChange, version: number): void {
  let startIndex = document.offsetAt(sanitizePosition(change.range.start));
  let oldEndIndex = document.offsetAt(sanitizePosition(change.range.end));
  if (startIndex > oldEndIndex) [startIndex, oldEndIndex] = [oldEndIndex, startIndex];
  const start = document.positionAt(startIndex);
  const end = document.positionAt(oldEndIndex);
  TextDocument.update(document, [{ range: { start, end }, text: change.text }], version);
}

/** Positions from the wire may be negative, fractional or not numbers at all. */
function sanitizePosition(p: { line: number; character: number } | undefined): { line: number; character: number } {
  const clean = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);
  return { line: clean(p?.line), character: clean(p?.character) };
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
  private readonly entries: RecentMap<string, CachedParse>;

  constructor(capacity = 16) {
    this.entries = new RecentMap(capacity);
  }

  /** The tree of `text` for `file`; valid until the next call into this cache or an await. */
  get(file: string, text: string): Tree {
    const cached = this.entries.get(file);
    if (cached?.text === text) {
      this.entries.touch(file);
      return cached.tree;
    }
    // The stale tree goes first, so that a parse that throws leaves nothing of it behind.
    this.entries.delete(file);
    const tree = parsePlainC(text);
    this.entries.set(file, { text, tree });
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
    this.entries.clear();
  }
}
