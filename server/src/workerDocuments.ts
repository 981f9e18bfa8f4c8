// What the analysis thread keeps per recently analysed document (open, or closed since: a
// reopened file is not parsed again): the last text and parse, so an edit is reparsed
// incrementally and the plain tree keeps the declarations the edit did not touch
// (plainTreeEdit.ts), and the diagnostics it last sent, so the next answer sends again only those
// that are new (analysisWorkerProtocol.ts). The parser's trees live in the wasm module's memory,
// which the garbage collector does not see: a document dropped beyond the limit frees its tree.
//
// A document opened with the text the workspace index parsed on the server's thread gets its
// plain tree rebuilt from the index's encoding of it (plainTreeEncoding.ts) instead of a parse;
// the parser's tree, which only an edit's reparse needs, is made once the answer is sent
// (parseWhatWasDecoded) or by the edit itself.
import { EncodingError, type EncodedTree } from './analysis/plainTreeEncoding';
import { freeVersion, parserTreeOf, reparse, versionFromEncoded, type LazyVersion } from './analysis/plainTreeEdit';
import { RecentMap } from './analysis/recentMap';
import type { HeldDiagnostics } from './analysisWorkerProtocol';

export interface KeptDocument {
  parse: LazyVersion;
  /** The diagnostics of its latest answer with an analysis, as sent (the base of the next one's). */
  sent?: HeldDiagnostics;
}

export class KeptDocuments {
  /** By key, least recently analysed first. */
  private readonly documents: RecentMap<string, KeptDocument>;

  constructor(limit: number) {
    this.documents = new RecentMap<string, KeptDocument>(limit, (_key, dropped) => freeVersion(dropped.parse));
  }

  /**
   * Parses `text` from the document's previous parse, and keeps the new one as the most recent.
   * With no previous parse, `encoded` (the index's tree of exactly this text), when given and
   * valid, stands in for the parse.
   */
  parseFor(key: string, text: string, encoded?: EncodedTree): KeptDocument {
    const previous = this.documents.get(key);
    // reparse consumes the previous parse (frees its tree, or hands it back for the same text),
    // even when it throws: it must be out of the map by then, or forget would free the tree again.
    this.documents.delete(key);
    const parse = !previous && encoded ? decodedOrParsed(text, encoded) : reparse(previous?.parse, text);
    const document: KeptDocument = { parse, sent: previous?.sent };
    this.documents.set(key, document);
    return document;
  }

  /**
   * Gives one kept document rebuilt from an encoding its parser tree, so that its first edit does
   * not wait for a parse of the whole text; false when none lacks one.
   */
  parseWhatWasDecoded(): boolean {
    // The most recently analysed first: the document the user is most likely to edit next.
    const unparsed = [...this.documents.values()].reverse().find((document) => !document.parse.tree);
    if (!unparsed) return false;
    parserTreeOf(unparsed.parse);
    return true;
  }

  /** Frees the document's parse (its next job parses afresh). */
  forget(key: string): void {
    const document = this.documents.get(key);
    if (document) freeVersion(document.parse);
    this.documents.delete(key);
  }

  has(key: string): boolean {
    return this.documents.has(key);
  }
}

/** The version rebuilt from `encoded`; a parse of `text` when the encoding does not fit it. */
function decodedOrParsed(text: string, encoded: EncodedTree): LazyVersion {
  try {
    return versionFromEncoded(text, encoded);
  } catch (error) {
    if (error instanceof EncodingError) return reparse(undefined, text);
    throw error;
  }
}
