// Where an #if group sits, read from the text alone for the split-#if scan (conditionalBranches.ts):
// inside an expression (parentheses, brackets, an initializer list) or not, and whether the code
// just before a directive is a dangling `else`. The scan visits only the characters that may
// matter (directives, comments, literals, brackets) and tells these classes about them; the code
// just before a point is then found by stepping back over blanks and the comments it recorded.
//
// Nothing here depends on a previous parse. After an edit that types or deletes no bracket,
// comment or literal delimiter, what these say can only change where the edit is followed, past
// the rest of a word, blanks and comments, by a brace or a directive: the code before that brace
// (an `=`) or directive (an `else`) may be what the edit changed (codeFollowingEditMatters).

const NEWLINE = 0x0a, CARRIAGE_RETURN = 0x0d, SLASH = 0x2f, STAR = 0x2a, HASH = 0x23, EQUALS = 0x3d;
const OPEN_BRACE = 0x7b, OPEN_PAREN = 0x28, OPEN_BRACKET = 0x5b;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === NEWLINE || c === CARRIAGE_RETURN || c === 0x0c || c === 0x0b;
const isWordPart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;

/**
 * The comments and directive lines the scan has passed, as much of them as finding the last code
 * character before a point needs: the latest comment (with the code before it) and directive line.
 */
export class CodeBehind {
  private commentEnd = -1;
  /** The last code character before the latest comment and the comments and blanks just before it; -1 when none. */
  private codeBeforeComment = -1;
  private directiveEnd = -1;

  constructor(readonly text: string) {}

  /** The scan passed a comment, [start, end). */
  comment(start: number, end: number): void {
    this.codeBeforeComment = this.lastCodeBefore(start);
    this.commentEnd = end;
  }

  /** The scan passed a directive line ending at `end` (its line break, or the text's end). */
  directiveLine(end: number): void {
    this.directiveEnd = end;
  }

  /**
   * The index of the last code character before `index`, past blanks and comments; -1 when a
   * directive line (or the text's start) comes first. `index` is at or after the latest comment and directive line.
   */
  lastCodeBefore(index: number): number {
    let p = index;
    while (p > 0 && isSpace(this.text.charCodeAt(p - 1))) p--;
    if (p <= this.directiveEnd) return -1;
    if (p === this.commentEnd) return this.codeBeforeComment;
    return p - 1;
  }

  /** Whether the code just before `index` is the word `else`. */
  endsWithElse(index: number): boolean {
    const p = this.lastCodeBefore(index);
    return p >= 3 && this.text.startsWith('else', p - 3) && !(p >= 4 && isWordPart(this.text.charCodeAt(p - 4)));
  }
}

const PAREN = 0, BRACKET = 1, BLOCK = 2, INITIALIZER = 3;

/** The parentheses, brackets and braces open at the scan's point, each brace an initializer list or a body. */
export class BracketContext {
  constructor(
    private readonly code: CodeBehind,
    private readonly open: number[] = [],
  ) {}

  copy(): BracketContext {
    return new BracketContext(this.code, this.open.slice());
  }

  /** The scan met a brace, parenthesis or bracket at `index`; a closing one closes whatever is open. */
  bracket(index: number): void {
    const c = this.code.text.charCodeAt(index);
    if (c === OPEN_PAREN) this.open.push(PAREN);
    else if (c === OPEN_BRACKET) this.open.push(BRACKET);
    else if (c === OPEN_BRACE) this.open.push(this.opensInitializer(index) ? INITIALIZER : BLOCK);
    else this.open.pop();
  }

  /** Whether the point is inside parentheses, brackets or an initializer list, where the grammar has no place for a directive. */
  inExpression(): boolean {
    const top = this.open[this.open.length - 1];
    return top !== undefined && top !== BLOCK;
  }

  private opensInitializer(brace: number): boolean {
    if (this.open[this.open.length - 1] === INITIALIZER) return true;
    const before = this.code.lastCodeBefore(brace);
    return before >= 0 && this.code.text.charCodeAt(before) === EQUALS;
  }
}

/**
 * Whether the text after `from` reaches, past the rest of a word, blanks and comments, a brace or
 * a '#': then an edit ending at `from` may have changed the code just before that brace or
 * directive, which CodeBehind reads; elsewhere it cannot have.
 */
export function codeFollowingEditMatters(text: string, from: number): boolean {
  const n = text.length;
  let i = from;
  while (i < n && isWordPart(text.charCodeAt(i))) i++;
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== SLASH) break;
    const next = text.charCodeAt(i + 1);
    if (next === STAR) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return true;
      i = close + 2;
    } else if (next === SLASH) {
      const end = text.indexOf('\n', i + 2);
      if (end < 0) return false;
      // The scan reads a '\\' or a '/*' in a line comment as going on past the line: not followed here, so say yes.
      const rest = text.slice(i + 2, end);
      if (rest.includes('\\') || rest.includes('/*')) return true;
      i = end;
    } else {
      break;
    }
  }
  const c = text.charCodeAt(i);
  return c === OPEN_BRACE || c === HASH;
}
