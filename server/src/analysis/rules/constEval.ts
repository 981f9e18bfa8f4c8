// Compile-time evaluation of the integer expressions that bound loops and size copies:
// literals, #define and enum constants, sizeof of types and variables, and arithmetic on them.
import type { SyntaxNode } from '../syntax';
import { unparenthesize } from './nodes';

/** What the evaluator needs from the program's type table (kept narrow so tests can fake it). */
export interface ConstantSource {
  constantValue(name: string): number | undefined;
  sizeOf(typeText: string): number | undefined;
  evaluate?(expression: string): number | undefined;
  /** The type a typedef name stands for, as written, if the program defines it. */
  typedefOf?(name: string): string | undefined;
}

export interface EvalScope {
  constants: ConstantSource;
  /** Declared type of a variable visible at the expression ("char [64]"), if known. */
  typeOfVariable(name: string): string | undefined;
  /** Expansion of the program's own macros, for values the constant source cannot evaluate. */
  macros?: {
    objectLike(name: string): SyntaxNode | undefined;
    functionLike(name: string, args: string[]): SyntaxNode | undefined;
  };
}

export function parseIntegerLiteral(text: string): number | undefined {
  const t = text.replace(/[uUlL]+$/, '').replace(/'/g, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[bB][01]+$/.test(t)) return parseInt(t.slice(2), 2);
  if (/^0[0-7]+$/.test(t)) return parseInt(t, 8);
  if (/^[0-9]+$/.test(t)) return parseInt(t, 10);
  return undefined;
}

/** "char [4][8]" indexed once is "char [8]". */
export function elementType(typeText: string): string | undefined {
  const m = /^(.*?)\s*\[[^\]]*\](.*)$/.exec(typeText);
  return m ? `${m[1]}${m[2] ? ' ' + m[2].trim() : ''}`.trim() : undefined;
}

function typeOfLvalue(node: SyntaxNode | null, scope: EvalScope): string | undefined {
  const n = unparenthesize(node);
  if (!n) return undefined;
  if (n.type === 'identifier') return scope.typeOfVariable(n.text);
  if (n.type === 'subscript_expression') {
    const base = typeOfLvalue(n.childForFieldName('argument'), scope);
    return base ? elementType(base) : undefined;
  }
  if (n.type === 'pointer_expression' && n.child(0)?.type === '*') {
    const base = typeOfLvalue(n.childForFieldName('argument'), scope);
    return base?.endsWith('*') ? base.slice(0, -1).trim() : base ? elementType(base) : undefined;
  }
  return undefined;
}

function sizeofValue(node: SyntaxNode, scope: EvalScope): number | undefined {
  const type = node.childForFieldName('type');
  if (type) return scope.constants.sizeOf(type.text);
  const value = unparenthesize(node.childForFieldName('value'));
  if (!value) return undefined;
  // `sizeof(T)` where T is a typedef name parses as an expression: try it as a type too.
  const asVariable = typeOfLvalue(value, scope);
  if (asVariable) return scope.constants.sizeOf(asVariable);
  if (value.type === 'identifier') return scope.constants.sizeOf(value.text);
  if (value.type === 'string_literal') return value.text.slice(1, -1).replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, '_').length + 1;
  return undefined;
}

const BINARY: Record<string, (a: number, b: number) => number | undefined> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? undefined : Math.trunc(a / b)),
  '%': (a, b) => (b === 0 ? undefined : a % b),
  '<<': (a, b) => a * 2 ** b,
  '>>': (a, b) => Math.floor(a / 2 ** b),
  '&': (a, b) => Number(BigInt(a) & BigInt(b)),
  '|': (a, b) => Number(BigInt(a) | BigInt(b)),
  '^': (a, b) => Number(BigInt(a) ^ BigInt(b)),
  '<': (a, b) => Number(a < b),
  '>': (a, b) => Number(a > b),
  '<=': (a, b) => Number(a <= b),
  '>=': (a, b) => Number(a >= b),
  '==': (a, b) => Number(a === b),
  '!=': (a, b) => Number(a !== b),
  '&&': (a, b) => Number(a !== 0 && b !== 0),
  '||': (a, b) => Number(a !== 0 || b !== 0),
};

/** The integer value of a constant expression, or undefined when it depends on run time. */
export function evaluateConstant(node: SyntaxNode | null, scope: EvalScope, depth = 0): number | undefined {
  const n = unparenthesize(node);
  if (!n || depth > 64) return undefined;
  switch (n.type) {
    case 'number_literal':
      return parseIntegerLiteral(n.text);
    case 'char_literal': {
      const inner = n.text.slice(1, -1);
      if (inner.length === 1) return inner.charCodeAt(0);
      const escapes: Record<string, number> = { '\\n': 10, '\\r': 13, '\\t': 9, '\\0': 0, '\\\\': 92, "\\'": 39 };
      return escapes[inner];
    }
    case 'identifier':
      // A variable in scope shadows a constant of the same name.
      if (scope.typeOfVariable(n.text) !== undefined) return undefined;
      return scope.constants.constantValue(n.text) ?? evaluateConstant(scope.macros?.objectLike(n.text) ?? null, scope, depth + 1);
    case 'sizeof_expression':
      return sizeofValue(n, scope);
    case 'cast_expression':
      return evaluateConstant(n.childForFieldName('value'), scope, depth + 1);
    case 'unary_expression': {
      const v = evaluateConstant(n.childForFieldName('argument'), scope, depth + 1);
      const op = n.childForFieldName('operator')?.text ?? n.child(0)?.text;
      if (v === undefined) return undefined;
      return op === '-' ? -v : op === '+' ? v : op === '~' ? ~v : op === '!' ? Number(!v) : undefined;
    }
    case 'binary_expression': {
      const op = n.childForFieldName('operator')?.text;
      const a = evaluateConstant(n.childForFieldName('left'), scope, depth + 1);
      const b = evaluateConstant(n.childForFieldName('right'), scope, depth + 1);
      const f = op ? BINARY[op] : undefined;
      return f && a !== undefined && b !== undefined ? f(a, b) : undefined;
    }
    case 'conditional_expression': {
      const c = evaluateConstant(n.childForFieldName('condition'), scope, depth + 1);
      if (c === undefined) return undefined;
      return evaluateConstant(n.childForFieldName(c ? 'consequence' : 'alternative'), scope, depth + 1);
    }
    case 'call_expression': {
      // Function-like macros such as ARRAY_SIZE(buf) expand to constants.
      const callee = n.childForFieldName('function');
      const args = n.childForFieldName('arguments')?.namedChildren.filter((a) => a && a.type !== 'comment').map((a) => a!.text) ?? [];
      const expansion = callee?.type === 'identifier' ? scope.macros?.functionLike(callee.text, args) : undefined;
      return expansion ? evaluateConstant(expansion, scope, depth + 1) : scope.constants.evaluate?.(n.text);
    }
    default:
      return undefined;
  }
}
