// FunctionInfo for one function_definition: signature, parameters, locals and call sites.
// The declarations and calls inside the body are gathered by the caller's single tree walk
// and read in functionBody.ts.
import type { SyntaxNode } from '../syntax';
import type { FunctionInfo, VariableInfo } from '../model';
import { childrenOf, declaredName, namedChildrenOf, ownFunctionDeclarator, rangeOf } from '../treeHelpers';
import { declaredTypeText, specifiersOf, variableFrom, type SummaryContext } from './declarations';
import { localsAndCalls, type FunctionNodes } from './functionBody';

export type { FunctionNodes } from './functionBody';

export function isVariadicList(parameters: SyntaxNode | null | undefined): boolean {
  return !!parameters && childrenOf(parameters).some((c) => c.type === 'variadic_parameter' || c.text === '...');
}

/** Old-style (K&R) parameter declarations sit between the declarator and the body. */
function knrParameterTypes(definition: SyntaxNode, context: SummaryContext): Map<string, VariableInfo> {
  const types = new Map<string, VariableInfo>();
  for (const child of namedChildrenOf(definition)) {
    if (child.type !== 'declaration') continue;
    const specifiers = specifiersOf(child, context.file);
    for (const declarator of child.childrenForFieldName('declarator')) {
      if (!declarator) continue;
      const info = variableFrom(declarator, specifiers, context, new Set(), child);
      types.set(info.name, info);
    }
  }
  return types;
}

function parametersOf(definition: SyntaxNode, parameterList: SyntaxNode | null, context: SummaryContext): VariableInfo[] {
  if (!parameterList) return [];
  const params: VariableInfo[] = [];
  const seen = new Set<string>();
  let knr: Map<string, VariableInfo> | undefined;
  for (const child of namedChildrenOf(parameterList)) {
    if (child.type === 'parameter_declaration') {
      const specifiers = specifiersOf(child, context.file);
      const declarator = child.childForFieldName('declarator');
      if (!declarator) {
        // `(void)` declares no parameter; any other unnamed parameter is kept, nameless.
        if (specifiers.baseType !== 'void') params.push({ name: '', typeText: specifiers.baseType, range: rangeOf(child) });
        continue;
      }
      const info = variableFrom(declarator, specifiers, context, seen, child);
      seen.add(info.name);
      params.push(info);
    } else if (child.type === 'identifier') {
      knr ??= knrParameterTypes(definition, context);
      params.push(knr.get(child.text) ?? { name: child.text, typeText: 'int', range: rangeOf(child) });
    }
  }
  return params;
}

/** Undefined when the definition is too malformed to have a name. */
/** `keepParts`: the statements walked into keep what they gave, for the next summary (functionBody.ts). */
export function summarizeFunction(nodes: FunctionNodes, context: SummaryContext, keepParts = false): FunctionInfo | undefined {
  const definition = nodes.definition;
  const declarator = definition.childForFieldName('declarator');
  if (!declarator) return undefined;
  const functionDeclarator = ownFunctionDeclarator(declarator);
  const name = declaredName(declarator);
  if (!functionDeclarator || name?.type !== 'identifier') return undefined;
  const specifiers = specifiersOf(definition, context.file);
  const parameterList = functionDeclarator.childForFieldName('parameters');
  const params = parametersOf(definition, parameterList, context);
  const { locals, calls } = localsAndCalls(nodes, context, params, keepParts);
  const body = definition.childForFieldName('body');
  return {
    name: name.text,
    file: context.file,
    range: rangeOf(definition),
    nameRange: rangeOf(name),
    bodyRange: rangeOf(body ?? definition),
    returnType: declaredTypeText(specifiers.baseType, declarator, functionDeclarator),
    params,
    locals,
    calls,
    isStatic: specifiers.storage.has('static'),
    isVariadic: isVariadicList(parameterList),
    isInline: specifiers.isInline,
  };
}
