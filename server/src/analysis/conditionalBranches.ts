// What to blank of #if groups that split braces or parentheses, before tree-sitter reads C (blanking.ts).
//
// tree-sitter parses every branch of an #if/#ifdef/#ifndef group as code. When a group inside a
// function opens a brace in more than one branch (memcached.c:
// `#ifdef EXTSTORE` / `if (a || b) {` / `#else` / `if (a) {` / `#endif`), no tree has both
// branches and one body, and the parser gives up at file level: the root becomes an ERROR node,
// the functions around it are loose pieces of it rather than function definitions, and every
// reparse of the file pays for tree-sitter's error recovery again. Parentheses split alike
// (`if (a` / `#ifdef B` / `&& b)` / `#else` / `)` / `#endif`).
//
// A compiler sees one branch. For such a group (one whose branches do not each balance their
// braces and parentheses without closing one they did not open) the directive lines and every
// branch but one are blanked, so the parser sees the code as compiled with that branch taken: the
// first, unless its condition is a literal `#if 0` (then the next not a literal `#elif 0`, or
// the #else; none when there is no other). Groups whose branches balance are left alone:
// tree-sitter handles them, and the analysis sees both branches.
//
// Two more kinds of group are blanked alike though every branch balances, because tree-sitter's C
// grammar has no place for them: it allows a group at file scope, among statements, struct fields
// and enumerators, but not inside an expression. So a group whose #if sits inside parentheses or
// brackets, or inside an initializer list (memcached.c: `[SSL_CERT] = "ssl_chain_cert",` entries
// under `#ifdef TLS` in `char *const subopts_tokens[] = { ... }`; crawler.c: `|| !is_valid`
// under `#ifdef EXTSTORE` in an if's condition), is blanked; and so is a group one of whose
// branches ends with a dangling `else` that the code after the group completes (memcached.c:
// `} else` / `#else` / `assert(ssl == NULL);` / `#endif` / `{ ... }`). A brace opens an
// initializer list when the code before it is `=` or when it opens inside one; any other brace
// opens a block or a struct, union or enum body. All of it is read from the text alone (see
// expressionContext.ts), so a fresh reading and one after an edit agree.
//
// A group nested in a branch counts, in that branch, with what its taken branch opens and closes
// when it is blanked (that is what remains), and with nothing when it balances. A group left open
// at the end of the text (while it is being typed) is not blanked.
import type { BlankingSource, BlankRange } from './blanking';
import { BracketContext, CodeBehind, codeFollowingEditMatters } from './expressionContext';

/** Braces and parentheses met in one branch: of each, opened minus closed, and the lowest that went on the way. */
interface Nesting {
  braces: number;
  lowestBraces: number;
  parens: number;
  lowestParens: number;
}

const noNesting = (): Nesting => ({ braces: 0, lowestBraces: 0, parens: 0, lowestParens: 0 });

/** Whether a branch leaves braces and parentheses as it found them, never closing one opened before it. */
const balances = (n: Nesting) => n.braces === 0 && n.lowestBraces >= 0 && n.parens === 0 && n.lowestParens >= 0;

/** `inner` (what remains of a group) counted in the branch `outer` around it. */
function addNesting(outer: Nesting, inner: Nesting): void {
  outer.lowestBraces = Math.min(outer.lowestBraces, outer.braces + inner.lowestBraces);
  outer.braces += inner.braces;
  outer.lowestParens = Math.min(outer.lowestParens, outer.parens + inner.lowestParens);
  outer.parens += inner.parens;
}

interface OpenGroup {
  /** Where the #if line starts. */
  start: number;
  /** The taken branch's code: from the end of its directive line to the start of the next directive; -1 while unknown. */
  takenStart: number;
  takenEnd: number;
  /** The branch being read, and the taken one once read. */
  branch: Nesting;
  taken: Nesting | undefined;
  splits: boolean;
  /** The open brackets where the #if is, and where the taken branch ends (undefined until it does). */
  bracketsAtIf: BracketContext;
  bracketsAfterTaken: BracketContext | undefined;
}

/** Whether an #if or #elif condition is a literal 0 on the directive's own line: a branch a compiler never takes. */
const isLiteralZero = (condition: string) => !condition.includes('\n') && condition.replace(/\/\*.*?\*\/|\/\/.*$/g, '').trim() === '0';

const HASH = 0x23, NEWLINE = 0x0a, BACKSLASH = 0x5c, SLASH = 0x2f, STAR = 0x2a, QUOTE = 0x22, APOSTROPHE = 0x27;
const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_PAREN = 0x28, CLOSE_PAREN = 0x29, CARRIAGE_RETURN = 0x0d;

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

/** What the scan stops at: directives, comments, strings and character literals, braces, parentheses, brackets. */
const SIGNIFICANT = /[#"'/{}()[\]]/g;

/** Where the line holding `index` starts when only blanks come before it there, else -1. */
function lineStartBefore(text: string, index: number): number {
  let i = index;
  while (i > 0 && isBlank(text.charCodeAt(i - 1))) i--;
  return i === 0 || text.charCodeAt(i - 1) === NEWLINE ? i : -1;
}

/**
 * The ranges of `text` to blank: for every #if group whose branches do not each balance their
 * braces and parentheses, its directive lines and every branch but the one taken. A group inside
 * a blanked branch may have its own ranges too (blanking.ts merges them). Empty for most files.
 */
export function splitConditionalRanges(text: string): BlankRange[] {
  if (!text.includes('#')) return [];
  const ranges: BlankRange[] = [];
  const open: OpenGroup[] = [];
  const n = text.length;
  const code = new CodeBehind(text);
  let brackets = new BracketContext(code);
  let i = 0;
  // Most characters mean nothing here: a regular expression jumps to the next one that may
  // (a character loop costs several times the parse); test() rather than exec() builds no match.
  for (;;) {
    SIGNIFICANT.lastIndex = i;
    if (!SIGNIFICANT.test(text)) break;
    i = SIGNIFICANT.lastIndex - 1;
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
      directive(text.slice(word, wordEnd), text.slice(wordEnd, end), start, end);
      code.directiveLine(end);
      i = end;
    } else if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      const end = logicalLineEnd(text, i + 2);
      code.comment(i, end);
      i = end;
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      code.comment(i, end);
      i = end;
    } else if (c === QUOTE || c === APOSTROPHE) {
      i = quotedEnd(text, i);
    } else {
      // A lone '/', or a brace, parenthesis or bracket.
      if (c !== SLASH) brackets.bracket(i);
      const branch = open[open.length - 1]?.branch;
      if (branch && (c === OPEN_BRACE || c === CLOSE_BRACE)) {
        branch.braces += c === OPEN_BRACE ? 1 : -1;
        if (branch.braces < branch.lowestBraces) branch.lowestBraces = branch.braces;
      } else if (branch && (c === OPEN_PAREN || c === CLOSE_PAREN)) {
        branch.parens += c === OPEN_PAREN ? 1 : -1;
        if (branch.parens < branch.lowestParens) branch.lowestParens = branch.parens;
      }
      i++;
    }
  }
  return ranges;

  function directive(name: string, condition: string, start: number, end: number): void {
    if (name === 'if' || name === 'ifdef' || name === 'ifndef') {
      const takenStart = name === 'if' && isLiteralZero(condition) ? -1 : end;
      // Inside an expression the grammar has no place for the group, however its branches balance.
      const splits = brackets.inExpression();
      open.push({ start, takenStart, takenEnd: -1, branch: noNesting(), taken: undefined, splits, bracketsAtIf: brackets.copy(), bracketsAfterTaken: undefined });
      return;
    }
    const group = open[open.length - 1];
    if (!group) return;
    if (name === 'elif' || name === 'elifdef' || name === 'elifndef' || name === 'else') {
      endBranch(group, start);
      if (group.takenStart < 0 && !(name === 'elif' && isLiteralZero(condition))) group.takenStart = end;
      group.branch = noNesting();
      // Each branch starts from where the #if is.
      brackets = group.bracketsAtIf.copy();
    } else if (name === 'endif') {
      endBranch(group, start);
      open.pop();
      // After the group the code goes on from the taken branch (or from the #if when none is).
      brackets = group.bracketsAfterTaken ?? group.bracketsAtIf.copy();
      if (!group.splits) return;
      if (group.takenStart < 0) ranges.push({ start: group.start, end });
      else ranges.push({ start: group.start, end: group.takenStart }, { start: group.takenEnd, end });
      // What remains of the group in the branch around it: its taken branch.
      const outer = open[open.length - 1]?.branch;
      if (outer && group.taken) addNesting(outer, group.taken);
    }
  }

  function endBranch(group: OpenGroup, next: number): void {
    // A dangling `else` takes the statement after the group, which the grammar cannot join to it.
    if (!balances(group.branch) || code.endsWithElse(next)) group.splits = true;
    if (group.takenStart >= 0 && group.takenEnd < 0) {
      group.taken = group.branch;
      group.takenEnd = next;
      group.bracketsAfterTaken = brackets;
    }
  }
}

/**
 * The split #if groups' branches as a source of blanked ranges (blanking.ts). An edit that types
 * or deletes no brace, parenthesis, bracket, comment, string or character literal, on no
 * preprocessor line, changes no branch's nesting nor which groups there are, unless it changes
 * the code just before a brace (an `=` there makes an initializer list) or just before a
 * directive (a dangling `else`): otherwise the ranges move with the text.
 */
export const splitConditionalBlanking: BlankingSource<{ ranges: readonly BlankRange[] }> = {
  significant: /[{}()[\]"'/*]/,
  scan: (text) => ({ ranges: splitConditionalRanges(text) }),
  afterQuietEdit: (carried, text, edit) => (codeFollowingEditMatters(text, edit.newEndIndex) ? undefined : carried),
};
