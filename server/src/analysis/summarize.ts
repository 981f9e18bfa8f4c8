// One pass over a parsed file → FileSummary (plain data, no syntax nodes kept). Extraction is
// best effort: a construct too broken to read is skipped, never allowed to throw, because the
// summary is rebuilt on every edit of a half-typed file.
import type { SyntaxNode, Tree } from './syntax';
import type { Annotation, DefineInfo, FileSummary, FunctionInfo, GlobalInfo } from './model';
import { namedChildrenOf, ownFunctionDeclarator, rangeOf, textOf, walkNodes } from './treeHelpers';
import { evaluateConstant, type ConstantScope } from './summarize/constantExpression';
import { specifiersOf, variableFrom, withoutInitializer, type SummaryContext } from './summarize/declarations';
import { isVariadicList, summarizeFunction, type FunctionNodes } from './summarize/functions';
import { enumFrom, recordFrom, typedefsFrom } from './summarize/types';
import { TypeTable } from './typeTable';

interface CollectedNodes {
  comments: SyntaxNode[];
  includes: SyntaxNode[];
  defines: SyntaxNode[];
  records: SyntaxNode[];
  enums: SyntaxNode[];
  typeDefinitions: SyntaxNode[];
  functions: FunctionNodes[];
  fileScopeDeclarations: SyntaxNode[];
}

/** Nodes whose insides hold nothing the summary reads. */
const OPAQUE = new Set(['string_literal', 'concatenated_string', 'char_literal', 'number_literal', 'system_lib_string']);

function collect(root: SyntaxNode): CollectedNodes {
  const nodes: CollectedNodes = {
    comments: [], includes: [], defines: [], records: [], enums: [], typeDefinitions: [], functions: [], fileScopeDeclarations: [],
  };
  let current: FunctionNodes | undefined;
  let currentEnd = -1;
  walkNodes(root, (node) => {
    if (!node.isNamed) return false;
    if (current && node.startIndex >= currentEnd) current = undefined;
    const type = node.type;
    switch (type) {
      case 'comment':
        nodes.comments.push(node);
        return false;
      case 'preproc_include':
        nodes.includes.push(node);
        return false;
      case 'preproc_def':
      case 'preproc_function_def':
        nodes.defines.push(node);
        return false;
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier': {
        if (node.childForFieldName('body')) (type === 'enum_specifier' ? nodes.enums : nodes.records).push(node);
        return true;
      }
      case 'type_definition':
        nodes.typeDefinitions.push(node);
        return true;
      case 'function_definition':
        // GNU nested functions (or mis-parses that look like them) stay part of the outer one.
        if (!current) {
          current = { definition: node, declarations: [], calls: [] };
          currentEnd = node.endIndex;
          nodes.functions.push(current);
        }
        return true;
      case 'declaration':
        if (current) current.declarations.push(node);
        else nodes.fileScopeDeclarations.push(node);
        return true;
      case 'call_expression':
        current?.calls.push(node);
        return true;
      default:
        return !OPAQUE.has(type);
    }
  });
  return nodes;
}

/** Runs one item's extraction; a malformed item is dropped rather than failing the file. */
function attempt<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch {
    return undefined;
  }
}

function defineFrom(node: SyntaxNode, file: string): DefineInfo | undefined {
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
function fileScope(defines: DefineInfo[], enumValues: Map<string, number>): ConstantScope {
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

const ANNOTATION = /^(?:\/\/\s*bpf-offload:\s*(entry|skip)\s*|\/\*\s*bpf-offload:\s*(entry|skip)\s*\*\/)$/;

function annotationsOf(comments: SyntaxNode[], functions: { start: number; name: string }[]): Annotation[] {
  const annotations: Annotation[] = [];
  for (const comment of comments) {
    const match = ANNOTATION.exec(comment.text.trim());
    if (!match) continue;
    const kind = (match[1] ?? match[2]) as Annotation['kind'];
    const next = functions.find((f) => f.start >= comment.endIndex);
    annotations.push({ kind, range: rangeOf(comment), ...(next ? { functionName: next.name } : {}) });
  }
  return annotations;
}

export function summarizeFile(file: string, tree: Tree, text: string): FileSummary {
  const root = tree.rootNode;
  const summary: FileSummary = {
    file, functions: [], prototypes: [], globals: [], records: [], typedefs: [], enums: [], defines: [],
    annotations: [], includes: [], hasSyntaxErrors: root.hasError,
  };
  if (text.length === 0) return summary;
  const nodes = collect(root);

  for (const node of nodes.includes) {
    const path = node.childForFieldName('path');
    if (path) summary.includes.push(textOf(path));
  }
  for (const node of nodes.defines) {
    const define = attempt(() => defineFrom(node, file));
    if (define) summary.defines.push(define);
  }
  const enumValues = new Map<string, number>();
  const context: SummaryContext = {
    file,
    scope: fileScope(summary.defines, enumValues),
    isConstantName: (name) => enumValues.has(name) || summary.defines.some((d) => d.name === name && !d.params),
    globalVariables: new Set(),
  };
  for (const node of nodes.enums) {
    const info = attempt(() => enumFrom(node, context, (name, value) => enumValues.set(name, value)));
    if (info) summary.enums.push(info);
  }
  for (const node of nodes.records) {
    const record = attempt(() => recordFrom(node, context));
    if (record) summary.records.push(record);
  }
  for (const node of nodes.typeDefinitions) summary.typedefs.push(...(attempt(() => typedefsFrom(node, context)) ?? []));
  for (const declaration of nodes.fileScopeDeclarations) attempt(() => addFileScopeDeclaration(declaration, context, summary));

  const definitions: { start: number; name: string }[] = [];
  for (const fn of nodes.functions) {
    const info: FunctionInfo | undefined = attempt(() => summarizeFunction(fn, context));
    if (!info) continue;
    summary.functions.push(info);
    definitions.push({ start: fn.definition.startIndex, name: info.name });
  }
  summary.annotations = annotationsOf(nodes.comments, definitions);
  return summary;
}

function addFileScopeDeclaration(declaration: SyntaxNode, context: SummaryContext, summary: FileSummary): void {
  const specifiers = specifiersOf(declaration, context.file);
  for (const declarator of declaration.childrenForFieldName('declarator')) {
    if (!declarator) continue;
    const functionDeclarator = ownFunctionDeclarator(withoutInitializer(declarator));
    const info = variableFrom(declarator, specifiers, context, new Set());
    if (!info.name) continue;
    if (functionDeclarator) {
      summary.prototypes.push({
        name: info.name,
        range: rangeOf(declaration),
        isVariadic: isVariadicList(functionDeclarator.childForFieldName('parameters')),
      });
      continue;
    }
    const global: GlobalInfo = {
      ...info,
      file: context.file,
      isStatic: specifiers.storage.has('static'),
      isConst: info.isConst === true,
      isExtern: specifiers.storage.has('extern'),
    };
    context.globalVariables.add(global.name);
    summary.globals.push(global);
  }
}
