// Constant tables of strings for a socket-hook kernel half. The state map can carry a constant
// table only as userspace fills it, and a `const char *` there is an address in the server's
// memory that BPF cannot follow. A table of records whose members are string pointers and
// scalars, initialised with literals, is instead given to the kernel half as its own copy in
// .rodata with each pointer member turned into a char array as long as its longest literal, so
// the translated code reads the same bytes through the same expressions (an array decays to the
// pointer it replaces).
import type { SyntaxNode, Tree } from '../../syntax';

export interface RodataTable {
  /** The global's name in the original. */
  name: string;
  /** C text: the record type and the .rodata object. */
  source: string;
  /** What `bpfo->st->NAME` becomes in the translated code. */
  access: string;
  /** `extern` declaration of NAME with the copy's row type, for macros like `sizeof NAME / sizeof NAME[0]`. */
  externDeclaration: string;
}

interface Member {
  name: string;
  /** Longest literal + 1 for a string member; undefined for a member kept as declared. */
  stringLength?: number;
  text: string;
}

/** The table named `name` as a .rodata copy, or undefined when it is not a constant table of string records. */
export function rodataTable(tree: Tree, name: string): RodataTable | undefined {
  for (const node of tree.rootNode.namedChildren) {
    if (node?.type !== 'declaration') continue;
    if (!node.children.some((c) => c?.type === 'type_qualifier' && c.text === 'const')) continue;
    const type = node.childForFieldName('type');
    const body = type?.type === 'struct_specifier' ? type.childForFieldName('body') : null;
    for (const init of node.namedChildren) {
      if (init?.type !== 'init_declarator') continue;
      const array = init.childForFieldName('declarator');
      const value = init.childForFieldName('value');
      if (array?.type !== 'array_declarator' || array.childForFieldName('declarator')?.text !== name) continue;
      if (!body || value?.type !== 'initializer_list') return undefined;
      return buildTable(name, body, value);
    }
  }
  return undefined;
}

function buildTable(name: string, body: SyntaxNode, value: SyntaxNode): RodataTable | undefined {
  const members: Member[] = [];
  for (const field of body.namedChildren) {
    if (field?.type !== 'field_declaration') continue;
    const declarators = field.childrenForFieldName('declarator').filter((d): d is SyntaxNode => !!d);
    const typeText = field.childForFieldName('type')?.text ?? '';
    for (const d of declarators) {
      if (d.type === 'pointer_declarator' && /^char$/.test(typeText) && d.childForFieldName('declarator')?.type === 'field_identifier') {
        members.push({ name: d.childForFieldName('declarator')!.text, stringLength: 1, text: '' });
      } else if (d.type === 'field_identifier' && declarators.length === 1) {
        members.push({ name: d.text, text: `${field.text.replace(/\s*;\s*$/, '').replace(/\b[A-Za-z_]\w*\s*$/, '')}${d.text}` });
      } else {
        return undefined; // pointers to anything but char, arrays of pointers…: not a plain string table
      }
    }
  }
  if (members.length === 0) return undefined;
  const rows = value.namedChildren.filter((r): r is SyntaxNode => r?.type === 'initializer_list');
  if (rows.length === 0 || rows.length !== value.namedChildren.filter((r) => r && r.type !== 'comment').length) return undefined;
  for (const row of rows) {
    const cells = row.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      const designated = cell.type === 'initializer_pair';
      const memberName = designated ? cell.childrenForFieldName('designator')[0]?.text.replace(/^\./, '') : members[i]?.name;
      const member = members.find((m) => m.name === memberName);
      const text = designated ? cell.childForFieldName('value') : cell;
      if (!member || !text) return undefined;
      if (member.stringLength === undefined) continue;
      const length = literalLength(text);
      if (length === undefined) return undefined;
      member.stringLength = Math.max(member.stringLength, length + 1);
    }
  }
  const record = `bpfo_ro_${name}_row`;
  const fields = members.map((m) => (m.stringLength !== undefined ? `\tchar ${m.name}[${m.stringLength}];` : `\t${m.text};`)).join('\n');
  const holder = `bpfo_ro_${name}`;
  const source = `/* ${name}: the original's constant table, copied into .rodata with its string pointers turned
 * into arrays (a pointer into the server's memory means nothing to BPF). The slack keeps a
 * bounded byte loop over the last string inside the object. */
struct ${record} {
${fields}
};
static const struct {
\tstruct ${record} ${name}[${rows.length}];
\t__u8 slack[BPFO_MAX_PAYLOAD];
} ${holder} = { .${name} = ${value.text} };`;
  return { name, source, access: `${holder}.${name}`, externDeclaration: `extern const struct ${record} ${name}[${rows.length}];` };
}

/** Bytes of a string literal (or adjacent literals) without the terminating NUL; undefined for anything else. */
function literalLength(node: SyntaxNode): number | undefined {
  if (node.type === 'concatenated_string') {
    let total = 0;
    for (const part of node.namedChildren) {
      const n = part ? literalLength(part) : undefined;
      if (n === undefined) return undefined;
      total += n;
    }
    return total;
  }
  if (node.type !== 'string_literal' || !node.text.startsWith('"')) return undefined;
  const body = node.text.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, 'x').length;
}
