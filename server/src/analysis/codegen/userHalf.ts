// The userspace half (<base>.split.c): the original program, changed as little as possible.
// - The globals the kernel shares keep their definitions (renamed bpfo_init_NAME) so their
//   initial values stay where the author wrote them; a macro right after each one sends every
//   later use through bpfo_state_ptr, which points at a private copy until the loader points it
//   at the kernel's map. Without BPF_OFFLOAD_IFACE nothing else changes.
// - Types the shared header now defines are dropped here (C forbids defining a struct twice).
// - The loader starts just before the receive loop: after the server has bound its socket and
//   filled its tables, so the kernel gets the port and the state as they are when requests come.
import type { SyntaxNode, Tree } from '../syntax';
import type { RequestEntry } from '../entries';
import { declaredName, findFunctionDefinition, namedChildrenOf, walk } from '../treeHelpers';
import { LOADER_START, STATE_POINTER_NAME, STATE_STRUCT_NAME } from './contract';
import type { CopiedItem, StateField } from './sharedHeader';

export class UserHalfError extends Error {}

export interface UserHalfInput {
  tree: Tree;
  text: string;
  sourceName: string;
  sharedHeaderName: string;
  loaderHeaderName: string;
  fields: StateField[];
  /** Items the shared header copied; records, typedefs and enums among them are dropped here. */
  copied: CopiedItem[];
  entry: RequestEntry;
}

export interface UserHalf {
  source: string;
  notes: string[];
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

export const INIT_PREFIX = 'bpfo_init_';
const LOOP_TYPES = new Set(['while_statement', 'for_statement', 'do_statement']);

export function generateUserHalf(input: UserHalfInput): UserHalf {
  const root = input.tree.rootNode;
  const notes: string[] = [];
  const edits: Edit[] = [];

  const includeEnd = lastTopLevelInclude(root)?.endIndex ?? 0;
  edits.push({
    start: includeEnd,
    end: includeEnd,
    text: `#include "${input.sharedHeaderName}" /* bpf-offload: state shared with the kernel half */\n#include "${input.loaderHeaderName}"\n`,
  });

  for (const item of input.copied) {
    if (item.kind === 'define') continue;
    const what = item.kind === 'record' || item.kind === 'enum' ? `${item.node.text.trimStart().split(/\s+/)[0]} ${item.name}` : item.name;
    // A bare `struct x {...};` parses as the specifier followed by a lone semicolon.
    const end = item.node.type.endsWith('_specifier') && input.text[item.node.endIndex] === ';' ? item.node.endIndex + 1 : item.node.endIndex;
    edits.push({ start: item.node.startIndex, end, text: `/* ${what}: defined in ${input.sharedHeaderName}, shared with the kernel half */` });
  }

  let lastDeclarationEnd = includeEnd;
  for (const field of input.fields) {
    const found = topLevelDeclarator(root, field.name);
    if (!found) {
      throw new UserHalfError(
        `the shared state ${field.name} is not a global defined in ${input.sourceName} (function-local statics and externs cannot move into the shared map yet)`,
      );
    }
    const clash = otherUseOfName(root, field.name, found.declaration.endIndex);
    if (clash) {
      throw new UserHalfError(
        `${input.sourceName}:${clash.startPosition.row + 1}: \`${field.name}\` is also ${clash.type === 'field_identifier' ? 'a struct member' : 'a local name'}; the userspace half reaches the shared global through a macro of that name, so rename one of them first`,
      );
    }
    edits.push({ start: found.name.startIndex, end: found.name.endIndex, text: `${INIT_PREFIX}${field.name}` });
    edits.push({ start: found.declaration.endIndex, end: found.declaration.endIndex, text: `\n#define ${field.name} (${STATE_POINTER_NAME}->${field.name})` });
    lastDeclarationEnd = Math.max(lastDeclarationEnd, found.declaration.endIndex);
  }
  const setup = stateSetup(input.fields);
  // An include ends after its newline, a declaration at its semicolon.
  edits.push({ start: lastDeclarationEnd, end: lastDeclarationEnd, text: lastDeclarationEnd === includeEnd ? `${setup}\n` : `\n${setup}` });

  edits.push(loaderStartEdit(input, notes));
  return { source: applyEdits(input.text, edits), notes };
}

function lastTopLevelInclude(root: SyntaxNode): SyntaxNode | undefined {
  let last: SyntaxNode | undefined;
  for (const node of namedChildrenOf(root)) {
    if (node.type === 'preproc_include') last = node;
    // Includes after the first function belong to the code, not the prologue.
    if (node.type === 'function_definition') break;
  }
  return last;
}

function topLevelDeclarator(root: SyntaxNode, name: string): { declaration: SyntaxNode; name: SyntaxNode } | undefined {
  for (const node of namedChildrenOf(root)) {
    if (node.type !== 'declaration') continue;
    for (const declarator of node.childrenForFieldName('declarator')) {
      const identifier = declarator ? declaredName(declarator) : undefined;
      if (identifier?.text === name && !isFunctionDeclarator(declarator)) return { declaration: node, name: identifier };
    }
  }
  return undefined;
}

/** A member or a local/parameter declared with the global's name after its definition, which the macro would break. */
function otherUseOfName(root: SyntaxNode, name: string, after: number): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  walk(root, (node) => {
    if (found || node.endIndex <= after) return false;
    if (node.type === 'field_identifier' && node.text === name) found = node;
    else if ((node.type === 'declaration' || node.type === 'parameter_declaration') && node.parent?.type !== 'translation_unit') {
      for (const declarator of node.childrenForFieldName('declarator')) {
        const identifier = declarator ? declaredName(declarator) : undefined;
        if (identifier?.text === name) found = identifier;
      }
    }
    return !found;
  });
  return found;
}

function isFunctionDeclarator(declarator: SyntaxNode | null): boolean {
  for (let node = declarator; node; node = node.childForFieldName('declarator')) {
    if (node.type === 'function_declarator') return true;
    if (node.type === 'init_declarator' || node.type === 'identifier') return false;
  }
  return false;
}

/** The private instance, the pointer, and the copy of the initial values before main runs. */
function stateSetup(fields: StateField[]): string {
  const lines = [
    `/* bpf-offload: the globals above live in struct ${STATE_STRUCT_NAME} so that the kernel half shares`,
    ` * them; ${STATE_POINTER_NAME} points at this copy until the loader maps the kernel's. */`,
    `static struct ${STATE_STRUCT_NAME} bpfo_state_private;`,
    `struct ${STATE_STRUCT_NAME} *${STATE_POINTER_NAME} = &bpfo_state_private;`,
  ];
  if (fields.length) {
    for (const field of fields) lines.push(`#pragma push_macro("${field.name}")`, `#undef ${field.name}`);
    lines.push('__attribute__((constructor)) static void bpfo_state_setup(void)', '{');
    for (const field of fields) {
      lines.push(`    memcpy((void *)&bpfo_state_private.${field.name}, (const void *)&${INIT_PREFIX}${field.name}, sizeof bpfo_state_private.${field.name});`);
    }
    lines.push('}');
    for (const field of [...fields].reverse()) lines.push(`#pragma pop_macro("${field.name}")`);
  }
  return lines.join('\n');
}

/** `if (bpfo_loader_start() != 0) exit(1);` before the outermost loop around the receive. */
function loaderStartEdit(input: UserHalfInput, notes: string[]): Edit {
  const call = `if (${LOADER_START}() != 0) /* bpf-offload: attach the kernel half when BPF_OFFLOAD_IFACE is set */`;
  const definition = findFunctionDefinition(input.tree, input.entry.name);
  const loop = definition && input.entry.receive ? outermostLoopAround(definition, input.entry.receive.range.start) : undefined;
  if (loop && loop.parent?.type === 'compound_statement') {
    const indent = indentationOf(input.text, loop.startIndex);
    return { start: loop.startIndex, end: loop.startIndex, text: `${call}\n${indent}    exit(1);\n${indent}` };
  }
  const main = findFunctionDefinition(input.tree, 'main');
  const body = main?.childForFieldName('body');
  if (!body) throw new UserHalfError(`${input.sourceName} has no main() and no receive loop in ${input.entry.name}() to start the loader before`);
  notes.push(
    `The loader starts at the top of main(): no receive loop was found in ${input.entry.name}(), so the port comes from BPF_OFFLOAD_PORT or the analysed default, not from the bound socket.`,
  );
  const brace = body.startIndex + 1;
  return { start: brace, end: brace, text: `\n    ${call}\n        exit(1);` };
}

function outermostLoopAround(definition: SyntaxNode, position: { line: number; character: number }): SyntaxNode | undefined {
  const body = definition.childForFieldName('body');
  let node = body?.descendantForPosition({ row: position.line, column: position.character }) ?? null;
  let loop: SyntaxNode | undefined;
  for (; node && node.id !== definition.id; node = node.parent) {
    if (LOOP_TYPES.has(node.type)) loop = node;
  }
  return loop;
}

function indentationOf(text: string, index: number): string {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, index))![0];
}

function applyEdits(text: string, edits: Edit[]): string {
  // Stable for equal positions: edits at one place keep the order they were made in.
  const ordered = edits.map((e, i) => ({ ...e, i })).sort((a, b) => b.start - a.start || b.i - a.i);
  let out = text;
  for (const edit of ordered) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
