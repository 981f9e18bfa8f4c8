// File-scope declarations (globals and prototypes) of a document are read again on every edit of
// it, though an edit changes one or two of them. What one declaration gave is kept on its node:
// a declaration carried over unchanged from the previous version of the document
// (plainTreeEdit.ts) is the same object and never changes, so its prototypes and globals can be
// taken as they were — moved by the lines it moved — when the file answers the questions its
// reading asked (constants, global names) as it did then.
import type { SyntaxNode } from '../syntax';
import type { FileSummary } from '../model';
import type { SummaryContext } from './declarations';
import { answersSame, recordingContext, shiftRange, type ContextQuery } from './functionMemo';

export type DeclarationParts = Pick<FileSummary, 'prototypes' | 'globals'>;

interface KeptDeclaration extends DeclarationParts {
  file: string;
  row: number;
  column: number;
  queries: ContextQuery[];
}

const keptByDeclaration = new WeakMap<SyntaxNode, KeptDeclaration>();

/**
 * Adds what `declaration` declares to `summary` (and its globals' names to `globals`), by `read`
 * or as kept from an earlier reading of the same node. `read` may throw: what it added before is
 * kept, as without the memo, and nothing is remembered.
 */
export function addDeclarationOnce(
  declaration: SyntaxNode,
  context: SummaryContext,
  globals: Set<string>,
  summary: DeclarationParts,
  read: (context: SummaryContext, into: DeclarationParts) => void,
): void {
  const { row, column } = declaration.startPosition;
  let kept = keptByDeclaration.get(declaration);
  // Only a whole move by lines keeps every position inside it a row shift away.
  if (kept && kept.file === context.file && kept.column === column && answersSame(kept.queries, context)) {
    const rows = row - kept.row;
    if (rows !== 0) {
      kept = {
        ...kept,
        row,
        prototypes: kept.prototypes.map((p) => ({ ...p, range: shiftRange(p.range, rows) })),
        globals: kept.globals.map((g) => ({ ...g, range: shiftRange(g.range, rows) })),
      };
      keptByDeclaration.set(declaration, kept);
    }
    for (const prototype of kept.prototypes) summary.prototypes.push(prototype);
    for (const global of kept.globals) {
      globals.add(global.name);
      summary.globals.push(global);
    }
    return;
  }
  const queries: ContextQuery[] = [];
  const parts: DeclarationParts = { prototypes: [], globals: [] };
  try {
    read(recordingContext(context, queries), parts);
    keptByDeclaration.set(declaration, { file: context.file, row, column, queries, ...parts });
  } finally {
    for (const prototype of parts.prototypes) summary.prototypes.push(prototype);
    for (const global of parts.globals) summary.globals.push(global);
  }
}
