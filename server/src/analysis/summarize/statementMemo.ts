// What one statement inside a function body gave its function's summary (its locals, call sites
// and comments), kept on the statement's node so that a keystroke in a long function
// re-summarises the statements on the way to the edit, not the other thousand lines of it.
//
// reparse carries the unchanged subtrees of an edited declaration over as the same node objects
// (InnerReuse in plainTreeEdit.ts), over the same text, so what a statement's node gave stays true
// of it, but for three things that are checked on every use:
// - where it starts: kept only while it starts in the same column; when it moved by whole lines,
//   every range inside moved by as many and is shifted;
// - what its declarations asked the file (constants, global names: the same recorded questions as
//   a whole function's, functionMemo.ts) and the function (whether a name in an array length is a
//   parameter or a local declared before it: a VLA);
// - whether a call is direct, which depends on every local of the function and the file's globals:
//   decided anew for every kept call (only its CallSite object is kept when the answer is the same).
// A statement holding anything that goes to the file's own lists (#define, struct body, typedef…)
// keeps nothing: a walk that skipped it would miss those.
import type { SyntaxNode } from '../syntax';
import type { CallSite, Range, VariableInfo } from '../model';
import { walkNodes } from '../treeHelpers';
import { shiftCall, shiftRange, shiftVariable, type ContextQuery } from './functionMemo';

/** One local a statement declares, with the questions its type asked. */
export interface KeptLocal {
  info: VariableInfo;
  /** Questions to the file (recordingContext). */
  queries: ContextQuery[];
  /** Names asked about among the function's parameters and earlier locals, with the answers. */
  variableAnswers: [string, boolean][];
}

/** One call inside a statement. */
export interface KeptCall {
  /** As made last; taken again while its callee is still direct (or still not). */
  site: CallSite;
  /** The callee's name when the called expression is one (direct unless a variable holds it). */
  target?: string;
  targetRange?: Range;
}

export interface StatementPart {
  file: string;
  row: number;
  column: number;
  /** Shared with the parts of the statements around and inside: their offsets are apart. */
  locals: KeptLocal[];
  /** Where each local's declaration starts, counted from the statement's start. */
  localOffsets: number[];
  calls: KeptCall[];
  /** Where each call starts, counted from the statement's start. */
  callOffsets: number[];
  /** Comment nodes inside (the file's annotations are read from them). */
  comments: SyntaxNode[];
}

const partByStatement = new WeakMap<SyntaxNode, StatementPart>();

/** Nodes holding a list of statements: a block, a case, a preprocessor group inside a body. */
const STATEMENT_LISTS = new Set(['compound_statement', 'case_statement', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef']);
/** Their children that are no statement: a case's value, a group's condition or macro name. */
const NOT_STATEMENTS = new Set(['value', 'condition', 'name']);

/** Whether `node` is one statement of a list of them (the pieces a function's summary is kept in). */
export function isListedStatement(node: SyntaxNode): boolean {
  const parent = node.parent;
  if (!parent || !node.isNamed || node.type === 'comment' || !STATEMENT_LISTS.has(parent.type)) return false;
  return node.field === null || !NOT_STATEMENTS.has(node.field);
}

/** The part kept for `statement`, whatever its place (the comments a walk would find are in it). */
export function keptPartOf(statement: SyntaxNode): StatementPart | undefined {
  return partByStatement.get(statement);
}

/**
 * The part kept for `statement` in `file`, with its ranges where the statement is now; undefined
 * when none is kept or it cannot be moved there. A moved part replaces the kept one.
 */
export function partAt(statement: SyntaxNode, file: string): StatementPart | undefined {
  const part = partByStatement.get(statement);
  if (!part || part.file !== file) return undefined;
  const { row, column } = statement.startPosition;
  if (column !== part.column) return undefined;
  if (row === part.row) return part;
  // Anonymous types are named after their line: such a type cannot just be moved.
  if (part.locals.some((local) => local.info.typeText.includes('<anon@'))) return undefined;
  const rows = row - part.row;
  const moved: StatementPart = {
    ...part,
    row,
    locals: part.locals.map((local) => ({ ...local, info: shiftVariable(local.info, rows) })),
    calls: part.calls.map((call) => ({
      ...call,
      site: shiftCall(call.site, rows),
      ...(call.targetRange ? { targetRange: shiftRange(call.targetRange, rows) } : {}),
    })),
  };
  partByStatement.set(statement, moved);
  return moved;
}

export function keepPart(statement: SyntaxNode, part: StatementPart): void {
  partByStatement.set(statement, part);
}

/** Nodes whose insides hold nothing the summary reads (as collect in summarize.ts). */
export const OPAQUE = new Set(['string_literal', 'concatenated_string', 'char_literal', 'number_literal', 'system_lib_string']);

/**
 * The declarations and calls inside a statement that keeps a part (so holds nothing for the
 * file's lists), found as collect in summarize.ts finds them: for a kept part that no longer fits.
 */
export function nodesInside(statement: SyntaxNode): { declarations: SyntaxNode[]; calls: SyntaxNode[] } {
  const declarations: SyntaxNode[] = [];
  const calls: SyntaxNode[] = [];
  walkNodes(statement, (node) => {
    if (!node.isNamed || node.type === 'comment') return false;
    if (node.type === 'declaration') declarations.push(node);
    else if (node.type === 'call_expression') calls.push(node);
    return !OPAQUE.has(node.type);
  });
  return { declarations, calls };
}
