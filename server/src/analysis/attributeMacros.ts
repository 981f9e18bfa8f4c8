// What to blank of attribute-only macros before tree-sitter reads C (blanking.ts), because
// tree-sitter cannot expand macros: `__attribute_cold__` on the line before a prototype,
// `API CallInfo *f(void);` with `#define API extern`, or `__attribute_fallthrough__` written
// without a semicolon make it misparse the declaration or statement that follows (a global named
// after a type, a VLA made of `x[i++] = …`, definitions swallowed into an ERROR node).
//
// Why a pre-pass and not a fix in the summary: once tree-sitter has misparsed, the damage is
// not local to one node (two stacked attributes swallow the following *definitions*), so no
// rule or summary can recover what was lost. Blanking the macro name (and, for function-like
// ones, its parenthesised arguments) is what the preprocessor does to a macro that expands to
// nothing, and for attributes the expansion changes no code the analysis reads.
//
// Only these are blanked: a small list of well-known attribute macros (glibc's and lighttpd's
// `__attribute_*__`, `__THROW`, Lua's export macros), and names the file itself #defines, every
// time, to nothing or to text made only of `__attribute__((…))`, `__declspec(…)` and `extern`.
// Names are never blanked inside preprocessor lines, comments, strings or character literals.
import type { BlankingSource, BlankRange } from './blanking';

/** Object-like: blanked wherever they appear as an identifier in code. */
const WELL_KNOWN_OBJECT_LIKE = new Set([
  '__attribute_cold__', '__attribute_hot__', '__attribute_fallthrough__', '__attribute_pure__',
  '__attribute_const__', '__attribute_noinline__', '__attribute_malloc__', '__attribute_returns_nonnull__',
  '__attribute_warn_unused_result__', '__attribute_unused__', '__attribute_used__', '__attribute_deprecated__',
  '__attribute_noreturn__', '__attribute_maybe_unused__', '__attribute_artificial__', '__THROW', '__wur',
  '__BEGIN_DECLS', '__END_DECLS', 'LUA_API', 'LUALIB_API', 'LUAI_FUNC', 'LUAMOD_API',
]);

/** Function-like: blanked with their parenthesised arguments. */
const WELL_KNOWN_FUNCTION_LIKE = new Set([
  '__attribute_nonnull__', '__attribute_format__', '__attribute_format_arg__', '__attribute_alloc_size__',
  '__nonnull', '__attr_access',
]);

export interface AttributeMacros {
  objectLike: Set<string>;
  functionLike: Set<string>;
}

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?(.*)$/;

/** Text made only of attributes and `extern`: balanced `__attribute__((…))` groups and words. */
function isAttributeOnly(value: string): boolean {
  // A trailing `;` makes a statement attribute usable without one (`__attribute_fallthrough__`).
  let rest = value.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/, '').trim().replace(/;$/, '').trim();
  for (let guard = 0; rest && guard < 16; guard++) {
    const word = /^(__attribute__|__attribute|__declspec|extern|__extension__)\b\s*/.exec(rest);
    if (!word) return false;
    rest = rest.slice(word[0].length);
    if (word[1] === 'extern' || word[1] === '__extension__') continue;
    const end = balancedEnd(rest, 0);
    if (end === undefined) return false;
    rest = rest.slice(end).trim();
  }
  return rest === '';
}

/** Index after the `)` closing the `(` at `open` (skipping whitespace before it), or undefined. */
function balancedEnd(text: string, open: number): number | undefined {
  let i = open;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (text[i] !== '(') return undefined;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i = quotedEnd(text, i) - 1;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return undefined;
}

/** Index after a string or character literal starting at `start` (ends at its line's end at most). */
function quotedEnd(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== quote && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return Math.min(text.length, i + 1);
}

/** The start of a line that may begin a #define; the line itself is read by DEFINE. */
const DEFINE_START = /^[ \t]*#[ \t]*define[ \t]/gm;

/**
 * Attribute-only macros for `text`: the well-known ones and the file's own. Runs on every parse
 * (every keystroke), so it looks only at the lines a regular expression finds starting with
 * #define instead of splitting the whole text into lines.
 */
export function attributeMacrosOf(text: string): AttributeMacros {
  const objectLike = new Set(WELL_KNOWN_OBJECT_LIKE);
  const functionLike = new Set(WELL_KNOWN_FUNCTION_LIKE);
  if (!text.includes('define')) return { objectLike, functionLike };
  const verdicts = new Map<string, { attributeOnly: boolean; params: boolean }>();
  DEFINE_START.lastIndex = 0;
  let consumedUntil = 0;
  for (let found = DEFINE_START.exec(text); found; found = DEFINE_START.exec(text)) {
    const start = found.index;
    // Part of the line before it (a backslash continuation, of a #define or not): not a #define.
    if (start < consumedUntil || (start >= 2 && text[start - 2] === '\\')) continue;
    let end = lineEnd(text, start);
    let line = text.slice(start, end);
    while (line.endsWith('\\') && end < text.length) {
      const next = lineEnd(text, end + 1);
      line = line.slice(0, -1) + ' ' + text.slice(end + 1, next);
      end = next;
    }
    consumedUntil = end;
    DEFINE_START.lastIndex = Math.max(DEFINE_START.lastIndex, end);
    const m = DEFINE.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const name = m[1];
    const params = m[2] !== undefined;
    // `#define NAME` with nothing after it: a guard or a switch when object-like, an attribute
    // placeholder only if the name is also used in code (blanking a guard's name there is harmless).
    const value = m[3].trim();
    const attributeOnly = params ? value !== '' && isAttributeOnly(value) : isAttributeOnly(value);
    const known = verdicts.get(name);
    verdicts.set(name, { attributeOnly: (known?.attributeOnly ?? true) && attributeOnly && (known?.params ?? params) === params, params });
  }
  for (const [name, verdict] of verdicts) {
    if (!verdict.attributeOnly) {
      objectLike.delete(name);
      functionLike.delete(name);
    } else (verdict.params ? functionLike : objectLike).add(name);
  }
  return { objectLike, functionLike };
}

/** Index of the '\n' ending the line at `from`, or the text's length. */
function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

const mentionPatterns = new Map<string, RegExp>();

/**
 * Whether any of the macros' names occurs in `text` other than on a line starting with '#'.
 * Those lines are never blanked (a preprocessor line, or inside a comment), and the file's own
 * `#define NAME` lines are where most of its names occur.
 */
function mentionsAny(text: string, macros: AttributeMacros): boolean {
  const key = attributeMacrosKey(macros);
  let pattern = mentionPatterns.get(key);
  if (!pattern) {
    const names = [...macros.objectLike, ...macros.functionLike].map((n) => n.replace(/[^\w]/g, '\\$&'));
    pattern = new RegExp(names.length ? names.join('|') : '(?!)', 'g');
    if (mentionPatterns.size > 64) mentionPatterns.clear();
    mentionPatterns.set(key, pattern);
  }
  pattern.lastIndex = 0;
  for (let found = pattern.exec(text); found; found = pattern.exec(text)) {
    if (!onDirectiveLine(text, found.index)) return true;
  }
  return false;
}

/** Whether the first character of the line holding `index`, after blanks, is '#'. */
function onDirectiveLine(text: string, index: number): boolean {
  let i = text.lastIndexOf('\n', index - 1) + 1;
  while (i < index && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\f' || text[i] === '\v')) i++;
  return text[i] === '#';
}

/** A stable key for a set of macros: two texts with the same key are blanked the same way. */
export function attributeMacrosKey(macros: AttributeMacros): string {
  return `${[...macros.objectLike].sort().join(',')}|${[...macros.functionLike].sort().join(',')}`;
}

function isIdentifierStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentifierPart(c: string): boolean {
  return isIdentifierStart(c) || (c >= '0' && c <= '9');
}

/** What the source keeps of one version of a text: its macros, and the uses of them to blank. */
export interface AttributeMacroState {
  macros: AttributeMacros;
  ranges: readonly BlankRange[];
}

/**
 * Attribute-only macros as a source of blanked ranges (blanking.ts). The macros are read again
 * only after an edit of a preprocessor line (which may #define one). An edit that opens or closes
 * no comment, string or argument list leaves every use of a name outside the edited lines as it
 * was: so when none was blanked before, only those lines are searched for one.
 */
export const attributeMacroBlanking: BlankingSource<AttributeMacroState> = {
  significant: /[/*"'()]/,
  scan(text, kept) {
    const macros = kept?.macros ?? attributeMacrosOf(text);
    return { macros, ranges: attributeMacroRanges(text, macros) };
  },
  afterQuietEdit(carried, text, edit) {
    if (carried.ranges.length) return undefined;
    const from = text.lastIndexOf('\n', edit.startIndex - 1) + 1;
    return mentionsAny(text.slice(from, lineEnd(text, edit.newEndIndex)), carried.macros) ? undefined : carried;
  },
};

/** The uses of attribute-only macros in `text` to blank: sorted, disjoint. */
export function attributeMacroRanges(text: string, macros: AttributeMacros = attributeMacrosOf(text)): BlankRange[] {
  const ranges: BlankRange[] = [];
  // Most files use none of the names anywhere: one search says so without scanning the text.
  if (!mentionsAny(text, macros)) return ranges;
  let atLineStart = true;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      atLineStart = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#' && atLineStart) {
      // A preprocessor line, with its continuations: left as written.
      while (i < n && text[i] !== '\n') i += text[i] === '\\' && text[i + 1] === '\n' ? 2 : text[i] === '\\' && text[i + 1] === '\r' ? 3 : 1;
      continue;
    }
    atLineStart = false;
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i = quotedEnd(text, i);
      continue;
    }
    if (isIdentifierStart(c)) {
      let end = i + 1;
      while (end < n && isIdentifierPart(text[end])) end++;
      const name = text.slice(i, end);
      if (macros.objectLike.has(name)) {
        ranges.push({ start: i, end });
      } else if (macros.functionLike.has(name)) {
        const close = balancedEnd(text, end);
        if (close !== undefined) {
          ranges.push({ start: i, end: close });
          end = close;
        }
      }
      i = end;
      continue;
    }
    i++;
  }
  return ranges;
}
