// The per-function view each rule family works on, and the one place diagnostics are built, so
// every diagnostic gets its call chain, its severity from the definitions and its fix data.
import type { Tree, SyntaxNode } from '../syntax';
import type { AnalysisDiagnostic, FileSummary, FunctionInfo, Range } from '../model';
import { Severity } from '../model';
import type { AnalyzeOptions, ProgramFacts } from '../analyze';
import { ruleByCode } from './definitions';
import type { ConstantSource, EvalScope } from './constEval';
import { relatedForChain, type ChainStep, type Reach } from './reach';
import type { QuickFixData } from './quickFixes';

export interface RuleContext {
  file: string;
  tree: Tree;
  text: string;
  summary: FileSummary;
  program: ProgramFacts;
  options: AnalyzeOptions;
  check: () => void;
}

/** The `data` of every diagnostic this module produces. */
export interface DiagnosticData {
  /** Mechanical fixes, best first; empty when none applies. */
  fixes: QuickFixData[];
}

export class DiagnosticSink {
  readonly diagnostics: AnalysisDiagnostic[] = [];
  private readonly seen = new Set<string>();

  add(diagnostic: AnalysisDiagnostic): void {
    const r = diagnostic.range;
    const key = `${diagnostic.code}@${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push(diagnostic);
  }
}

export function defaultSeverity(code: string): Severity {
  const rule = ruleByCode(code);
  if (!rule) throw new Error(`unknown rule code ${code}`);
  return rule.severity;
}

export interface FunctionScope {
  rule: RuleContext;
  fn: FunctionInfo;
  node: SyntaxNode;
  body: SyntaxNode | null;
  chain: ChainStep[];
  isRoot: boolean;
  reach: Reach;
  evalScope: EvalScope;
  report(code: string, range: Range, message: string, options?: { severity?: Severity; fixes?: QuickFixData[] }): void;
}

/**
 * Constants over the program's type table; `typedefs`, typedef name → aliased type text (the first
 * definition wins, as in TypeTable), comes with the summary facts (summaryFacts.ts), which are
 * kept across analyses while the typedefs are the same.
 */
export function constantSource(program: ProgramFacts, typedefs: ReadonlyMap<string, string>): ConstantSource {
  const types = program.types;
  return {
    constantValue: (name) => types.constantValue(name),
    sizeOf: (typeText) => types.sizeOf(typeText),
    evaluate: (expression) => types.evaluate(expression),
    typedefOf: (name) => typedefs.get(name),
  };
}

/** The program facts a function's evaluation scope reads (recordedReads.ts can record them). */
export interface ScopeFacts {
  constants: ConstantSource;
  /** Type text of a global visible from the file. */
  globalType(name: string): string | undefined;
  macros?: EvalScope['macros'];
}

export function makeFunctionScope(
  rule: RuleContext,
  reach: Reach,
  fn: FunctionInfo,
  node: SyntaxNode,
  chain: ChainStep[],
  sink: DiagnosticSink,
  facts: ScopeFacts,
): FunctionScope {
  const { constants, globalType, macros } = facts;
  const locals = new Map<string, string>();
  for (const v of [...fn.params, ...fn.locals]) locals.set(v.name, v.typeText);
  const related = relatedForChain(chain);
  const isRoot = chain.length === 0;
  // One object for all the function's findings (frozenCopy then copies it once, not per finding).
  let skip: QuickFixData[] | undefined;
  const skipFix = (): QuickFixData[] => {
    if (isRoot && reach.fromEntries) return [];
    // The start of the function's first line, known from its range.
    return (skip ??= [{ fix: 'mark-skip', functionName: fn.name, insertAt: { line: fn.range.start.line, character: 0 } }]);
  };
  return {
    rule, fn, node, chain, isRoot, reach,
    body: node.childForFieldName('body'),
    evalScope: { constants, typeOfVariable: (name) => locals.get(name) ?? globalType(name), macros },
    report(code, range, message, options = {}) {
      const severity = options.severity ?? defaultSeverity(code);
      const fixes = [...(options.fixes ?? [])];
      if (severity <= Severity.Warning) fixes.push(...skipFix());
      const diagnostic: AnalysisDiagnostic = { file: rule.file, range, severity, code, message, data: { fixes } satisfies DiagnosticData };
      if (related.length) diagnostic.related = related;
      sink.add(diagnostic);
    },
  };
}
