// What the per-function checks read from the program, recorded while they run, so their results
// can be reused by a later analysis only when every one of those reads still gets the same
// answer. The checks see the program through the views made here (recordingFacts); each view
// answers from the real facts and notes (kind, argument) → a comparable answer.
import type { FunctionInfo, GlobalInfo } from '../model';
import type { SyntaxNode } from '../syntax';
import type { CallFacts } from './calls';
import type { ConstantSource } from './constEval';
import type { FloatFacts, FloatLookups } from './floats';
import { detached } from './functionResults';
import type { MacroExpander } from './macros';
import { functionKey, type Reach } from './reach';
import type { GlobalLookup } from './state';

/** The program facts of one analysis, as the checks of one file see them. */
export interface ProgramReads {
  file: string;
  reach: Reach;
  callFacts: CallFacts;
  floatFacts: FloatFacts;
  /** Mutable globals visible from the file (state.ts mutableGlobals). */
  mutableGlobals: Map<string, GlobalInfo>;
  /** Type text of every global visible from the file (context.ts visibleGlobals). */
  visibleGlobals: Map<string, string>;
  constants: ConstantSource;
  macros: MacroExpander;
}

/** An answer reduced to a value that `Object.is` can compare across analyses. */
type Answer = string | number | boolean | undefined;

/** How each kind of read is answered from the facts, reduced to what the checks use of it. */
const ANSWER = {
  // A callee matters by its identity, whether it is variadic and whether it is marked skip.
  resolve: (f: ProgramReads, name: string): Answer => {
    const target = f.callFacts.resolver.resolve(f.file, name);
    return target ? `${functionKey(target)}\u0000${target.isVariadic}\u0000${f.reach.isSkipped(target)}` : undefined;
  },
  cycle: (f: ProgramReads, key: string): Answer => f.callFacts.recursive.get(key)?.map(functionKey).join('\u0001'),
  macroName: (f: ProgramReads, name: string): Answer => f.callFacts.macros.has(name),
  prototype: (f: ProgramReads, name: string): Answer => f.callFacts.prototypes.has(name),
  typeName: (f: ProgramReads, name: string): Answer => f.callFacts.isTypeName(name),
  constantValue: (f: ProgramReads, name: string): Answer => f.constants.constantValue(name),
  sizeOf: (f: ProgramReads, typeText: string): Answer => f.constants.sizeOf(typeText),
  evaluate: (f: ProgramReads, expression: string): Answer => f.constants.evaluate?.(expression),
  typedefOf: (f: ProgramReads, name: string): Answer => f.constants.typedefOf?.(name),
  visibleGlobal: (f: ProgramReads, name: string): Answer => f.visibleGlobals.get(name),
  define: (f: ProgramReads, name: string): Answer => f.macros.definitionText(name),
  floatTypedef: (f: ProgramReads, name: string): Answer => f.floatFacts.floatTypedefs.has(name),
  vectorTypedef: (f: ProgramReads, name: string): Answer => f.floatFacts.vectorTypedefs.has(name),
  floatField: (f: ProgramReads, name: string): Answer => f.floatFacts.floatFields.has(name),
  floatGlobal: (f: ProgramReads, name: string): Answer => f.floatFacts.floatGlobals.has(name),
  mutableGlobal: (f: ProgramReads, name: string): Answer => {
    const g = f.mutableGlobals.get(name);
    return g ? (g.isStatic ? 'static' : 'global') : undefined;
  },
  anyMutableGlobal: (f: ProgramReads): Answer => f.mutableGlobals.size > 0,
};

export type ReadKind = keyof typeof ANSWER;

/** The reads of one function's checks: kind → argument → answer. */
export type Reads = Map<ReadKind, Map<string, Answer>>;

/**
 * The kinds of read whose answer costs more than a lookup (a resolution and a key, an evaluation):
 * many functions read the same ones (a common callee), answered once per analysis.
 */
const WORKED_OUT: ReadonlySet<ReadKind> = new Set<ReadKind>(['resolve', 'cycle', 'constantValue', 'sizeOf', 'evaluate', 'typedefOf', 'define']);

/** The answers of one analysis's facts (which do not change during the analysis), the costly ones worked out once. */
export interface SharedAnswers {
  facts: ProgramReads;
  /** Per costly kind, the answers given so far. */
  known: Map<ReadKind, Map<string, Answer>>;
}

export function sharedAnswers(facts: ProgramReads): SharedAnswers {
  return { facts, known: new Map([...WORKED_OUT].map((kind) => [kind, new Map<string, Answer>()])) };
}

/** True when every recorded read gets the same answer from the facts of `answers`. */
export function stillAnswered(reads: Reads, answers: SharedAnswers): boolean {
  const { facts } = answers;
  let same = true;
  // forEach, not for-of over the entries: every reused function's reads are asked again on each
  // edit, thousands of them, and for-of made a [argument, answer] pair of each (~150 KB an edit).
  reads.forEach((byArgument, kind) => {
    if (!same) return;
    const answer = ANSWER[kind];
    const known = answers.known.get(kind);
    byArgument.forEach((was, argument) => {
      if (!same) return;
      let now: Answer;
      if (!known) now = answer(facts, argument);
      else if (known.has(argument)) now = known.get(argument);
      else known.set(argument, (now = answer(facts, argument)));
      if (!Object.is(now, was)) same = false;
    });
  });
  return same;
}

/** Views over `facts` for one function's checks; `reads` fills as they are used. */
export interface RecordingFacts {
  reads: Reads;
  callFacts: CallFacts;
  floatLookups: FloatLookups;
  mutableGlobals: GlobalLookup;
  constants: ConstantSource;
  globalType(name: string): string | undefined;
  macros: {
    objectLike(name: string): SyntaxNode | undefined;
    functionLike(name: string, args: string[]): SyntaxNode | undefined;
  };
}

export function recordingFacts(facts: ProgramReads): RecordingFacts {
  const reads: Reads = new Map();
  const note = (kind: ReadKind, argument = ''): void => {
    let byArgument = reads.get(kind);
    if (!byArgument) reads.set(kind, (byArgument = new Map()));
    if (byArgument.has(argument)) return;
    const answer = ANSWER[kind](facts, argument);
    byArgument.set(detached(argument), typeof answer === 'string' ? detached(answer) : answer);
  };
  const noted = <T>(kind: ReadKind, argument: string, value: T): T => {
    note(kind, argument);
    return value;
  };
  const { callFacts, floatFacts, constants, macros } = facts;
  return {
    reads,
    callFacts: {
      resolver: {
        resolve: (file, name) => {
          // The checks resolve from the function's own file; any other file is not recorded, so refuse it.
          if (file !== facts.file) throw new Error(`recorded resolve from ${file}, not ${facts.file}`);
          return noted('resolve', name, callFacts.resolver.resolve(file, name));
        },
      },
      macros: { has: (name) => noted('macroName', name, callFacts.macros.has(name)) },
      prototypes: { has: (name) => noted('prototype', name, callFacts.prototypes.has(name)) },
      recursive: { get: (key): FunctionInfo[] | undefined => noted('cycle', key, callFacts.recursive.get(key)) },
      isTypeName: (name) => noted('typeName', name, callFacts.isTypeName(name)),
    },
    floatLookups: {
      floatTypedefs: { has: (name) => noted('floatTypedef', name, floatFacts.floatTypedefs.has(name)) },
      vectorTypedefs: { has: (name) => noted('vectorTypedef', name, floatFacts.vectorTypedefs.has(name)) },
      floatFields: { has: (name) => noted('floatField', name, floatFacts.floatFields.has(name)) },
      floatGlobals: { has: (name) => noted('floatGlobal', name, floatFacts.floatGlobals.has(name)) },
    },
    mutableGlobals: {
      get: (name) => noted('mutableGlobal', name, facts.mutableGlobals.get(name)),
      get size() {
        return noted('anyMutableGlobal', '', facts.mutableGlobals.size);
      },
    },
    constants: {
      constantValue: (name) => noted('constantValue', name, constants.constantValue(name)),
      sizeOf: (typeText) => noted('sizeOf', typeText, constants.sizeOf(typeText)),
      evaluate: (expression) => noted('evaluate', expression, constants.evaluate?.(expression)),
      typedefOf: (name) => noted('typedefOf', name, constants.typedefOf?.(name)),
    },
    globalType: (name) => noted('visibleGlobal', name, facts.visibleGlobals.get(name)),
    macros: {
      objectLike: (name) => noted('define', name, macros.objectLike(name)),
      functionLike: (name, args) => noted('define', name, macros.functionLike(name, args)),
    },
  };
}
