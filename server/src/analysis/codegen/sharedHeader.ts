// The header both halves include (<base>.offload.h): struct bpfo_state, whose fields are the
// globals the kernel paths touch, and the source's own types and macros those fields need.
// The types are copied from the original once, here, so the BPF C and the userspace C see one
// definition and the same layout; the userspace half drops its copies (see userHalf.ts).
import type { SyntaxNode, Tree } from '../syntax';
import { declaredName, namedChildrenOf } from '../treeHelpers';
import { STATE_STRUCT_NAME, STAT_ANSWERED, STAT_GROW_FAILED, STAT_HANDED_OVER } from './contract';

/** A global that moves into struct bpfo_state (what the kernel-half generator reports). */
export interface StateField {
  name: string;
  /** As in VariableInfo.typeText: "struct slot [CACHE_SLOTS]", "unsigned long", "char *". */
  typeText: string;
  initializer?: string;
  /** The member declaration, when the generator already spelt it (e.g. "struct slot cache[CACHE_SLOTS]"). */
  declaration?: string;
}

/** A top-level definition of the original the state struct depends on. */
export interface CopiedItem {
  kind: 'define' | 'record' | 'typedef' | 'enum';
  name: string;
  /** The node to drop from the userspace half (defines stay: an identical redefinition is legal). */
  node: SyntaxNode;
  /** The text the header carries. */
  text: string;
}

export class SharedHeaderError extends Error {}

/** C macro names the header defines for the constants in contract.ts. */
export const HEADER_MACROS = {
  statAnswered: 'BPFO_STAT_ANSWERED',
  statHandedOver: 'BPFO_STAT_HANDED_OVER',
  statGrowFailed: 'BPFO_STAT_GROW_FAILED',
  statCount: 'BPFO_STAT_COUNT',
};

/** Declaration of one field: the name goes where the declarator was folded out of typeText. */
export function fieldDeclaration(field: StateField): string {
  if (field.declaration) return field.declaration;
  const type = field.typeText.trim();
  const pointerToFunction = type.indexOf('(*');
  if (pointerToFunction >= 0) return `${type.slice(0, pointerToFunction + 2)}${field.name}${type.slice(pointerToFunction + 2)}`;
  const bracket = type.indexOf('[');
  if (bracket >= 0) return `${type.slice(0, bracket).trimEnd()} ${field.name}${type.slice(bracket).replace(/\s+/g, '')}`;
  return type.endsWith('*') ? `${type}${field.name}` : `${type} ${field.name}`;
}

/**
 * The original's top-level macros, records, typedefs and enums the state fields need, found by
 * following the identifiers in their texts, in source order.
 */
export function collectStateTypes(tree: Tree, fields: StateField[]): CopiedItem[] {
  const items = topLevelItems(tree.rootNode);
  const wanted = new Map<SyntaxNode, CopiedItem>();
  const pending = fields.map((f) => f.typeText);
  while (pending.length) {
    const text = pending.pop()!;
    for (const word of identifiers(text)) {
      for (const item of items.get(word) ?? []) {
        if (wanted.has(item.node)) continue;
        wanted.set(item.node, item);
        pending.push(item.text);
      }
    }
  }
  return [...wanted.values()].sort((a, b) => a.node.startIndex - b.node.startIndex);
}

function identifiers(text: string): Set<string> {
  // `struct slot` and a typedef `slot` are different names; both spellings are looked up.
  const words = new Set<string>();
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ');
  for (const match of withoutComments.matchAll(/\b(struct|union|enum)\s+([A-Za-z_]\w*)|[A-Za-z_]\w*/g)) {
    words.add(match[2] ? `${match[1]} ${match[2]}` : match[0]);
  }
  return words;
}

/** Name → definitions, for the kinds the header can copy. Records are keyed "struct NAME". */
function topLevelItems(root: SyntaxNode): Map<string, CopiedItem[]> {
  const items = new Map<string, CopiedItem[]>();
  const add = (key: string, item: CopiedItem) => {
    const list = items.get(key) ?? [];
    list.push(item);
    items.set(key, list);
  };
  for (const node of namedChildrenOf(root)) {
    switch (node.type) {
      case 'preproc_def':
      case 'preproc_function_def': {
        const name = node.childForFieldName('name')?.text;
        if (name) add(name, { kind: 'define', name, node, text: node.text.trimEnd() });
        break;
      }
      case 'type_definition': {
        for (const declarator of node.childrenForFieldName('declarator')) {
          const name = declarator ? declaredName(declarator)?.text : undefined;
          if (name) add(name, { kind: 'typedef', name, node, text: node.text });
        }
        break;
      }
      case 'declaration':
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier': {
        const specifier = node.type === 'declaration' ? node.childForFieldName('type') : node;
        const hasDeclarators = node.type === 'declaration' && node.childrenForFieldName('declarator').length > 0;
        if (!specifier || hasDeclarators || !specifier.childForFieldName('body')) break;
        const name = specifier.childForFieldName('name')?.text;
        if (!name) break;
        const keyword = specifier.type.replace('_specifier', '');
        const text = node.type === 'declaration' ? node.text : `${node.text};`;
        const item: CopiedItem = { kind: keyword === 'enum' ? 'enum' : 'record', name, node, text };
        add(`${keyword} ${name}`, item);
        if (keyword === 'enum') {
          for (const enumerator of namedChildrenOf(specifier.childForFieldName('body')!)) {
            const member = enumerator.childForFieldName('name')?.text;
            if (member) add(member, item);
          }
        }
        break;
      }
    }
  }
  return items;
}

export interface SharedHeaderInput {
  base: string;
  sourceName: string;
  fields: StateField[];
  copied: CopiedItem[];
}

export function includeGuard(base: string): string {
  return `BPFO_${base.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_OFFLOAD_H`;
}

export function generateSharedHeader(input: SharedHeaderInput): string {
  const guard = includeGuard(input.base);
  const lines: string[] = [
    `/* Generated by bpf-offload from ${input.sourceName}: included by both halves, so they agree on`,
    ` * the layout of the state they share. Edit the original and split again rather than this file. */`,
    `#ifndef ${guard}`,
    `#define ${guard}`,
    '',
    // The kernel half spells the C library's types and copies the source's own definitions
    // before it includes this header; only the userspace half needs them from here.
    '#ifndef __bpf__',
    '#include <signal.h>',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '#endif',
    '',
    `/* Indexes of the per-CPU counters in bpfo_stats_map. */`,
    `#define ${HEADER_MACROS.statAnswered} ${STAT_ANSWERED}`,
    `#define ${HEADER_MACROS.statHandedOver} ${STAT_HANDED_OVER}`,
    `#define ${HEADER_MACROS.statGrowFailed} ${STAT_GROW_FAILED}`,
    `#define ${HEADER_MACROS.statCount} ${Math.max(STAT_ANSWERED, STAT_HANDED_OVER, STAT_GROW_FAILED) + 1}`,
    '',
  ];
  if (input.copied.length) {
    lines.push(`/* From ${input.sourceName}: what the shared state is made of (the kernel half has its own copy). */`, '#ifndef __bpf__');
    for (const item of input.copied) {
      // Guarded so that the original's identical #define after this header stays legal.
      if (item.kind === 'define') lines.push(`#ifndef ${item.name}`, item.text, '#endif');
      else lines.push(item.text);
    }
    lines.push('#endif', '');
  }
  if (input.fields.length) {
    // Macros such as `#define N (sizeof table / sizeof table[0])` name the globals themselves;
    // the kernel half declares them the same way before including this header.
    lines.push('#ifndef __bpf__', '/* Declared only so that sizeof(global) in the macros keeps working; never defined. */');
    for (const field of input.fields) lines.push(`extern ${fieldDeclaration(field)};`);
    lines.push('#endif', '');
  }
  lines.push(
    `/* The globals the kernel half reads or writes. The kernel keeps them in one mmapable array map`,
    ` * entry; the userspace half reaches them through bpfo_state_ptr. */`,
    `struct ${STATE_STRUCT_NAME} {`,
  );
  for (const field of input.fields) lines.push(`    ${fieldDeclaration(field)};`);
  // An empty struct is a GNU extension with size 0, and a map value must have a size.
  if (input.fields.length === 0) lines.push('    char unused;');
  lines.push('};', '', `#endif /* ${guard} */`);
  return lines.join('\n') + '\n';
}
