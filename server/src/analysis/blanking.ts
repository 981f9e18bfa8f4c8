// The one step between a C text and tree-sitter: parts of the text that tree-sitter, which cannot
// expand macros or pick an #if branch, would misparse are replaced by spaces first.
//
// Two sources say what to blank, each as ranges of the text as written: attribute-only macros
// (attributeMacros.ts) and the directives and the branches a compiler would not take of #if
// groups that split braces or parentheses, or that sit where the grammar has no place for them
// (inside an expression, or completing a dangling else: conditionalBranches.ts). Blanking keeps every line break and the text's length,
// so offsets, rows and columns of everything else are unchanged: ranges, quick fixes and
// incremental parsing (tree.edit with offsets computed on the real text) stay exact.
//
// After an edit, a source whose ranges the edit cannot have changed but by moving them with the
// text (the edit touches no preprocessor line and none of the characters the source says matter
// to it) keeps its previous ranges, carried through the edit; otherwise it reads the text again.
// Either way the result is the one a fresh reading gives. The previous tree can be reused only
// when the two texts are blanked alike outside the edit (sameOutsideEdit): a #define or a brace
// typed far away can change the blanking of lines the edit did not touch.
import type { Edit } from 'web-tree-sitter';
import { attributeMacroBlanking } from './attributeMacros';
import { splitConditionalBlanking } from './conditionalBranches';

/** A range of the text to replace with spaces, [start, end). */
export interface BlankRange {
  start: number;
  end: number;
}

/** One edit of a text: [startIndex, oldEndIndex) of the old text became [startIndex, newEndIndex). */
export type TextEdit = Pick<Edit, 'startIndex' | 'oldEndIndex' | 'newEndIndex'>;

/** What a source keeps of one version of a text: at least its ranges (in any order, overlapping or not). */
export interface SourceState {
  readonly ranges: readonly BlankRange[];
}

/** A source of ranges to blank. */
export interface BlankingSource<State extends SourceState> {
  /** Characters whose edit can change the source's ranges away from the edit (besides '#' and '\\', which make a preprocessor line). */
  readonly significant: RegExp;
  /** What to blank in `text`; `kept`, the previous version's state, when the edit since touched no preprocessor line. */
  scan(text: string, kept?: State): State;
  /**
   * After an edit that touched no preprocessor line and no significant character: the state of
   * `text`, from the previous one with its ranges carried through the edit, or undefined when it
   * must be scanned again.
   */
  afterQuietEdit(carried: State, text: string, edit: TextEdit): State | undefined;
}

const SOURCES: readonly BlankingSource<SourceState>[] = [attributeMacroBlanking, splitConditionalBlanking];

/** One version of a text, blanked. */
export interface Blanking {
  /** The text with every range replaced by spaces (the text itself when there are none): what tree-sitter reads. */
  readonly text: string;
  /** Every source's ranges: sorted, disjoint, none touching another. */
  readonly ranges: readonly BlankRange[];
  /** Each source's state, in SOURCES' order, for the next version. */
  readonly states: readonly SourceState[];
}

/** `text` blanked, read afresh. */
export function blankingOf(text: string): Blanking {
  return joined(text, SOURCES.map((source) => source.scan(text)));
}

/** `text`, made from `previous.text` by `edit`, blanked as blankingOf(text) blanks it. */
export function blankingAfterEdit(previous: { text: string; blanking: Blanking }, text: string, edit: TextEdit): Blanking {
  const directive = touchesDirectiveLines(previous.text, edit.startIndex, edit.oldEndIndex) || touchesDirectiveLines(text, edit.startIndex, edit.newEndIndex);
  const states = SOURCES.map((source, i) => {
    const state = previous.blanking.states[i];
    if (!directive && editIsQuiet(previous.text, text, edit, source.significant)) {
      const ranges = rangesAfterEdit(state.ranges, edit);
      const after = ranges && source.afterQuietEdit({ ...state, ranges }, text, edit);
      if (after) return after;
    }
    return source.scan(text, directive ? undefined : state);
  });
  return joined(text, states);
}

/** Whether two versions of a text, `after` made from `before` by `edit`, are blanked alike outside the edit. */
export function sameOutsideEdit(before: Blanking, after: Blanking, edit: TextEdit): boolean {
  const delta = edit.newEndIndex - edit.oldEndIndex;
  const a = outside(before.ranges, edit.startIndex, edit.oldEndIndex, delta);
  const b = outside(after.ranges, edit.startIndex, edit.newEndIndex, 0);
  return a.length === b.length && a.every((range, i) => range.start === b[i].start && range.end === b[i].end);
}

/** The parts of `ranges` outside [from, to), those after it moved by `delta`; parts meeting at the edit stay apart. */
function outside(ranges: readonly BlankRange[], from: number, to: number, delta: number): BlankRange[] {
  const out: BlankRange[] = [];
  for (const { start, end } of ranges) {
    if (start < from) out.push({ start, end: Math.min(end, from) });
    if (end > to) out.push({ start: Math.max(start, to) + delta, end: end + delta });
  }
  return out;
}

function joined(text: string, states: readonly SourceState[]): Blanking {
  const ranges = mergeRanges(states.flatMap((state) => state.ranges));
  return { text: blankRanges(text, ranges), ranges, states };
}

/**
 * `ranges` as a sorted list in which overlapping or touching ranges are one: two lists that blank
 * the same characters are then equal. New objects: the sources' own are left as they were.
 */
export function mergeRanges(ranges: readonly BlankRange[]): BlankRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: BlankRange[] = [];
  for (const { start, end } of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

/** `text` with every range (sorted, disjoint) replaced by spaces, line breaks kept; `text` itself when there are none. */
export function blankRanges(text: string, ranges: readonly BlankRange[]): string {
  if (!ranges.length) return text;
  const parts: string[] = [];
  let from = 0;
  for (const { start, end } of ranges) {
    parts.push(text.slice(from, start), text.slice(start, end).replace(/[^\r\n]/g, ' '));
    from = end;
  }
  parts.push(text.slice(from));
  return parts.join('');
}

/** `ranges` carried through `edit` (after it: shifted; holding it: stretched), or undefined when the edit touches a range's end or cuts it. */
function rangesAfterEdit(ranges: readonly BlankRange[], edit: TextEdit): BlankRange[] | undefined {
  const delta = edit.newEndIndex - edit.oldEndIndex;
  const out: BlankRange[] = [];
  for (const { start, end } of ranges) {
    if (end < edit.startIndex) out.push({ start, end });
    else if (start > edit.oldEndIndex) out.push({ start: start + delta, end: end + delta });
    else if (start < edit.startIndex && end > edit.oldEndIndex) out.push({ start, end: end + delta });
    else return undefined;
  }
  return out;
}

/**
 * Whether the lines holding `text[from, to]` contain '#' or '\\', or the line before ends with a
 * '\\' continuing into them: whether an edit there can change what a preprocessor line says.
 */
function touchesDirectiveLines(text: string, from: number, to: number): boolean {
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  let before = lineStart - 2;
  if (before >= 0 && text.charCodeAt(before) === 0x0d) before--;
  if (before >= 0 && text.charCodeAt(before) === 0x5c) return true;
  const lineEnd = text.indexOf('\n', to);
  for (let i = lineStart, end = lineEnd < 0 ? text.length : lineEnd; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */ || c === 0x5c /* \ */) return true;
  }
  return false;
}

/** What on a line before a line break typed or deleted can make that break matter. */
const OPENS_TO_LINE_END = /["'/]/;

/**
 * Whether neither the removed nor the typed text of `edit`, nor a character beside either,
 * matches `significant`, and a line break typed or deleted ends nothing: no `//` comment, string
 * or character literal is open on its line before the edit (inside a block comment a line break
 * changes nothing; a line continued into the edit's is told by touchesDirectiveLines).
 */
function editIsQuiet(previousText: string, text: string, edit: TextEdit, significant: RegExp): boolean {
  const removed = previousText.slice(Math.max(0, edit.startIndex - 1), edit.oldEndIndex + 1);
  const typed = text.slice(Math.max(0, edit.startIndex - 1), edit.newEndIndex + 1);
  if (significant.test(removed) || significant.test(typed)) return false;
  if (!removed.includes('\n') && !typed.includes('\n')) return true;
  const lineStart = text.lastIndexOf('\n', edit.startIndex - 1) + 1;
  return !OPENS_TO_LINE_END.test(text.slice(lineStart, edit.startIndex));
}
