// Runs every rule family over the functions of one file that are reachable from a request
// entry (or over all of them when the program has no entry yet).
import type { AnalysisDiagnostic, FunctionInfo } from '../model';
import type { CallGraph } from '../callGraph';
import { isBuiltinTypeName } from '../summarize/builtinTypes';
import type { SyntaxNode } from '../syntax';
import { checkCalls, type CallFacts } from './calls';
import { constantSource, DiagnosticSink, makeFunctionScope, type RuleContext } from './context';
import { checkFloatsAndSimd } from './floats';
import { detached, frozenCopy, madeFrom, noteMadeFrom, resultContext, type ContextInputs, type FunctionResult, type RulesMemo } from './functionResults';
import { checkLoops } from './loops';
import { functionNodesByStart, lineStart } from './nodes';
import { functionKey, reachFrom, reachRoots, type ChainStep } from './reach';
import { keptWalks, reusedEstimates, reusedStack, reuseReach, walkRecords, type ReusedWalks, type WalkInputs } from './programWalks';
import { recordingFacts, sharedAnswers, stillAnswered, type ProgramReads } from './recordedReads';
import { checkProgramSize, sizePlanOf, type SizePlan } from './size';
import { deepestPaths, reportStack } from './stack';
import { checkDeclarations, checkGlobalState } from './state';
import { summaryFacts } from './summaryFacts';

export type { RuleContext, DiagnosticData } from './context';
export { RulesMemo } from './functionResults';
export { quickFixesFor, messageWithCallChain, fixDataOf } from './quickFixes';
export type { QuickFix, QuickFixData, TextEdit, CapLoopFix, ReplaceCallFix, MarkSkipFix } from './quickFixes';

/**
 * `memo`, kept across analyses (AnalysisMemo), lets a function whose results cannot have changed
 * reuse them (functionResults.ts); the diagnostics equal those of an analysis without it.
 */
export function runRules(ctx: RuleContext, memo?: RulesMemo): AnalysisDiagnostic[] {
  const { program, file } = ctx;
  const resolver = program.callGraph;
  const summaries = [...program.summaries.values()];
  const kept = summaryFacts(summaries, file, ctx.tree.rootNode, memo?.summaryFacts(file));
  const { typeNames, functionMacros, prototypes, floatFacts, macros } = kept.facts;
  try {
    const constants = constantSource(program, kept.facts.typedefs);
    const walkInputs: WalkInputs = { graph: resolver, types: program.types, roots: reachRoots(file, program.summaries, ctx.options), constants };
    const reused = reuseReach(memo?.walks(file), walkInputs);
    const reach = reused?.reach ?? reachFrom(walkInputs.roots, resolver, ctx.check);
    ctx.check();
    const callFacts: CallFacts = {
      resolver,
      macros: functionMacros,
      prototypes,
      recursive: recursiveByKey(resolver),
      isTypeName: (name) => typeNames.has(name) || isBuiltinTypeName(name),
    };
    const facts: ProgramReads = {
      file,
      reach,
      callFacts,
      floatFacts,
      mutableGlobals: kept.facts.mutableGlobals,
      visibleGlobals: kept.facts.visibleGlobals,
      constants,
      macros,
    };
    return runChecks(ctx, facts, memo, { inputs: walkInputs, reused });
  } finally {
    // The memo keeps the facts (and the expander's parsed expansions) for the next analysis.
    if (memo) memo.keepSummaryFacts(file, kept);
    else macros.dispose();
  }
}

/** Each function on a call cycle, by functionKey, to its cycle's members (in function order). */
function recursiveByKey(callGraph: CallGraph): Map<string, FunctionInfo[]> {
  const byKey = new Map<string, FunctionInfo[]>();
  for (const cycle of callGraph.recursiveCycles()) for (const fn of cycle) byKey.set(functionKey(fn), cycle);
  return byKey;
}

/** Runs every per-function check on `fn` with views that record what they read. */
function checkFunction(ctx: RuleContext, facts: ProgramReads, fn: FunctionInfo, node: SyntaxNode, chain: ChainStep[], text: string, context: string): FunctionResult {
  const sink = new DiagnosticSink();
  const recording = recordingFacts(facts);
  const scope = makeFunctionScope(ctx, facts.reach, fn, node, chain, sink, recording);
  checkCalls(scope, recording.callFacts);
  checkLoops(scope);
  checkFloatsAndSimd(scope, recording.floatLookups);
  checkDeclarations(scope);
  checkGlobalState(scope, recording.mutableGlobals);
  const plan = sizePlanOf(node, scope.evalScope, ctx.check);
  for (const call of plan.calls) call.callee = detached(call.callee);
  return { text: detached(text), context: detached(context), reads: recording.reads, diagnostics: frozenCopy(sink.diagnostics), plan };
}

function runChecks(ctx: RuleContext, facts: ProgramReads, memo: RulesMemo | undefined, walks: { inputs: WalkInputs; reused: ReusedWalks | undefined }): AnalysisDiagnostic[] {
  const { program, file } = ctx;
  const { reach } = facts;
  const resolver = program.callGraph;
  const nodesByStart = functionNodesByStart(ctx.tree.rootNode);
  const sink = new DiagnosticSink();
  const plans = new Map<string, SizePlan>();
  const used = new Map<string, FunctionResult>();
  let reused = 0;
  const options = { targetKernel: ctx.options.targetKernel, fromEntries: reach.fromEntries };
  // Many functions read the same facts (a common callee, a type name): each is answered once.
  const answers = sharedAnswers(facts);

  for (const fn of ctx.summary.functions) {
    const key = functionKey(fn);
    const reached = reach.reached.get(key);
    const node = nodesByStart.get(`${fn.range.start.line}:${fn.range.start.character}`);
    if (!reached || !node) continue;
    ctx.check();
    const { row, column } = node.startPosition;
    // A definition at column 0 has no indent (a node never starts with whitespace).
    const indent = column === 0 ? '' : lineStart(ctx.text, node).indent;
    const inputs: ContextInputs = { fn, reached, row, column, indent, ...options };
    const previous = memo?.previous(file, key);
    // The previous result's text and context, when they were made from the same inputs (madeFrom).
    const known = previous !== undefined && madeFrom(node, previous, inputs);
    const text = known ? previous.text : node.text;
    const context = known ? previous.context : resultContext(fn, node, indent, reached.chain, options);
    const reusable = previous !== undefined && (known || (previous.text === text && previous.context === context)) && stillAnswered(previous.reads, answers);
    if (reusable) reused++;
    const result = reusable ? previous : checkFunction(ctx, facts, fn, node, reached.chain, text, context);
    noteMadeFrom(node, result, inputs);
    used.set(key, result);
    plans.set(key, result.plan);
    for (const d of result.diagnostics) sink.add(d);
  }
  // Reused walks (programWalks.ts) take the previous analysis's results by graph position.
  const previousWalks = walks.reused ? memo?.walks(file) : undefined;
  const stackCarried = previousWalks !== undefined && walks.reused!.stack;
  // Walked again or not, below the functions that did not change the walks reuse what they found.
  const records = walkRecords(resolver, file, previousWalks, plans);
  const stack = stackCarried ? reusedStack(previousWalks, resolver, reach.roots) : deepestPaths(reach, resolver, facts.constants, ctx.check, records.stack);
  reportStack(file, stack, facts.constants, sink);
  const estimates = checkProgramSize(
    {
      file, reach, resolver, plans,
      targetKernel: ctx.options.targetKernel,
      check: ctx.check,
      isCalled: (fn) => resolver.callers(fn).length > 0,
    },
    sink,
    previousWalks && walks.reused!.size ? reusedEstimates(previousWalks, plans) : undefined,
    records.size,
  );
  memo?.keepWalks(file, keptWalks(walks.inputs, reach, stack, plans, estimates, records, previousWalks, stackCarried));
  memo?.keep(file, used, reused);
  return sink.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
