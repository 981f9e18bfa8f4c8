// Name sets and lookups the checks use, built from every summary of the program: typedef,
// function-like macro and prototype names, float facts, mutable and visible globals, typedefs
// and the macro expander.
// Building them from all summaries costs milliseconds per analysis, so the previous analysis's
// are reused when no summary changed in a part they are built from.
import type { FileSummary, GlobalInfo } from '../model';
import type { SyntaxNode } from '../syntax';
import { collectFloatFacts, vectorTypedefsInTree, type FloatFacts } from './floats';
import { MacroExpander } from './macros';
import { mutableGlobals } from './state';

export interface SummaryFacts {
  typeNames: Set<string>;
  functionMacros: Set<string>;
  prototypes: Set<string>;
  floatFacts: FloatFacts;
  /** Mutable globals visible from the file (state.ts mutableGlobals). */
  mutableGlobals: Map<string, GlobalInfo>;
  /**
   * Global name → type text as seen from the file (other files' statics hidden; the last
   * definition wins). Once per analysis, not per function: that made big files quadratic.
   */
  visibleGlobals: Map<string, string>;
  /** Typedef name → aliased type text over the program; the first definition wins, as in TypeTable. */
  typedefs: Map<string, string>;
  macros: MacroExpander;
}

/** The facts of one file's latest analysis and what they were built from. */
export interface KeptSummaryFacts {
  summaries: FileSummary[];
  /** factsSignature of each summary, computed only where the summary object changed. */
  signatures: (string | undefined)[];
  treeVectorTypedefs: string;
  facts: SummaryFacts;
}

/** Everything of a summary that SummaryFacts are built from. */
function factsSignature(s: FileSummary): string {
  return JSON.stringify([
    s.file,
    s.typedefs.map((t) => [t.name, t.typeText]),
    s.defines.map((d) => [d.name, d.params ?? null, d.value]),
    s.prototypes.map((p) => p.name),
    s.globals.map((g) => [g.name, g.typeText, g.isStatic ?? false, g.isConst ?? false]),
    s.records.map((r) => r.fields.map((f) => [f.name, f.typeText])),
  ]);
}

function build(summaries: FileSummary[], file: string, treeVectorTypedefs: string[]): SummaryFacts {
  return {
    typeNames: new Set(summaries.flatMap((s) => s.typedefs.map((t) => t.name))),
    functionMacros: new Set(summaries.flatMap((s) => s.defines.filter((d) => d.params !== undefined).map((d) => d.name))),
    prototypes: new Set(summaries.flatMap((s) => s.prototypes.map((p) => p.name))),
    floatFacts: collectFloatFacts(summaries, treeVectorTypedefs),
    mutableGlobals: mutableGlobals(summaries, file),
    visibleGlobals: visibleGlobals(summaries, file),
    typedefs: typedefsOf(summaries),
    macros: new MacroExpander(summaries, file),
  };
}

function visibleGlobals(summaries: FileSummary[], file: string): Map<string, string> {
  const globals = new Map<string, string>();
  for (const s of summaries) for (const g of s.globals) if (!g.isStatic || s.file === file) globals.set(g.name, g.typeText);
  return globals;
}

function typedefsOf(summaries: FileSummary[]): Map<string, string> {
  const typedefs = new Map<string, string>();
  for (const s of summaries) for (const t of s.typedefs) if (!typedefs.has(t.name)) typedefs.set(t.name, t.typeText);
  return typedefs;
}

/**
 * The facts for `file` over `summaries`: `previous`'s when every summary is the same object or
 * has the same factsSignature, in the same order, and this file's tree declares the same vector
 * typedefs; built afresh otherwise. The caller keeps the result for the next analysis and
 * disposes `previous.facts.macros` when it is not reused.
 */
export function summaryFacts(summaries: FileSummary[], file: string, root: SyntaxNode, previous?: KeptSummaryFacts): KeptSummaryFacts {
  const vectors = vectorTypedefsInTree(root);
  const treeVectorTypedefs = vectors.join('\u0000');
  const signatures: (string | undefined)[] = [];
  let same = previous !== undefined && previous.summaries.length === summaries.length && previous.treeVectorTypedefs === treeVectorTypedefs;
  for (let i = 0; i < summaries.length; i++) {
    const s = summaries[i];
    const before = previous?.summaries[i];
    if (before === s) {
      signatures.push(previous!.signatures[i]);
      continue;
    }
    // Signatures are computed only while reuse is still possible (not for a first build).
    if (same && before?.file === s.file) {
      const signature = factsSignature(s);
      signatures.push(signature);
      if ((previous!.signatures[i] ?? factsSignature(before)) !== signature) same = false;
    } else {
      signatures.push(undefined);
      same = false;
    }
  }
  if (same) return { summaries, signatures, treeVectorTypedefs, facts: previous!.facts };
  return { summaries, signatures, treeVectorTypedefs, facts: build(summaries, file, vectors) };
}
