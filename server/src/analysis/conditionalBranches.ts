// Blanks the alternative branches of #if groups that split braces, before tree-sitter reads C.
//
// tree-sitter parses every branch of an #if/#ifdef/#ifndef group as code. When a group inside a
// function opens a brace in more than one branch (memcached.c:
// `#ifdef EXTSTORE` / `if (a || b) {` / `#else` / `if (a) {` / `#endif`), no tree has both
// branches and one body, and the parser gives up at file level: the root becomes an ERROR node,
// the functions around it are loose pieces of it rather than function definitions, and every
// reparse of the file pays for tree-sitter's error recovery again.
//
// A compiler sees one branch. For such a group (one whose branches do not each balance their
// braces without closing one they did not open) the directive lines and every branch but the first
// are replaced by spaces, keeping every line break, so the parser sees the code as compiled with
// the first branch taken; offsets, rows and columns of everything else are unchanged, as with
// attribute macros (attributeMacros.ts). Groups whose branches balance are left alone: tree-sitter
// handles them, and the analysis sees both branches.
//
// A group nested in a branch counts, in that branch, with the braces of its first branch when it
// is blanked (those are what remains), and with none when it balances. A group left open at the
// end of the text (while it is being typed) is not blanked.

/** A range of the text to replace with spaces, [start, end). Sorted and disjoint in a list. */
export interface BlankRange {
  start: number;
  end: number;
}

/** Braces met in one branch: opened minus closed, and the lowest that went on the way. */
interface BraceCount {
  net: number;
  lowest: number;
}

interface OpenGroup {
  /** The #if line: where it starts and ends (before its line break). */
  ifStart: number;
  ifEnd: number;
  /** Where the first #elif/#else line starts, or -1. */
  alternativeStart: number;
  branch: BraceCount;
  first: BraceCount | undefined;
  splits: boolean;
}

const HASH = 0x23, NEWLINE = 0x0a, BACKSLASH = 0x5c, SLASH = 0x2f, STAR = 0x2a, QUOTE = 0x22, APOSTROPHE = 0x27;
const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, CARRIAGE_RETURN = 0x0d;

const isBlank = (c: number) => c === 0x20 || c === 0x09 || c === 0x0c || c === 0x0b || c === CARRIAGE_RETURN;
const isWordPart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;

/** Index after a string or character literal opened at `start` (a line break ends it unless escaped). */
function quotedEnd(text: string, start: number): number {
  const quote = text.charCodeAt(start);
  let i = start + 1;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === quote) return i + 1;
    if (c === NEWLINE) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
  return n;
}

/** Index of the line break ending the logical line at `from` (continuations, and comments spanning lines), or the length. */
function logicalLineEnd(text: string, from: number): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) return i;
    if (c === BACKSLASH) i += text.charCodeAt(i + 1) === CARRIAGE_RETURN ? 3 : 2;
    else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === QUOTE || c === APOSTROPHE) i = quotedEnd(text, i);
    else i++;
  }
  return n;
}

const OUTSIDE_GROUPS = /[#"'/]/g;
const INSIDE_GROUP = /[#"'/{}]/g;

/** Where the line holding `index` starts when only blanks come before it there, else -1. */
function lineStartBefore(text: string, index: number): number {
  let i = index;
  while (i > 0 && isBlank(text.charCodeAt(i - 1))) i--;
  return i === 0 || text.charCodeAt(i - 1) === NEWLINE ? i : -1;
}

/** Whether a branch's braces leave it as they found it, never closing one opened before it. */
const balances = (count: BraceCount) => count.net === 0 && count.lowest >= 0;

/**
 * The ranges of `text` to blank: for every #if group whose branches do not each balance their
 * braces, its directive lines and every branch but the first. Empty for most files.
 */
export function splitConditionalRanges(text: string): BlankRange[] {
  if (!text.includes('#')) return [];
  const ranges: BlankRange[] = [];
  const open: OpenGroup[] = [];
  const n = text.length;
  let i = 0;
  // Most characters mean nothing here: a regular expression jumps to the next one that may,
  // braces included only inside a group (a character loop costs several times the parse).
  for (;;) {
    const next = open.length ? INSIDE_GROUP : OUTSIDE_GROUPS;
    next.lastIndex = i;
    if (!next.exec(text)) break;
    i = next.lastIndex - 1;
    const c = text.charCodeAt(i);
    if (c === HASH) {
      const start = lineStartBefore(text, i);
      if (start < 0) {
        i++;
        continue;
      }
      const end = logicalLineEnd(text, i);
      let word = i + 1;
      while (word < end && isBlank(text.charCodeAt(word))) word++;
      let wordEnd = word;
      while (wordEnd < end && isWordPart(text.charCodeAt(wordEnd))) wordEnd++;
      directive(text.slice(word, wordEnd), start, end);
      i = end;
    } else if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      i = logicalLineEnd(text, i + 2);
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === QUOTE || c === APOSTROPHE) {
      i = quotedEnd(text, i);
    } else {
      if (c === OPEN_BRACE || c === CLOSE_BRACE) {
        const branch = open[open.length - 1].branch;
        branch.net += c === OPEN_BRACE ? 1 : -1;
        if (branch.net < branch.lowest) branch.lowest = branch.net;
      }
      i++;
    }
  }
  return merged(ranges);

  function directive(name: string, start: number, end: number): void {
    if (name === 'if' || name === 'ifdef' || name === 'ifndef') {
      open.push({ ifStart: start, ifEnd: end, alternativeStart: -1, branch: { net: 0, lowest: 0 }, first: undefined, splits: false });
      return;
    }
    const group = open[open.length - 1];
    if (!group) return;
    if (name === 'elif' || name === 'elifdef' || name === 'elifndef' || name === 'else') {
      endBranch(group);
      if (group.alternativeStart < 0) group.alternativeStart = start;
      group.branch = { net: 0, lowest: 0 };
    } else if (name === 'endif') {
      endBranch(group);
      open.pop();
      if (!group.splits) return;
      ranges.push({ start: group.ifStart, end: group.ifEnd }, { start: group.alternativeStart < 0 ? start : group.alternativeStart, end });
      // What remains of the group in the branch around it: its first branch.
      const outer = open[open.length - 1]?.branch;
      const first = group.first!;
      if (outer) {
        outer.lowest = Math.min(outer.lowest, outer.net + first.lowest);
        outer.net += first.net;
      }
    }
  }

  function endBranch(group: OpenGroup): void {
    if (!balances(group.branch)) group.splits = true;
    group.first ??= group.branch;
  }
}

/** Sorted, with overlapping ranges (a blanked group inside a blanked branch) made one. */
function merged(ranges: BlankRange[]): BlankRange[] {
  if (ranges.length < 2) return ranges;
  ranges.sort((a, b) => a.start - b.start);
  const out: BlankRange[] = [ranges[0]];
  for (const range of ranges.slice(1)) {
    const last = out[out.length - 1];
    if (range.start <= last.end) last.end = Math.max(last.end, range.end);
    else out.push(range);
  }
  return out;
}

/** `text` with every range replaced by spaces, line breaks kept; `text` itself when there are none. */
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

export interface TextEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
}

/**
 * `ranges` carried through `edit` (after it: shifted; holding it: stretched), or undefined when
 * the edit touches a range's end or cuts it.
 */
export function rangesAfterEdit(ranges: readonly BlankRange[], edit: TextEdit): BlankRange[] | undefined {
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
 * Whether texts blanked with `before` (the text before `edit`) and with `after` (the text after
 * it) differ only inside the edit: the ranges outside the edited text, those after it shifted by
 * it, are the same. Then a parse of the one can be reused for the other (tree.edit tells the rest).
 */
export function sameRangesOutsideEdit(before: readonly BlankRange[], after: readonly BlankRange[], edit: TextEdit): boolean {
  const delta = edit.newEndIndex - edit.oldEndIndex;
  const a = outside(before, edit.startIndex, edit.oldEndIndex, delta);
  const b = outside(after, edit.startIndex, edit.newEndIndex, 0);
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

/** Characters that can change what a scan reads as a directive, comment, string or brace. */
const SIGNIFICANT = /[{}#\\"'/*]/;
/** What on a line before a line break typed or deleted can make that break matter. */
const OPENS_TO_LINE_END = /["'/]/;

/**
 * splitConditionalRanges(text), for `text` made from `previous.text` by `edit`: the previous
 * ranges carried through the edit when the edit can change nothing the scan reads — neither
 * version of the edited text, nor a character beside it, is a brace, '#', quote, slash, star or
 * backslash, the edit is not on a directive line nor before a '#' on its line (which it would
 * stop from starting a directive), and a line break typed or deleted ends no comment, string or
 * continued line (nothing on its line before the edit opens one) — otherwise a new scan.
 */
export function splitConditionalRangesAfterEdit(previous: { text: string; ranges: readonly BlankRange[] }, text: string, edit: TextEdit): BlankRange[] {
  const removed = previous.text.slice(Math.max(0, edit.startIndex - 1), edit.oldEndIndex + 1);
  const typed = text.slice(Math.max(0, edit.startIndex - 1), edit.newEndIndex + 1);
  const quiet =
    !SIGNIFICANT.test(removed) &&
    !SIGNIFICANT.test(typed) &&
    !directiveAround(previous.text, edit.startIndex, edit.oldEndIndex) &&
    !directiveAround(text, edit.startIndex, edit.newEndIndex) &&
    (!(removed.includes('\n') || typed.includes('\n')) || breaksNothing(text, edit.startIndex));
  if (quiet) {
    const carried = rangesAfterEdit(previous.ranges, edit);
    if (carried) return carried;
  }
  return splitConditionalRanges(text);
}

/**
 * Whether a line break at `at` can end nothing the scan reads: its line, up to `at`, opens no
 * `//` comment, string or character literal, and the line before does not continue into it.
 * (Inside a block comment a line break changes nothing.)
 */
function breaksNothing(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (OPENS_TO_LINE_END.test(text.slice(lineStart, at))) return false;
  let before = lineStart - 2;
  if (before >= 0 && text.charCodeAt(before) === CARRIAGE_RETURN) before--;
  return before < 0 || text.charCodeAt(before) !== BACKSLASH;
}

/** Whether the line holding `text[from, to)` starts with '#', or has one after `to` with only blanks between. */
function directiveAround(text: string, from: number, to: number): boolean {
  let i = text.lastIndexOf('\n', from - 1) + 1;
  while (i < from && isBlank(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === HASH) return true;
  let j = to;
  while (j < text.length && isBlank(text.charCodeAt(j))) j++;
  return text.charCodeAt(j) === HASH;
}
