// What the analysis thread keeps per recently analysed document (open, or closed since: a
// reopened file is not parsed again): the last text and parse, so an edit is reparsed
// incrementally and the plain tree keeps the declarations the edit did not touch
// (plainTreeEdit.ts), and the diagnostics it last sent, so the next answer sends again only those
// that are new (analysisWorkerProtocol.ts). The parser's trees live in the wasm module's memory,
// which the garbage collector does not see: a document dropped beyond the limit frees its tree.
import { reparse, type ParsedVersion } from './analysis/plainTreeEdit';
import { RecentMap } from './analysis/recentMap';
import type { HeldDiagnostics } from './analysisWorkerProtocol';

export interface KeptDocument {
  parse: ParsedVersion;
  /** The diagnostics of its latest answer with an analysis, as sent (the base of the next one's). */
  sent?: HeldDiagnostics;
}

export class KeptDocuments {
  /** By key, least recently analysed first. */
  private readonly documents: RecentMap<string, KeptDocument>;

  constructor(limit: number) {
    this.documents = new RecentMap<string, KeptDocument>(limit, (_key, dropped) => dropped.parse.tree.delete());
  }

  /** Parses `text` from the document's previous parse, and keeps the new one as the most recent. */
  parseFor(key: string, text: string): KeptDocument {
    const previous = this.documents.get(key);
    // reparse consumes the previous parse (frees its tree, or hands it back for the same text),
    // even when it throws: it must be out of the map by then, or forget would free the tree again.
    this.documents.delete(key);
    const document: KeptDocument = { parse: reparse(previous?.parse, text), sent: previous?.sent };
    this.documents.set(key, document);
    return document;
  }

  /** Frees the document's parse (its next job parses afresh). */
  forget(key: string): void {
    this.documents.get(key)?.parse.tree.delete();
    this.documents.delete(key);
  }

  has(key: string): boolean {
    return this.documents.has(key);
  }
}
