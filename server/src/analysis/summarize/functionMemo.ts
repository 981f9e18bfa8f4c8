// What the summary of one file keeps for the next summary of the same file, so that a keystroke
// re-summarises the function it touched and not the other hundreds.
//
// A function's FunctionInfo depends on its definition's subtree (same text at the same parser
// state gives the same subtree), where it starts (every range), the file name, and what it asks
// the file around it (SummaryContext): whether a name is a file-scope variable (a call through
// one is indirect), whether one is a constant (#define, enum member: an array length using one
// is not a VLA), a constant's value. Each summarised function's questions and answers are
// recorded; an earlier FunctionInfo is reused when the definition's text and the node above it
// are the same and every recorded question gets the same answer from the file as it is now.
// Everything else about the file is summarised anew.
//
// A definition that moved down or up by whole lines (text above it gained or lost lines) but
// starts in the same column is reused with every range moved by the same number of lines.
// A definition holding a #define, #include, struct/union/enum body or typedef contributes to the
// file's lists too (and enum values feed the constants): a walk that skipped it would miss those,
// so it is reused only where its insides were collected all the same — a top-level declaration
// carried over from the previous version (collectTree in summarize.ts). Annotation comments
// inside any other definition are remembered with it.
import type { SyntaxNode } from '../syntax';
import type { AnnotationKind, CallSite, FunctionInfo, Range, VariableInfo } from '../model';
import type { SummaryContext } from './declarations';
import { RecentMap } from '../recentMap';

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
  /** What summarising it asked the file around it (see recordingContext). */
  queries: ContextQuery[];
  /** Whether something inside goes to the file's own lists (see the top of this file). */
  contributesOutside: boolean;
}

/**
 * What one file's latest summary leaves for the next one: its remembered definitions, found by
 * node first (a declaration reparse carried over is the same object, over the same text) and by
 * text otherwise, through an index by length built on the first lookup that needs it: hashing the
 * text of every definition on every keystroke cost more than summarising the one that changed.
 */
export class FileSummaryMemo {
  private readonly all: RememberedFunction[] = [];
  // Weak: the memos of up to KEPT_FILES closed documents must not keep their syntax trees alive.
  private readonly byNode = new WeakMap<SyntaxNode, RememberedFunction>();
  private byLength: Map<number, RememberedFunction[]> | undefined;

  add(definition: SyntaxNode, remembered: RememberedFunction): void {
    this.all.push(remembered);
    this.byNode.set(definition, remembered);
  }

  /** The definition remembered for this very node, if any. */
  ofNode(node: SyntaxNode): RememberedFunction | undefined {
    return this.byNode.get(node);
  }

  /**
   * Makes the definitions remembered with `made`'s FunctionInfo objects stand for `taken`'s, the
   * same file's summary of the same text made elsewhere, function for function: the next summary
   * of the file then hands back the objects of the summary the analysis actually used. Nothing
   * changes unless both list the same functions at the same places.
   */
  adoptFunctions(made: FunctionInfo[], taken: FunctionInfo[]): void {
    if (made.length !== taken.length || !made.every((fn, i) => sameDefinition(fn, taken[i]))) return;
    const takenFor = new Map(made.map((fn, i) => [fn, taken[i]]));
    for (const remembered of this.all) {
      const adopted = remembered.info && takenFor.get(remembered.info);
      if (adopted) remembered.info = adopted;
    }
  }

  /** Remembered definitions with this text (identical copies of a function can sit in #if branches). */
  withText(text: string): RememberedFunction[] {
    if (!this.byLength) {
      this.byLength = new Map();
      for (const remembered of this.all) {
        const list = this.byLength.get(remembered.text.length);
        if (list) list.push(remembered);
        else this.byLength.set(remembered.text.length, [remembered]);
      }
    }
    return (this.byLength.get(text.length) ?? []).filter((remembered) => remembered.text === text);
  }
}

function sameDefinition(a: FunctionInfo, b: FunctionInfo): boolean {
  const same = (x: Range, y: Range) => x.start.line === y.start.line && x.start.character === y.start.character && x.end.line === y.end.line && x.end.character === y.end.character;
  return a.name === b.name && same(a.range, b.range) && a.calls.length === b.calls.length && a.locals.length === b.locals.length;
}

/** One question a function's summary asked the file-level context, and the answer it got. */
export type ContextQuery =
  | { kind: 'constant-name' | 'global'; name: string; answer: boolean }
  | { kind: 'value'; name: string; answer: number | undefined };

/**
 * `context` as seen by one function's summary, recording every question into `queries`. Each
 * member of SummaryContext that reads the file must be wrapped here, or a reuse could miss a change.
 */
export function recordingContext(context: SummaryContext, queries: ContextQuery[]): SummaryContext {
  return {
    file: context.file,
    scope: {
      constant(name) {
        const answer = context.scope.constant(name);
        queries.push({ kind: 'value', name, answer });
        return answer;
      },
      // Sizes of built-in types only (fileScope in summarize.ts): nothing of the file.
      sizeOf: (typeText) => context.scope.sizeOf?.(typeText),
    },
    isConstantName(name) {
      const answer = context.isConstantName(name);
      queries.push({ kind: 'constant-name', name, answer });
      return answer;
    },
    globalVariables: {
      has(name) {
        const answer = context.globalVariables.has(name);
        queries.push({ kind: 'global', name, answer });
        return answer;
      },
    },
  };
}

/** Whether `context` answers every recorded question as it did then. */
export function answersSame(queries: ContextQuery[], context: SummaryContext): boolean {
  for (const query of queries) {
    const now =
      query.kind === 'value' ? context.scope.constant(query.name) : query.kind === 'global' ? context.globalVariables.has(query.name) : context.isConstantName(query.name);
    if (now !== query.answer) return false;
  }
  return true;
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
  private readonly files = new RecentMap<string, FileSummaryMemo>(KEPT_FILES);

  get(file: string): FileSummaryMemo | undefined {
    return this.files.get(file);
  }

  set(file: string, memo: FileSummaryMemo): void {
    this.files.set(file, memo);
  }

  forget(file: string): void {
    this.files.delete(file);
  }
}

/**
 * The remembered definition `node` can reuse, if any; its text and parent must be the same, and
 * it must have contributed to the file's lists exactly when `contributesOutside` (a walk that
 * skips the node's insides passes false).
 */
export function findReusable(memo: FileSummaryMemo | undefined, node: SyntaxNode, contributesOutside = false): Reuse | undefined {
  if (!memo) return undefined;
  const { row, column } = node.startPosition;
  const parentType = node.parent?.type;
  const fits = (remembered: RememberedFunction) =>
    remembered.parentType === parentType && remembered.column === column && remembered.contributesOutside === contributesOutside;
  // The same node has the same text; at the same place no other candidate can be there.
  const own = memo.ofNode(node);
  if (own && own.row === row && fits(own)) return { remembered: own, rowShift: 0 };
  const candidates = memo.withText(node.text);
  let moved: Reuse | undefined;
  for (const remembered of candidates) {
    if (!fits(remembered)) continue;
    if (remembered.row === row) return { remembered, rowShift: 0 };
    if (!moved && canShift(remembered.info)) moved = { remembered, rowShift: row - remembered.row };
  }
  return moved;
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

export function shiftVariable(variable: VariableInfo, rows: number): VariableInfo {
  return { ...variable, range: shiftRange(variable.range, rows) };
}

export function shiftCall(call: CallSite, rows: number): CallSite {
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
