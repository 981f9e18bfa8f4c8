// Where the split hands a request over although the rules would let the construct run in BPF:
// a library call the kernel half has no stand-in for yet (snprintf: the verifier accepts
// bpf_snprintf(), the rules only warn), or a read of errno. The slices end paths here as at an
// Error, so the analysis and the cost model call kernel exactly the paths the generated program
// answers in the kernel. What counts comes from the generator itself (codegen/kernel/libc.ts
// splitHandoverReason); these points are never reported as diagnostics of their own, only as
// the fallback point of the paths that reach them.
import type { SyntaxNode, Tree } from '../syntax';
import { Severity, type AnalysisDiagnostic, type Range } from '../model';
import { rangeOf, walkTypes } from '../treeHelpers';
import { splitHandoverReason } from '../codegen/kernel/libc';
import { calleeName } from '../entries/sockets';
import { fileDefinitions } from './fileIndex';

/** The code a path's fallback point carries when the split, not a rule, ends it in userspace. */
export const SPLIT_HANDOVER_CODE = 'no-kernel-stand-in';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);

/**
 * Hand-over points of the split in the file's functions that no Error of the rules already
 * covers (an Error inside the call ends the path there anyway), in the shape of a diagnostic so
 * the slices treat them like Errors. `diagnostics` are the rules' findings of the file.
 */
export function splitHandovers(file: string, tree: Tree, diagnostics: readonly AnalysisDiagnostic[]): AnalysisDiagnostic[] {
  const definitions = fileDefinitions(tree);
  // The candidates first (kept per definition, and few): the file's diagnostics (hundreds) are
  // then gone through once, each only against the candidates on its start line.
  const open: OpenCandidate[] = [];
  const byLine = new Map<number, OpenCandidate[]>();
  for (const definition of definitions.all)
    for (const candidate of candidatesIn(definition)) {
      if (candidate.callee !== undefined && definitions.byName.has(candidate.callee)) continue;
      const held: OpenCandidate = { candidate, hasError: false };
      open.push(held);
      for (let line = candidate.whole.start.line; line <= candidate.whole.end.line; line++) {
        const list = byLine.get(line);
        if (list) list.push(held);
        else byLine.set(line, [held]);
      }
    }
  if (open.length === 0) return [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.file !== file) continue;
    const around = byLine.get(diagnostic.range.start.line);
    if (!around) continue;
    for (const held of around) {
      if (!inside(held.candidate.whole, diagnostic.range)) continue;
      if (diagnostic.severity === Severity.Error) held.hasError = true;
      // The first in the order of `diagnostics`: the one said to be the rules' verdict.
      held.first ??= diagnostic;
    }
  }
  const found: AnalysisDiagnostic[] = [];
  for (const { candidate, hasError, first } of open) {
    // An Error of the rules inside the construct ends the path there anyway.
    if (hasError) continue;
    // A Warning or Information of the rules at the same call: say that the rules alone would keep it.
    const rulesSay = first ? ` (the rules only report ${first.code} here: the verifier could run a bounded form)` : '';
    found.push({ file, range: candidate.at, severity: Severity.Error, code: SPLIT_HANDOVER_CODE, message: `${candidate.reason}: the split hands the request over to userspace here${rulesSay}` });
  }
  return found;
}

/** A candidate of this version, with what the file's diagnostics inside it say. */
interface OpenCandidate {
  candidate: Candidate;
  hasError: boolean;
  /** The first diagnostic inside it, in the order given. */
  first?: AnalysisDiagnostic;
}

/** A construct the split hands over unless `callee` is defined in the file. */
interface Candidate {
  callee?: string;
  reason: string;
  whole: Range;
  at: Range;
}

const CANDIDATE_TYPES: ReadonlySet<string> = new Set(['call_expression', 'identifier']);
const candidates = new WeakMap<SyntaxNode, { row: number; column: number; found: Candidate[] }>();

/**
 * The hand-over candidates of one definition, in source order. They depend on its syntax and
 * position only, so they are kept on the node (which the next version may carry over) and
 * reused while it starts at the same place.
 */
function candidatesIn(definition: SyntaxNode): Candidate[] {
  const { row, column } = definition.startPosition;
  const kept = candidates.get(definition);
  if (kept && kept.row === row && kept.column === column) return kept.found;
  const found: Candidate[] = [];
  walkTypes(definition, CANDIDATE_TYPES, (node) => {
    // Of the identifiers only errno counts (libc.ts): skip the others without reading their text.
    if (node.type === 'identifier' && node.endIndex - node.startIndex !== 5) return true;
    const reason = splitHandoverReason(node, () => false);
    if (!reason) return true;
    const whole = rangeOf(node);
    const at = node.type === 'call_expression' ? rangeOf(node.childForFieldName('function') ?? node) : whole;
    found.push({ callee: node.type === 'call_expression' ? calleeName(node) : undefined, reason, whole, at });
    return true;
  });
  candidates.set(definition, { row, column, found });
  return found;
}
