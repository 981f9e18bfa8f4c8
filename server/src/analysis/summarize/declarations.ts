// Declaration specifiers and declarators → type texts and VariableInfo. Type texts are the
// base type followed by the C abstract declarator ("char *", "uint8_t [16]", "int (*)(int)"),
// the form TypeTable.sizeOf parses back.
import type { SyntaxNode } from '../syntax';
import type { VariableInfo } from '../model';
import type { ConstantScope } from './constantExpression';
import { childrenOf, declaratorChain, derivationsOf, namedChildrenOf, rangeOf, textOf, textWithout, walk } from '../treeHelpers';

/** What the summary of one file knows while it extracts declarations. */
export interface SummaryContext {
  file: string;
  /** Constants of this file (object-like #defines and enum members). */
  scope: ConstantScope;
  /** True for names that are #defined or enum members in this file. */
  isConstantName(name: string): boolean;
  /** File-scope variable names of this file (a call through one of them is indirect). */
  globalVariables: { has(name: string): boolean };
}

/** Names asked about (a Set, or one that records the questions). */
export type NameSet = { has(name: string): boolean };

export interface Specifiers {
  /** Qualifiers and the type, e.g. "const char", "struct foo", "unsigned long". */
  baseType: string;
  storage: Set<string>;
  isConst: boolean;
  isInline: boolean;
  typeNode?: SyntaxNode;
}

const RECORD_KEYWORD: Record<string, string> = { struct_specifier: 'struct', union_specifier: 'union', enum_specifier: 'enum' };
const KEPT_QUALIFIERS = new Set(['const', 'volatile']);

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** Name of an untagged struct/union/enum: unique per file position, readable in messages. */
export function anonymousName(node: SyntaxNode, file: string): string {
  return `<anon@${baseName(file)}:${node.startPosition.row + 1}:${node.startPosition.column + 1}>`;
}

/** "struct foo" / "union <anon@x.c:3:9>" for a record or enum specifier; undefined otherwise. */
export function taggedTypeName(node: SyntaxNode, file: string): string | undefined {
  const keyword = RECORD_KEYWORD[node.type];
  if (!keyword) return undefined;
  const name = node.childForFieldName('name');
  return `${keyword} ${name ? name.text : anonymousName(node, file)}`;
}

function typeNameOf(typeNode: SyntaxNode, file: string): string {
  return taggedTypeName(typeNode, file) ?? textOf(typeNode);
}

/**
 * Specifiers of a declaration, parameter, field or function definition: the children before
 * the first declarator. Macros such as `MAYBE_UNUSED static int f()` make tree-sitter take the
 * macro as the type and wrap the real type in an ERROR node; the ERROR's word wins then.
 */
export function specifiersOf(node: SyntaxNode, file: string): Specifiers {
  const storage = new Set<string>();
  const qualifiers: string[] = [];
  const recoveredTypes: string[] = [];
  let typeNode: SyntaxNode | undefined;
  const children = childrenOf(node);
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    const field = node.fieldNameForChild(i);
    if (field === 'declarator' || field === 'body') break;
    if (field === 'type') typeNode = child;
    else if (child.type === 'storage_class_specifier') storage.add(child.text);
    else if (child.type === 'type_qualifier') qualifiers.push(child.text);
    else if (child.type === 'ERROR' && /^[A-Za-z_][\w ]*$/.test(textOf(child))) recoveredTypes.push(textOf(child));
  }
  let typeName = typeNode ? typeNameOf(typeNode, file) : 'int';
  if (recoveredTypes.length > 0 && typeNode?.type === 'type_identifier') {
    if (/inline/.test(typeName)) storage.add('inline');
    typeName = recoveredTypes[recoveredTypes.length - 1];
  }
  const kept = qualifiers.filter((q) => KEPT_QUALIFIERS.has(q));
  return {
    baseType: [...kept, typeName].join(' '),
    storage,
    isConst: qualifiers.includes('const'),
    isInline: [...storage].some((s) => /inline/.test(s)),
    typeNode,
  };
}

/** Attributes and comments inside a declarator are not part of its type. */
function noiseInside(node: SyntaxNode): SyntaxNode[] {
  const noise: SyntaxNode[] = [];
  walk(node, (n) => {
    if (n.type === 'attribute_specifier' || n.type === 'comment' || n.type === 'ms_declspec_modifier') {
      noise.push(n);
      return false;
    }
    return true;
  });
  return noise;
}

export function joinType(baseType: string, abstract: string): string {
  return abstract ? `${baseType} ${abstract}` : baseType;
}

/** The declarator without an initializer (`x = 1` → `x`). */
export function withoutInitializer(declarator: SyntaxNode): SyntaxNode {
  return declarator.type === 'init_declarator' ? declarator.childForFieldName('declarator') ?? declarator : declarator;
}

/** Type text of the entity `declarator` declares, `cut` (default: its name) removed. */
export function declaredTypeText(baseType: string, declarator: SyntaxNode, cut?: SyntaxNode): string {
  const top = withoutInitializer(declarator);
  const removed = cut ?? declaratorChain(top).name;
  return joinType(baseType, textWithout(top, [...(removed ? [removed] : []), ...noiseInside(top)]));
}

/** Whether the declared object itself is const (`char *const p`, `const int n`, not `const char *p`). */
export function isObjectConst(declarator: SyntaxNode, specifiers: Specifiers): boolean {
  for (const derivation of derivationsOf(withoutInitializer(declarator))) {
    if (derivation.type === 'array_declarator') continue;
    if (derivation.type !== 'pointer_declarator') return false;
    return childrenOf(derivation).some((c) => c.type === 'type_qualifier' && c.text === 'const');
  }
  return specifiers.isConst;
}

/** Array size expressions of the declarator, the name's own dimension first. */
export function arraySizes(declarator: SyntaxNode): (SyntaxNode | null)[] {
  return derivationsOf(withoutInitializer(declarator))
    .filter((d) => d.type === 'array_declarator')
    .map((d) => d.childForFieldName('size'));
}

const MACRO_LIKE = /^[A-Z_][A-Z0-9_]*$/;
const CONSTANT_OPERATORS = new Set(['binary_expression', 'unary_expression', 'parenthesized_expression', 'conditional_expression']);

/**
 * Whether an array length is a constant expression: literals, sizeof, enum constants, macros,
 * and arithmetic of those. A name that is neither a known constant nor a known variable counts
 * as constant only when spelled like a macro (it usually comes from a header we did not see).
 */
export function isConstantSyntax(node: SyntaxNode, context: SummaryContext, variables: NameSet): boolean {
  switch (node.type) {
    case 'number_literal':
    case 'char_literal':
    case 'sizeof_expression':
    case 'alignof_expression':
    case 'offsetof_expression':
      return true;
    case 'identifier': {
      const name = node.text;
      if (context.isConstantName(name)) return true;
      if (variables.has(name) || context.globalVariables.has(name)) return false;
      return MACRO_LIKE.test(name);
    }
    case 'cast_expression': {
      const value = node.childForFieldName('value');
      return value !== null && isConstantSyntax(value, context, variables);
    }
    case 'call_expression':
      return node.childForFieldName('function')?.text === 'offsetof';
    default:
      if (!CONSTANT_OPERATORS.has(node.type)) return false;
      return childrenOf(node).every((c) => !c.isNamed || c.type === 'comment' || isConstantSyntax(c, context, variables));
  }
}

/**
 * VariableInfo for one declarator. `variables` are the names of parameters and locals seen so
 * far (their use in an array length makes a VLA).
 */
export function variableFrom(
  declarator: SyntaxNode,
  specifiers: Specifiers,
  context: SummaryContext,
  variables: NameSet,
  rangeNode?: SyntaxNode,
): VariableInfo {
  const top = withoutInitializer(declarator);
  const name = declaratorChain(top).name;
  const info: VariableInfo = {
    name: name?.text ?? '',
    typeText: withInitializerLength(declaredTypeText(specifiers.baseType, top), declarator),
    range: rangeOf(rangeNode ?? top),
  };
  const sizes = arraySizes(top);
  if (sizes.some((size) => size !== null && !isConstantSyntax(size, context, variables))) info.isVariableLength = true;
  if (specifiers.storage.has('static')) info.isStatic = true;
  if (isObjectConst(top, specifiers)) info.isConst = true;
  return info;
}

/** Bytes of a plain or u8 string literal, terminating NUL included; undefined for wide ones. */
function stringBytes(literal: SyntaxNode): number | undefined {
  if (literal.type === 'concatenated_string') {
    let total = 1;
    for (const part of namedChildrenOf(literal)) {
      const bytes = part.type === 'string_literal' ? stringBytes(part) : undefined;
      if (bytes === undefined) return undefined;
      total += bytes - 1;
    }
    return total;
  }
  if (literal.type !== 'string_literal' || !/^(u8)?"/.test(literal.text)) return undefined;
  let bytes = 1;
  for (const part of namedChildrenOf(literal)) {
    if (part.type === 'escape_sequence') bytes += 1;
    else if (part.type === 'string_content') bytes += Buffer.byteLength(part.text, 'utf8');
  }
  return bytes;
}

/** Element count of an initializer for an array declared with `[]`. */
function initializerLength(value: SyntaxNode): number | undefined {
  if (value.type !== 'initializer_list') return stringBytes(value);
  const elements = namedChildrenOf(value).filter((c) => c.type !== 'comment');
  // Designators (`[3] = x`) can skip or reorder elements; the count would be a guess.
  if (elements.some((e) => e.type === 'initializer_pair')) return undefined;
  return elements.length;
}

/**
 * `char s[] = "abc"` has type char [4]: the length a `[]` takes from its initializer is written
 * into the type text, so the object can be sized.
 */
function withInitializerLength(typeText: string, declarator: SyntaxNode): string {
  const value = declarator.type === 'init_declarator' ? declarator.childForFieldName('value') : null;
  const open = typeText.indexOf('[');
  if (!value || open < 0 || typeText[open + 1] !== ']') return typeText;
  if (derivationsOf(withoutInitializer(declarator))[0]?.type !== 'array_declarator') return typeText;
  const length = initializerLength(value);
  return length === undefined ? typeText : `${typeText.slice(0, open + 1)}${length}${typeText.slice(open + 1)}`;
}
