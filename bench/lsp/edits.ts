// Where the benchmark types: the first column of statements inside function bodies, spread
// evenly over the file, so edits land at the top, middle and end of a long file as a person's
// would. Each place gets a character inserted, then deleted again (two edits), so the text is
// back to the original after every pair and every edit is of the same kind.
import { readFileSync } from 'node:fs';
import { parseCAsync, SyntaxNode } from '../../server/src/analysis/syntax';

export interface EditPosition {
  /** 0-based line and UTF-16 column, as LSP counts. */
  line: number;
  character: number;
}

export interface ContentChange {
  range: { start: EditPosition; end: EditPosition };
  rangeLength: number;
  text: string;
}

/** The character typed; a letter in front of a statement is what a half-typed word looks like. */
export const TYPED = 'x';

function statementStarts(body: SyntaxNode, lines: string[], into: EditPosition[]): void {
  for (const child of body.namedChildren) {
    if (!child || child.type === 'comment') continue;
    const { row, column } = child.startPosition;
    const line = lines[row] ?? '';
    // tree-sitter counts bytes, LSP UTF-16 units; they agree on ASCII, so only such places are used.
    if (!/^[\x00-\x7f]*$/.test(line.slice(0, column + 1))) continue;
    if (line.slice(0, column).trim() !== '') continue;
    into.push({ line: row, character: column });
  }
}

function functionBodies(node: SyntaxNode, into: SyntaxNode[]): void {
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (child.type === 'function_definition') {
      const body = child.childForFieldName('body');
      if (body) into.push(body);
    } else if (child.type !== 'compound_statement') {
      functionBodies(child, into);
    }
  }
}

/** `count` places evenly spread over the statements of the file's function bodies. */
export async function planEditPositions(file: string, count: number): Promise<EditPosition[]> {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const tree = await parseCAsync(text);
  const candidates: EditPosition[] = [];
  const bodies: SyntaxNode[] = [];
  functionBodies(tree.rootNode, bodies);
  for (const body of bodies) statementStarts(body, lines, candidates);
  if (candidates.length === 0) throw new Error(`${file} has no statements inside function bodies to edit`);
  const result: EditPosition[] = [];
  for (let i = 0; i < count; i++) result.push(candidates[Math.floor(((i + 0.5) * candidates.length) / count)]);
  return result;
}

/** `count` edits (typed, deleted, typed, …) at places planned over the file, as the benchmark's sessions make them. */
export async function plannedEdits(file: string, count: number): Promise<ContentChange[]> {
  return editSequence(await planEditPositions(file, Math.ceil(count / 2))).slice(0, count);
}

/** The incremental changes for `pairs` insert/delete pairs: 2 × pairs edits in all. */
export function editSequence(positions: EditPosition[]): ContentChange[] {
  const changes: ContentChange[] = [];
  for (const at of positions) {
    changes.push({ range: { start: at, end: at }, rangeLength: 0, text: TYPED });
    const after = { line: at.line, character: at.character + TYPED.length };
    changes.push({ range: { start: at, end: after }, rangeLength: TYPED.length, text: '' });
  }
  return changes;
}
