// Runs every rule family over the functions of one file that are reachable from a request
// entry (or over all of them when the program has no entry yet).
import type { AnalysisDiagnostic, FunctionInfo, GlobalInfo } from '../model';
import type { CallGraph } from '../callGraph';
import { MacroExpander } from './macros';
import { isBuiltinTypeName } from '../summarize/builtinTypes';
import type { SyntaxNode } from '../syntax';
import { checkCalls, type CallFacts } from './calls';
import { constantSource, DiagnosticSink, makeFunctionScope, type RuleContext } from './context';
import { checkFloatsAndSimd, collectFloatFacts, type FloatFacts } from './floats';
import { checkLoops } from './loops';
import { functionNodesByStart } from './nodes';
import { computeReach, functionKey, type Reach } from './reach';
import { checkProgramSize } from './size';
import { checkStack } from './stack';
import { checkDeclarations, checkGlobalState, mutableGlobals } from './state';

export type { RuleContext, DiagnosticData } from './context';
export { quickFixesFor, messageWithCallChain, fixDataOf } from './quickFixes';
export type { QuickFix, QuickFixData, TextEdit, CapLoopFix, ReplaceCallFix, MarkSkipFix } from './quickFixes';

export function runRules(ctx: RuleContext): AnalysisDiagnostic[] {
  const { program, file } = ctx;
  const resolver = program.callGraph;
  const reach = computeReach(file, program.summaries, resolver, ctx.options, ctx.check);
  ctx.check();
  const summaries = [...program.summaries.values()];
  const typeNames = new Set(summaries.flatMap((s) => s.typedefs.map((t) => t.name)));
  const callFacts: CallFacts = {
    resolver,
    macros: new Set(summaries.flatMap((s) => s.defines.filter((d) => d.params !== undefined).map((d) => d.name))),
    prototypes: new Set(summaries.flatMap((s) => s.prototypes.map((p) => p.name))),
    recursive: recursiveByKey(resolver),
    isTypeName: (name) => typeNames.has(name) || isBuiltinTypeName(name),
  };
  const floatFacts = collectFloatFacts(summaries, ctx.tree.rootNode);
  const globals = mutableGlobals(summaries, file);
  const macros = new MacroExpander(summaries, file);
  try {
    return runChecks(ctx, reach, callFacts, floatFacts, globals, macros);
  } finally {
    macros.dispose();
  }
}

/** Each function on a call cycle, by functionKey, to its cycle's members (in function order). */
function recursiveByKey(callGraph: CallGraph): Map<string, FunctionInfo[]> {
  const byKey = new Map<string, FunctionInfo[]>();
  for (const cycle of callGraph.recursiveCycles()) for (const fn of cycle) byKey.set(functionKey(fn), cycle);
  return byKey;
}

function runChecks(
  ctx: RuleContext,
  reach: Reach,
  callFacts: CallFacts,
  floatFacts: FloatFacts,
  globals: Map<string, GlobalInfo>,
  macros: MacroExpander,
): AnalysisDiagnostic[] {
  const { program, file } = ctx;
  const resolver = program.callGraph;
  const nodesByStart = functionNodesByStart(ctx.tree.rootNode);
  const sink = new DiagnosticSink();
  const nodes = new Map<string, SyntaxNode>();
  const scopes = new Map<string, ReturnType<typeof makeFunctionScope>>();

  for (const fn of ctx.summary.functions) {
    const reached = reach.reached.get(functionKey(fn));
    const node = nodesByStart.get(`${fn.range.start.line}:${fn.range.start.character}`);
    if (!reached || !node) continue;
    ctx.check();
    const scope = makeFunctionScope(ctx, reach, fn, node, reached.chain, sink, macros);
    nodes.set(functionKey(fn), node);
    scopes.set(functionKey(fn), scope);
    checkCalls(scope, callFacts);
    checkLoops(scope);
    checkFloatsAndSimd(scope, floatFacts);
    checkDeclarations(scope);
    checkGlobalState(scope, globals);
  }
  const constants = constantSource(program);
  checkStack(file, reach, resolver, constants, sink, ctx.check);
  checkProgramSize(
    {
      file, reach, resolver, nodes,
      scopeFor: (fn) => scopes.get(functionKey(fn))?.evalScope ?? { constants, typeOfVariable: () => undefined, macros },
      targetKernel: ctx.options.targetKernel,
      check: ctx.check,
      isCalled: (fn) => resolver.callers(fn).length > 0,
    },
    sink,
  );
  return sink.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
