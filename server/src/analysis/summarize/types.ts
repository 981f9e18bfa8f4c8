// Struct/union definitions, enums and typedefs of one file.
import type { SyntaxNode } from '../syntax';
import type { EnumInfo, FieldInfo, RecordInfo, TypedefInfo } from '../model';
import { declaratorChain, derivationsOf, namedChildrenOf, rangeOf } from '../treeHelpers';
import { evaluateConstant } from './constantExpression';
import { declaredTypeText, specifiersOf, taggedTypeName, withoutInitializer, type SummaryContext } from './declarations';
import { answersSame, recordingContext, type ContextQuery } from './functionMemo';

const PACKED = /\b_*packed_*\b/;

function holdsPacked(holder: SyntaxNode): boolean {
  return namedChildrenOf(holder).some((c) => c.type === 'attribute_specifier' && PACKED.test(c.text));
}

/** Per root of a version, whether an attribute at file level says packed (a root is new each version). */
const packedRoots = new WeakMap<SyntaxNode, boolean>();

function isPackedRecord(specifier: SyntaxNode): boolean {
  if (holdsPacked(specifier)) return true;
  const parent = specifier.parent;
  if (!parent) return false;
  // A record defined at file level (`struct s {...};`) sits right under the root: every record
  // there would scan all of the file's declarations.
  if (parent.parent !== null) return holdsPacked(parent);
  let packed = packedRoots.get(parent);
  if (packed === undefined) packedRoots.set(parent, (packed = holdsPacked(parent)));
  return packed;
}

/** Field declarations of a body, looking through #if blocks inside the braces. */
function fieldDeclarations(body: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  for (const child of namedChildrenOf(body)) {
    if (child.type === 'field_declaration') found.push(child);
    else if (child.type.startsWith('preproc_')) found.push(...fieldDeclarations(child));
  }
  return found;
}

function fieldsOf(body: SyntaxNode, context: SummaryContext): FieldInfo[] {
  const fields: FieldInfo[] = [];
  for (const declaration of fieldDeclarations(body)) {
    const specifiers = specifiersOf(declaration, context.file);
    const bitfield = namedChildrenOf(declaration).find((c) => c.type === 'bitfield_clause');
    const widthNode = bitfield ? namedChildrenOf(bitfield)[0] : undefined;
    const bitWidth = widthNode ? evaluateConstant(widthNode.text, context.scope) : undefined;
    const declarators = declaration.childrenForFieldName('declarator').filter((d): d is SyntaxNode => d !== null);
    if (declarators.length === 0) {
      // An anonymous struct/union member, or an unnamed bit-field used as padding.
      if (specifiers.typeNode?.childForFieldName('body') || bitfield) {
        fields.push({ name: '', typeText: specifiers.baseType, ...(bitWidth !== undefined ? { bitWidth } : {}) });
      }
      continue;
    }
    for (const declarator of declarators) {
      const field: FieldInfo = {
        name: declaratorChain(declarator).name?.text ?? '',
        typeText: declaredTypeText(specifiers.baseType, declarator),
      };
      const own = derivationsOf(withoutInitializer(declarator))[0];
      const size = own?.type === 'array_declarator' ? own.childForFieldName('size') : null;
      const length = size ? evaluateConstant(size.text, context.scope) : undefined;
      if (length !== undefined) field.arrayLength = length;
      if (bitWidth !== undefined) field.bitWidth = bitWidth;
      fields.push(field);
    }
  }
  return fields;
}

/** A struct or union specifier that has a body (a definition, not a mention). */
export function recordFrom(specifier: SyntaxNode, context: SummaryContext): RecordInfo | undefined {
  const body = specifier.childForFieldName('body');
  const typeName = taggedTypeName(specifier, context.file);
  if (!body || !typeName) return undefined;
  const kind = specifier.type === 'union_specifier' ? 'union' : 'struct';
  const record: RecordInfo = {
    kind,
    name: typeName.slice(kind.length + 1),
    fields: fieldsOf(body, context),
    range: rangeOf(specifier),
    file: context.file,
  };
  if (isPackedRecord(specifier)) record.isPacked = true;
  return record;
}

/**
 * Per struct/union/enum specifier node, what the latest summary made of it and what that read
 * besides the node: the file, where the node starts (a node a reparse carried over is the same
 * object over the same text, but may have moved: ranges and anonymous names hold positions),
 * whether it is packed (read from above it), and the questions asked of the file's constants.
 * With all of them the same, the same object is handed out again instead of summarising every
 * definition of the file on every edit.
 */
interface KeptType<T> {
  file: string;
  row: number;
  column: number;
  packed: boolean;
  queries: ContextQuery[];
  made: T;
}
const keptRecords = new WeakMap<SyntaxNode, KeptType<RecordInfo | undefined>>();
const keptEnums = new WeakMap<SyntaxNode, KeptType<EnumInfo | undefined>>();

function kept<T>(memo: WeakMap<SyntaxNode, KeptType<T>>, specifier: SyntaxNode, context: SummaryContext, packed: boolean, make: (context: SummaryContext) => T): T {
  const { row, column } = specifier.startPosition;
  const known = memo.get(specifier);
  if (known && known.file === context.file && known.row === row && known.column === column && known.packed === packed && answersSame(known.queries, context)) return known.made;
  const queries: ContextQuery[] = [];
  const made = make(recordingContext(context, queries));
  memo.set(specifier, { file: context.file, row, column, packed, queries, made });
  return made;
}

/** recordFrom, the same object again while nothing it reads changed (see KeptType). */
export function keptRecordFrom(specifier: SyntaxNode, context: SummaryContext): RecordInfo | undefined {
  return kept(keptRecords, specifier, context, isPackedRecord(specifier), (asked) => recordFrom(specifier, asked));
}

/**
 * enumFrom, the same object again while nothing it reads changed (see KeptType); its members are
 * defined either way, in order. (A member read by a later one of the same enum was asked when
 * defined, and is not yet when the questions are asked again: such an enum is summarised anew,
 * unless it reads the same value from outside.)
 */
export function keptEnumFrom(specifier: SyntaxNode, context: SummaryContext, define: (name: string, value: number) => void): EnumInfo | undefined {
  let made = false;
  const info = kept(keptEnums, specifier, context, false, (asked) => {
    made = true;
    return enumFrom(specifier, asked, define);
  });
  if (!made) for (const member of info?.members ?? []) define(member.name, member.value);
  return info;
}

/**
 * An enum definition. Members count up from the previous value; an explicit value that cannot
 * be evaluated gives NaN (and so do the implicit members after it), which TypeTable treats as
 * unknown. Members are registered in `define` as they are computed, so later ones can use them.
 */
export function enumFrom(
  specifier: SyntaxNode,
  context: SummaryContext,
  define: (name: string, value: number) => void,
): EnumInfo | undefined {
  const body = specifier.childForFieldName('body');
  if (!body) return undefined;
  const members: EnumInfo['members'] = [];
  let next = 0;
  for (const enumerator of namedChildrenOf(body)) {
    if (enumerator.type !== 'enumerator') continue;
    const name = enumerator.childForFieldName('name');
    if (!name) continue;
    const valueNode = enumerator.childForFieldName('value');
    const value = valueNode ? evaluateConstant(valueNode.text, context.scope) ?? NaN : next;
    members.push({ name: name.text, value });
    define(name.text, value);
    next = value + 1;
  }
  const tag = specifier.childForFieldName('name');
  return { ...(tag ? { name: tag.text } : {}), members, range: rangeOf(specifier), file: context.file };
}

export function typedefsFrom(definition: SyntaxNode, context: SummaryContext): TypedefInfo[] {
  const specifiers = specifiersOf(definition, context.file);
  const typedefs: TypedefInfo[] = [];
  for (const declarator of definition.childrenForFieldName('declarator')) {
    const name = declarator ? declaratorChain(declarator).name : undefined;
    if (!declarator || !name) continue;
    typedefs.push({
      name: name.text,
      typeText: declaredTypeText(specifiers.baseType, declarator),
      range: rangeOf(definition),
      file: context.file,
    });
  }
  return typedefs;
}
