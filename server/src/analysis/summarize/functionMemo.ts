// What the summary of one file keeps for the next summary of the same file, so that a keystroke
// re-summarises the function it touched and not the other hundreds.
//
// A function's FunctionInfo depends on its definition's subtree (same text at the same parser
// state gives the same subtree), where it starts (every range), the file name, and two facts
// of the file around it: which names are file-scope variables (a call through one is indirect)
// and which names are constants (#defines, enum members: an array length using one is not a
// VLA). So an earlier FunctionInfo is reused when the definition's text and the node above it
// are the same and both name sets are equal; everything else about the file is summarised anew.
//
// A definition that moved down or up by whole lines (text above it gained or lost lines) but
// starts in the same column is reused with every range moved by the same number of lines.
// Only definitions that contribute nothing outside their FunctionInfo are remembered: none
// holding a #define, #include, struct/union/enum body or typedef (those go to the file's lists,
// and enum values feed the constants). Annotation comments inside are remembered with it.
import type { SyntaxNode } from '../syntax';
import type { AnnotationKind, CallSite, FunctionInfo, Range, VariableInfo } from '../model';

/** An annotation comment inside a remembered definition. */
export interface RememberedComment {
  kind: AnnotationKind;
  range: Range;
  /** Where the comment ends, counted from the definition's start. */
  endOffset: number;
}

export interface RememberedFunction {
  /** The definition's text as the parser saw it. */
  text: string;
  row: number;
  column: number;
  parentType: string | undefined;
  /** Undefined when the definition was too malformed to summarise. */
  info: FunctionInfo | undefined;
  comments: RememberedComment[];
}

/** What one file's latest summary leaves for the next one. */
export interface FileSummaryMemo {
  /** Remembered definitions by text (identical copies of a function can sit in #if branches). */
  functions: Map<string, RememberedFunction[]>;
  constantNames: Set<string>;
  globalNames: Set<string>;
}

/** A remembered definition found for a node, and by how many lines it moved since. */
export interface Reuse {
  remembered: RememberedFunction;
  rowShift: number;
}

/** Files whose memo is kept; the least recently summarised one is dropped beyond this. */
const KEPT_FILES = 16;

/**
 * Kept by a caller that summarises version after version of files (AnalysisMemo): per file,
 * only what the latest summary of that file produced, for a bounded number of files.
 */
export class SummaryMemo {
  private readonly files = new Map<string, FileSummaryMemo>();

  get(file: string): FileSummaryMemo | undefined {
    return this.files.get(file);
  }

  set(file: string, memo: FileSummaryMemo): void {
    this.files.delete(file);
    this.files.set(file, memo);
    for (const oldest of this.files.keys()) {
      if (this.files.size <= KEPT_FILES) break;
      this.files.delete(oldest);
    }
  }

  forget(file: string): void {
    this.files.delete(file);
  }
}

/** The remembered definition `node` can reuse, if any; its text and parent must be the same. */
export function findReusable(memo: FileSummaryMemo | undefined, node: SyntaxNode): Reuse | undefined {
  const candidates = memo?.functions.get(node.text);
  if (!candidates) return undefined;
  const { row, column } = node.startPosition;
  const parentType = node.parent?.type;
  let moved: Reuse | undefined;
  for (const remembered of candidates) {
    if (remembered.parentType !== parentType || remembered.column !== column) continue;
    if (remembered.row === row) return { remembered, rowShift: 0 };
    if (!moved && canShift(remembered.info)) moved = { remembered, rowShift: row - remembered.row };
  }
  return moved;
}

export function sameNames(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const name of a) if (!b.has(name)) return false;
  return true;
}

// Anonymous struct/union/enum types are named after their line ("<anon@f.c:12:5>"): a function
// whose types mention one cannot just be moved.
function canShift(info: FunctionInfo | undefined): boolean {
  if (!info) return true;
  const mentionsLine = (v: VariableInfo) => v.typeText.includes('<anon@');
  return !info.returnType.includes('<anon@') && !info.params.some(mentionsLine) && !info.locals.some(mentionsLine);
}

export function shiftRange(range: Range, rows: number): Range {
  return {
    start: { line: range.start.line + rows, character: range.start.character },
    end: { line: range.end.line + rows, character: range.end.character },
  };
}

function shiftVariable(variable: VariableInfo, rows: number): VariableInfo {
  return { ...variable, range: shiftRange(variable.range, rows) };
}

function shiftCall(call: CallSite, rows: number): CallSite {
  return { ...call, range: shiftRange(call.range, rows), calleeRange: shiftRange(call.calleeRange, rows) };
}

/** A copy of `info` `rows` lines further down (up when negative); `info` is left as it is. */
export function shiftFunction(info: FunctionInfo, rows: number): FunctionInfo {
  return {
    ...info,
    range: shiftRange(info.range, rows),
    nameRange: shiftRange(info.nameRange, rows),
    bodyRange: shiftRange(info.bodyRange, rows),
    params: info.params.map((p) => shiftVariable(p, rows)),
    locals: info.locals.map((l) => shiftVariable(l, rows)),
    calls: info.calls.map((c) => shiftCall(c, rows)),
  };
}
