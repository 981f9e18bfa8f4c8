// A small evaluator for C integer constant expressions (array lengths, enum values, #define
// values). It parses text itself — never eval() — and answers undefined for anything it cannot
// prove: unknown names, function-like macros, floating point, division by zero. Arithmetic is
// done in BigInt so 64-bit masks and shifts stay exact; signedness is not tracked except by
// casts (so `~0U` is -1, a documented approximation).

export interface ConstantScope {
  /** Value of an enum constant or object-like macro, undefined when unknown. */
  constant(name: string): number | undefined;
  /** Size of a type written as text (for sizeof), undefined when unknown. */
  sizeOf?(typeText: string): number | undefined;
  /** True when the identifier names a type (typedef), so `(name)x` is a cast. */
  isTypeName?(name: string): boolean;
}

type Token = { kind: 'num'; value: bigint } | { kind: 'id'; text: string } | { kind: 'op'; text: string };

const OPERATORS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '(', ')', '~', '!', '<', '>', '&', '^', '|', '?', ':', ',', '[', ']', '.'];

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };

class Unevaluable extends Error {}

/**
 * Thrown every time: most expressions asked about are not constant (variables, calls), and
 * building an Error records the stack, which cost more than the evaluation (a few ms of memcached.c's
 * first analysis). Caught only by evaluateConstant, which never lets it out.
 */
const UNEVALUABLE = new Unevaluable('not a constant expression');

function fail(): never {
  throw UNEVALUABLE;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^(\s+|\/\*[\s\S]*?\*\/|\/\/[^\n]*|\\\n)/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const number = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)([uUlL]*)(?![.\w])/.exec(rest);
    if (number) {
      const digits = number[1];
      const isOctal = /^0[0-7]+$/.test(digits);
      tokens.push({ kind: 'num', value: isOctal ? BigInt('0o' + digits.slice(1)) : BigInt(digits) });
      i += number[0].length;
      continue;
    }
    if (/^[0-9.]/.test(rest) && /^\.?[0-9]/.test(rest)) fail(); // floating point
    const char = /^[LuU]?'(\\x[0-9a-fA-F]+|\\[0-7]{1,3}|\\.|[^'\\])'/.exec(rest);
    if (char) {
      tokens.push({ kind: 'num', value: BigInt(charValue(char[1])) });
      i += char[0].length;
      continue;
    }
    const identifier = /^[A-Za-z_]\w*/.exec(rest);
    if (identifier) {
      tokens.push({ kind: 'id', text: identifier[0] });
      i += identifier[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) fail();
    tokens.push({ kind: 'op', text: op });
    i += op.length;
  }
  return tokens;
}

function charValue(body: string): number {
  if (!body.startsWith('\\')) return body.codePointAt(0) ?? fail();
  if (body.startsWith('\\x')) return parseInt(body.slice(2), 16);
  if (/^\\[0-7]+$/.test(body)) return parseInt(body.slice(1), 8);
  return ESCAPES[body.slice(1)] ?? fail();
}

const BINARY_PRECEDENCE: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

const TYPE_WORDS = new Set([
  'char', 'short', 'int', 'long', 'signed', 'unsigned', 'float', 'double', 'void', '_Bool', 'bool',
  'const', 'volatile', 'struct', 'union', 'enum',
]);

const UNSIGNED_TYPE = /\bunsigned\b|^(const\s+)?(__)?u(int)?\d+(_t)?$|^(const\s+)?(size_t|uintptr_t|_Bool|bool)$/;

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[], private readonly scope: ConstantScope, private readonly source: string[]) {}

  parseAll(): bigint {
    const value = this.conditional();
    if (this.at !== this.tokens.length) fail();
    return value;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private isOp(text: string, offset = 0): boolean {
    const t = this.tokens[this.at + offset];
    return t?.kind === 'op' && t.text === text;
  }

  private expect(text: string): void {
    if (!this.isOp(text)) fail();
    this.at++;
  }

  private conditional(): bigint {
    const condition = this.binary(1);
    if (!this.isOp('?')) return condition;
    this.at++;
    const whenTrue = this.conditional();
    this.expect(':');
    const whenFalse = this.conditional();
    return condition !== 0n ? whenTrue : whenFalse;
  }

  private binary(minPrecedence: number): bigint {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const precedence = t?.kind === 'op' ? BINARY_PRECEDENCE[t.text] : undefined;
      if (!t || t.kind !== 'op' || precedence === undefined || precedence < minPrecedence) return left;
      this.at++;
      const right = this.binary(precedence + 1);
      left = applyBinary(t.text, left, right);
    }
  }

  private unary(): bigint {
    const t = this.peek();
    if (!t) fail();
    if (t.kind === 'op') {
      if (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!') {
        this.at++;
        const value = this.unary();
        if (t.text === '-') return -value;
        if (t.text === '~') return ~value;
        if (t.text === '!') return value === 0n ? 1n : 0n;
        return value;
      }
      if (t.text === '(') {
        const typeText = this.typeInParentheses();
        if (typeText !== undefined) return cast(typeText, this.unary(), this.scope);
        this.at++;
        const value = this.conditional();
        this.expect(')');
        return value;
      }
      fail();
    }
    this.at++;
    if (t.kind === 'num') return t.value;
    if (t.text === 'sizeof') return this.sizeofOperand();
    const value = this.scope.constant(t.text);
    if (value === undefined || !Number.isFinite(value)) fail();
    return BigInt(Math.trunc(value));
  }

  /** When the tokens at `(` spell `(type-name)`, consumes them and returns the type text. */
  private typeInParentheses(): string | undefined {
    const first = this.tokens[this.at + 1];
    if (first?.kind !== 'id') return undefined;
    if (!TYPE_WORDS.has(first.text) && !this.scope.isTypeName?.(first.text)) return undefined;
    let end = this.at + 1;
    while (end < this.tokens.length && !(this.tokens[end].kind === 'op' && (this.tokens[end] as { text: string }).text === ')')) {
      const t = this.tokens[end];
      if (t.kind === 'op' && !['*', '[', ']'].includes(t.text)) return undefined;
      end++;
    }
    if (end >= this.tokens.length) return undefined;
    const text = this.source.slice(this.at + 1, end).join(' ').replace(/\s*\*\s*/g, ' *').trim();
    this.at = end + 1;
    return text;
  }

  private sizeofOperand(): bigint {
    const typeText = this.isOp('(') ? this.typeInParentheses() : undefined;
    if (typeText === undefined) fail(); // sizeof of an expression needs its type, which we lack
    const size = this.scope.sizeOf?.(typeText);
    if (size === undefined) fail();
    return BigInt(size);
  }
}

function applyBinary(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': if (b === 0n) fail(); return a / b;
    case '%': if (b === 0n) fail(); return a % b;
    case '<<': if (b < 0n || b > 127n) fail(); return a << b;
    case '>>': if (b < 0n || b > 127n) fail(); return a >> b;
    case '<': return a < b ? 1n : 0n;
    case '>': return a > b ? 1n : 0n;
    case '<=': return a <= b ? 1n : 0n;
    case '>=': return a >= b ? 1n : 0n;
    case '==': return a === b ? 1n : 0n;
    case '!=': return a !== b ? 1n : 0n;
    case '&': return a & b;
    case '^': return a ^ b;
    case '|': return a | b;
    case '&&': return a !== 0n && b !== 0n ? 1n : 0n;
    case '||': return a !== 0n || b !== 0n ? 1n : 0n;
    default: fail();
  }
}

/** Integer casts truncate to the type's width, so `(uint8_t)300` is 44 as in C. */
function cast(typeText: string, value: bigint, scope: ConstantScope): bigint {
  if (typeText.includes('*')) return value;
  const size = scope.sizeOf?.(typeText);
  if (size === undefined || size > 8 || /\b(float|double)\b/.test(typeText)) return value;
  const bits = BigInt(size * 8);
  return UNSIGNED_TYPE.test(typeText) ? BigInt.asUintN(Number(bits), value) : BigInt.asIntN(Number(bits), value);
}

/** Value of a C integer constant expression, or undefined when it is not provably constant. */
export function evaluateConstant(expression: string, scope: ConstantScope): number | undefined {
  try {
    const tokens = tokenize(expression);
    if (tokens.length === 0) return undefined;
    const source = tokens.map((t) => (t.kind === 'num' ? t.value.toString() : t.text));
    return Number(new Parser(tokens, scope, source).parseAll());
  } catch (error) {
    if (error instanceof Unevaluable || error instanceof RangeError) return undefined;
    throw error;
  }
}
