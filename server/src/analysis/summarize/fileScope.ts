// The file-level facts the summary of a function can ask about: #defines read from their nodes,
// and the file's constants (enum members, object-like macros) as a ConstantScope.
import type { SyntaxNode } from '../syntax';
import type { DefineInfo } from '../model';
import { namedChildrenOf, rangeOf } from '../treeHelpers';
import { TypeTable } from '../typeTable';
import { evaluateConstant, type ConstantScope } from './constantExpression';

export function defineFrom(node: SyntaxNode, file: string): DefineInfo | undefined {
  const name = node.childForFieldName('name');
  if (!name) return undefined;
  const value = node.childForFieldName('value');
  const parameters = node.childForFieldName('parameters');
  const define: DefineInfo = {
    name: name.text,
    value: value ? value.text.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim() : '',
    range: rangeOf(node),
    file,
  };
  if (node.type === 'preproc_function_def') {
    define.params = parameters ? namedChildrenOf(parameters).map((p) => p.text) : [];
  }
  return define;
}

/** File-local constants: enum members as computed, object-like macros evaluated on demand. */
export function fileScope(defines: DefineInfo[], enumValues: Map<string, number>): ConstantScope {
  const macros = new Map(defines.filter((d) => !d.params).map((d) => [d.name, d.value]));
  const builtins = TypeTable.build([]);
  const evaluating = new Set<string>();
  const scope: ConstantScope = {
    constant(name) {
      const enumValue = enumValues.get(name);
      if (enumValue !== undefined) return Number.isFinite(enumValue) ? enumValue : undefined;
      const text = macros.get(name);
      if (text === undefined || evaluating.has(name)) return undefined;
      evaluating.add(name);
      try {
        return evaluateConstant(text, scope);
      } finally {
        evaluating.delete(name);
      }
    },
    sizeOf: (typeText) => builtins.sizeOf(typeText),
  };
  return scope;
}
