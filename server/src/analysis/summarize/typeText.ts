// Parses a type text as the summary writes it — base type then C abstract declarator, e.g.
// "const char *", "uint8_t [16]", "int (*)(int)", "struct <anon@x.c:3:9> [N*2]" — into a small
// type tree. Array lengths stay as text; the type table evaluates them with its constants.

export type ParsedType =
  | { kind: 'named'; name: string }
  | { kind: 'pointer'; to: ParsedType }
  | { kind: 'array'; element: ParsedType; lengthText: string }
  | { kind: 'function' };

const IGNORED_WORDS = new Set([
  'const', 'volatile', 'restrict', '__restrict', '__restrict__', '_Atomic', 'static', 'extern', 'register',
  'auto', 'inline', '__inline', '__inline__', '__const', '__volatile__', '__extension__', 'typedef',
]);
const TAG_WORDS = new Set(['struct', 'union', 'enum']);

interface Token {
  text: string;
  isWord: boolean;
}

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  const pattern = /\s*(<anon@[^>]*>|[A-Za-z_]\w*|\d\w*|<<|>>|[*()[\],+\-/%~!&|^?:<>.'"])/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) return undefined;
    const token = match[1];
    tokens.push({ text: token, isWord: /^[A-Za-z_<]/.test(token) && token !== '<' && token !== '<<' });
    at = pattern.lastIndex;
  }
  return tokens;
}

class DeclaratorParser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  private peek(offset = 0): string | undefined {
    return this.tokens[this.at + offset]?.text;
  }

  /** `D := '*' qualifiers D | direct` — the pointer applies to the base before D does. */
  declarator(base: ParsedType): ParsedType | undefined {
    if (this.peek() === '*') {
      this.at++;
      while (this.peek() !== undefined && IGNORED_WORDS.has(this.peek() as string)) this.at++;
      return this.declarator({ kind: 'pointer', to: base });
    }
    return this.direct(base);
  }

  private isGrouping(): boolean {
    const next = this.peek(1);
    return this.peek() === '(' && (next === '*' || next === '(' || next === '[');
  }

  /** `direct := '(' D ')' suffixes | suffixes`: suffixes bind tighter than the group. */
  private direct(base: ParsedType): ParsedType | undefined {
    if (!this.isGrouping()) return this.suffixes(base);
    const open = this.at;
    const close = this.matching(open);
    if (close === undefined) return undefined;
    this.at = close + 1;
    const outer = this.suffixes(base);
    if (!outer) return undefined;
    const end = this.at;
    this.at = open + 1;
    const inner = this.declarator(outer);
    if (!inner || this.at !== close) return undefined;
    this.at = end;
    return inner;
  }

  private matching(open: number): number | undefined {
    const closer = this.tokens[open].text === '(' ? ')' : ']';
    let depth = 0;
    for (let i = open; i < this.tokens.length; i++) {
      const t = this.tokens[i].text;
      if (t === '(' || t === '[') depth++;
      else if (t === ')' || t === ']') {
        depth--;
        if (depth === 0) return t === closer ? i : undefined;
      }
    }
    return undefined;
  }

  private suffixes(base: ParsedType): ParsedType | undefined {
    const dimensions: ({ lengthText: string } | 'function')[] = [];
    while (this.peek() === '[' || (this.peek() === '(' && !this.isGrouping())) {
      const close = this.matching(this.at);
      if (close === undefined) return undefined;
      const inside = this.tokens.slice(this.at + 1, close).map((t) => t.text);
      dimensions.push(this.peek() === '[' ? { lengthText: inside.join(' ') } : 'function');
      this.at = close + 1;
    }
    // `[2][3]` is an array of 2 arrays of 3: the last suffix applies to the base first.
    let type = base;
    for (let i = dimensions.length - 1; i >= 0; i--) {
      const d = dimensions[i];
      type = d === 'function' ? { kind: 'function' } : { kind: 'array', element: type, lengthText: d.lengthText };
    }
    return type;
  }
}

/** Undefined when the text is not a type this parser understands. */
export function parseTypeText(text: string): ParsedType | undefined {
  const tokens = tokenize(text);
  if (!tokens || tokens.length === 0) return undefined;
  const words: string[] = [];
  let at = 0;
  while (at < tokens.length && tokens[at].isWord) {
    const word = tokens[at].text;
    at++;
    if (IGNORED_WORDS.has(word)) continue;
    if (TAG_WORDS.has(word)) {
      const tag = tokens[at];
      if (!tag?.isWord) return undefined;
      words.push(`${word} ${tag.text}`);
      at++;
      continue;
    }
    words.push(word);
  }
  if (words.length === 0) return undefined;
  const parser = new DeclaratorParser(tokens.slice(at));
  const type = parser.declarator({ kind: 'named', name: words.join(' ') });
  return type && parser.done ? type : undefined;
}
