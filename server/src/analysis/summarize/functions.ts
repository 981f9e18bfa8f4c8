// FunctionInfo for one function_definition: signature, parameters, locals and call sites.
// The declarations and calls inside the body are gathered by the caller's single tree walk.
import type { SyntaxNode } from '../syntax';
import type { CallSite, FunctionInfo, VariableInfo } from '../model';
import { childrenOf, declaredName, namedChildrenOf, ownFunctionDeclarator, rangeOf, textOf } from '../treeHelpers';
import { declaredTypeText, specifiersOf, variableFrom, withoutInitializer, type SummaryContext } from './declarations';

/** Nodes inside one function definition, collected in source order by the file walk. */
export interface FunctionNodes {
  definition: SyntaxNode;
  /** `declaration` nodes in the body (including for-initialisers) and K&R parameter declarations. */
  declarations: SyntaxNode[];
  calls: SyntaxNode[];
}

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

function localsOf(nodes: FunctionNodes, context: SummaryContext, params: VariableInfo[]): VariableInfo[] {
  const variables = new Set(params.map((p) => p.name));
  const locals: VariableInfo[] = [];
  for (const declaration of nodes.declarations) {
    if (declaration.parent?.type === 'function_definition') continue; // K&R parameter types
    const specifiers = specifiersOf(declaration, context.file);
    // `extern` inside a body declares storage elsewhere; it takes no stack.
    if (specifiers.storage.has('extern')) continue;
    for (const declarator of declaration.childrenForFieldName('declarator')) {
      if (!declarator || ownFunctionDeclarator(withoutInitializer(declarator))) continue;
      const info = variableFrom(declarator, specifiers, context, variables);
      if (!info.name) continue;
      variables.add(info.name);
      locals.push(info);
    }
  }
  return locals;
}

function stripParentheses(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.type === 'parenthesized_expression') {
    const inner = namedChildrenOf(current).find((c) => c.type !== 'comment');
    if (!inner) break;
    current = inner;
  }
  return current;
}

function callSitesOf(nodes: FunctionNodes, context: SummaryContext, variables: Set<string>): CallSite[] {
  const calls: CallSite[] = [];
  for (const call of nodes.calls) {
    const fn = call.childForFieldName('function');
    if (!fn) continue;
    const args = call.childForFieldName('arguments');
    const argumentCount = args ? namedChildrenOf(args).filter((a) => a.type !== 'comment').length : 0;
    const target = stripParentheses(fn);
    // A name that is a parameter, local or global variable holds a function pointer.
    const isDirect =
      target.type === 'identifier' && !variables.has(target.text) && !context.globalVariables.has(target.text);
    calls.push({
      ...(isDirect ? { callee: target.text } : {}),
      calleeText: textOf(fn),
      argumentCount,
      range: rangeOf(call),
      calleeRange: rangeOf(isDirect ? target : call),
    });
  }
  return calls;
}

/** Undefined when the definition is too malformed to have a name. */
export function summarizeFunction(nodes: FunctionNodes, context: SummaryContext): FunctionInfo | undefined {
  const definition = nodes.definition;
  const declarator = definition.childForFieldName('declarator');
  if (!declarator) return undefined;
  const functionDeclarator = ownFunctionDeclarator(declarator);
  const name = declaredName(declarator);
  if (!functionDeclarator || name?.type !== 'identifier') return undefined;
  const specifiers = specifiersOf(definition, context.file);
  const parameterList = functionDeclarator.childForFieldName('parameters');
  const params = parametersOf(definition, parameterList, context);
  const locals = localsOf(nodes, context, params);
  const variables = new Set([...params, ...locals].map((v) => v.name));
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
    calls: callSitesOf(nodes, context, variables),
    isStatic: specifiers.storage.has('static'),
    isVariadic: isVariadicList(parameterList),
    isInline: specifiers.isInline,
  };
}
