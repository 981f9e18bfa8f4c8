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
  const byLine = linesOf(file, diagnostics);
  const found: AnalysisDiagnostic[] = [];
  for (const definition of definitions.all) {
    const candidates = candidatesIn(definition);
    if (candidates.length === 0) continue;
    const { row, column } = definition.startPosition;
    // The file's diagnostics starting on the definition's lines.
    const from = byLine.firstOnOrAfter(row);
    const to = byLine.firstOnOrAfter(definition.endPosition.row + 1);
    const kept = handoversByDefinition.get(definition);
    let mine = kept?.found;
    // Checked in place first: on an edit, every definition but the edited one is asked again.
    if (
      !kept ||
      kept.row !== row ||
      kept.column !== column ||
      kept.file !== file ||
      !sameDefined(kept.defined, candidates, definitions.byName) ||
      !byLine.holdsInOrder(from, to, kept.held)
    ) {
      const defined = candidates.map((c) => c.callee !== undefined && definitions.byName.has(c.callee));
      const held = byLine.heldIn(from, to);
      mine = handoversIn(file, candidates, defined, byLine, from, to);
      handoversByDefinition.set(definition, { row, column, file, defined, held, found: mine });
    }
    for (const handover of mine!) found.push(handover);
  }
  return found;
}

/**
 * Per definition node, the hand-overs found in it by the latest analysis and all they were made
 * from besides the node (which a reparse carries over unchanged): where it starts, the file,
 * which candidates call a function of the file, and the file's diagnostics on its lines (the
 * same objects in the same order: a function whose rule results were reused hands out the same
 * frozen diagnostics). With all of them the same, the candidates' loop gives the same list.
 */
const handoversByDefinition = new WeakMap<
  SyntaxNode,
  { row: number; column: number; file: string; defined: boolean[]; held: AnalysisDiagnostic[]; found: AnalysisDiagnostic[] }
>();

function sameDefined(defined: readonly boolean[], candidates: readonly Candidate[], byName: ReadonlyMap<string, unknown>): boolean {
  if (defined.length !== candidates.length) return false;
  for (let i = 0; i < defined.length; i++) if (defined[i] !== (candidates[i].callee !== undefined && byName.has(candidates[i].callee!))) return false;
  return true;
}

/**
 * The file's diagnostics by start line: their indexes in `diagnostics`, sorted by start line, ties
 * in their given order. One array rather than a list per line: made again on every edit.
 */
class DiagnosticLines {
  constructor(
    readonly diagnostics: readonly AnalysisDiagnostic[],
    /** Indexes into `diagnostics`, by start line. */
    readonly order: readonly number[],
    /**
     * The start line of each diagnostic of `order`, at the same position: the searches read this
     * array instead of a diagnostic, its range and its start at every step.
     */
    readonly lines: Int32Array,
    /** Whether `order` is ascending (the diagnostics were given in order of line). */
    private readonly ascending: boolean,
  ) {}

  /** The first position in `order` of a diagnostic starting on `line` or below. */
  firstOnOrAfter(line: number): number {
    return this.firstOnOrAfterWithin(line, 0, this.lines.length);
  }

  /** firstOnOrAfter(line) when the answer is known to lie in `low`..`high` (inclusive). */
  firstOnOrAfterWithin(line: number, low: number, high: number): number {
    const lines = this.lines;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (lines[middle] < line) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The diagnostics at positions `from`..`to` (exclusive) of `order`, in the order of `diagnostics`. */
  heldIn(from: number, to: number): AnalysisDiagnostic[] {
    const indexes = this.order.slice(from, to);
    if (!this.ascending) indexes.sort((a, b) => a - b);
    return indexes.map((index) => this.diagnostics[index]);
  }

  /** Whether heldIn(from, to) would be `held` (the same objects in the same order); without making it when it can. */
  holdsInOrder(from: number, to: number, held: readonly AnalysisDiagnostic[]): boolean {
    if (to - from !== held.length) return false;
    if (!this.ascending) return sameList(this.heldIn(from, to), held);
    for (let i = 0; i < held.length; i++) if (this.diagnostics[this.order[from + i]] !== held[i]) return false;
    return true;
  }
}

function linesOf(file: string, diagnostics: readonly AnalysisDiagnostic[]): DiagnosticLines {
  const order: number[] = [];
  let ascending = true;
  for (let index = 0; index < diagnostics.length; index++) {
    if (diagnostics[index].file !== file) continue;
    if (ascending && order.length > 0 && diagnostics[order[order.length - 1]].range.start.line > diagnostics[index].range.start.line) ascending = false;
    order.push(index);
  }
  if (!ascending) order.sort((a, b) => diagnostics[a].range.start.line - diagnostics[b].range.start.line || a - b);
  const lines = new Int32Array(order.length);
  for (let at = 0; at < order.length; at++) lines[at] = diagnostics[order[at]].range.start.line;
  return new DiagnosticLines(diagnostics, order, lines, ascending);
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The hand-overs at one definition's candidates (`defined`: whether each calls a function of the
 * file). `from`..`to` are the positions in `byLine.order` of the diagnostics starting on the
 * definition's lines, which hold every diagnostic inside its candidates.
 */
function handoversIn(file: string, candidates: Candidate[], defined: boolean[], byLine: DiagnosticLines, from: number, to: number): AnalysisDiagnostic[] {
  const { diagnostics, order, lines } = byLine;
  const found: AnalysisDiagnostic[] = [];
  // The candidates come in source order, so the first diagnostic on a candidate's first line only
  // moves forward: one merge of the two lists instead of a search per candidate.
  let first = from;
  let firstLine = -1;
  for (let at = 0; at < candidates.length; at++) {
    if (defined[at]) continue;
    const candidate = candidates[at];
    const whole = candidate.whole;
    const startLine = whole.start.line;
    // Out of order (never from candidatesIn's walk): search again from the start.
    if (startLine < firstLine) first = byLine.firstOnOrAfterWithin(startLine, from, to);
    else while (first < to && lines[first] < startLine) first++;
    firstLine = startLine;
    // Of the file's diagnostics inside the construct: whether one is an Error, and the first in `diagnostics`.
    let hasError = false;
    let firstHeld = -1;
    for (let k = first; k < to && lines[k] <= whole.end.line && !hasError; k++) {
      const index = order[k];
      const held = diagnostics[index];
      if (!inside(whole, held.range)) continue;
      if (held.severity === Severity.Error) hasError = true;
      if (firstHeld < 0 || index < firstHeld) firstHeld = index;
    }
    // An Error of the rules inside the construct ends the path there anyway.
    if (hasError) continue;
    found.push(handoverOf(file, candidate, firstHeld < 0 ? undefined : diagnostics[firstHeld].code));
  }
  return found;
}

/**
 * The hand-over at a candidate, the code of the rules' first Warning or Information there in its
 * message. Made once per candidate and code (the same object is handed out again while the
 * candidate's definition stays where it is): a real file has hundreds of them.
 */
function handoverOf(file: string, candidate: Candidate, ruleCode: string | undefined): AnalysisDiagnostic {
  const key = ruleCode ?? '';
  let made = candidate.handovers?.find((h) => h.key === key)?.made;
  if (!made || made.file !== file) {
    // A Warning or Information of the rules at the same call: say that the rules alone would keep it.
    const rulesSay = ruleCode !== undefined ? ` (the rules only report ${ruleCode} here: the verifier could run a bounded form)` : '';
    made = { file, range: candidate.at, severity: Severity.Error, code: SPLIT_HANDOVER_CODE, message: `${candidate.reason}: the split hands the request over to userspace here${rulesSay}` };
    const kept = (candidate.handovers ??= []);
    const at = kept.findIndex((h) => h.key === key);
    if (at >= 0) kept[at] = { key, made };
    else kept.push({ key, made });
  }
  return made;
}

/** A construct the split hands over unless `callee` is defined in the file. */
interface Candidate {
  callee?: string;
  reason: string;
  whole: Range;
  at: Range;
  /**
   * The hand-overs made at it, by the rules' code named (handoverOf; '' for none): rarely more
   * than one, so a short list made on the first rather than a map per candidate.
   */
  handovers?: { key: string; made: AnalysisDiagnostic }[];
}

const CALL_TYPES: ReadonlySet<string> = new Set(['call_expression']);
const IDENTIFIER_TYPES: ReadonlySet<string> = new Set(['identifier']);
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
  // Calls and errno reads walked one type at a time (a walk of both types sorts the positions of
  // every identifier of the definition), then merged back into source order.
  const calls: Candidate[] = [];
  const callStarts: number[] = [];
  walkTypes(definition, CALL_TYPES, (node) => {
    const candidate = candidateAt(node);
    if (candidate) {
      calls.push(candidate);
      callStarts.push(node.startIndex);
    }
  });
  const reads: Candidate[] = [];
  const readStarts: number[] = [];
  walkTypes(definition, IDENTIFIER_TYPES, (node) => {
    // Of the identifiers only errno counts (libc.ts): skip the others without reading their text.
    if (node.endIndex - node.startIndex !== ERRNO.length) return;
    const candidate = candidateAt(node);
    if (candidate) {
      reads.push(candidate);
      readStarts.push(node.startIndex);
    }
  });
  const found = reads.length === 0 ? calls : mergedInSourceOrder(calls, callStarts, reads, readStarts);
  candidates.set(definition, { row, column, found });
  return found;
}

const ERRNO = 'errno';

/**
 * Calls and identifiers, each in source order with their start offsets, merged in the order of a
 * pre-order walk: by start, and a call before an identifier at the same start (the identifier is
 * then inside it: an identifier holds nothing).
 */
function mergedInSourceOrder(calls: Candidate[], callStarts: number[], reads: Candidate[], readStarts: number[]): Candidate[] {
  const merged: Candidate[] = [];
  let call = 0;
  let read = 0;
  while (call < calls.length || read < reads.length) {
    if (read === reads.length || (call < calls.length && callStarts[call] <= readStarts[read])) merged.push(calls[call++]);
    else merged.push(reads[read++]);
  }
  return merged;
}

/**
 * Per node, the candidate made at it. An edited definition is a new node, but most of its
 * statements are carried over by the reparse: their candidates (and the hand-overs made at them,
 * handoverOf) are reused while the node starts at the same place, as they depend on its syntax
 * (the same for the same node) and position only.
 */
const candidateOfNode = new WeakMap<SyntaxNode, Candidate>();

function candidateAt(node: SyntaxNode): Candidate | undefined {
  const kept = candidateOfNode.get(node);
  if (kept) {
    const { row, column } = node.startPosition;
    if (kept.whole.start.line === row && kept.whole.start.character === column) return kept;
  }
  // The callee splitHandoverReason reads, seen as it asks whether the file defines it.
  let callee: string | undefined;
  const reason = splitHandoverReason(node, (name) => {
    callee = name;
    return false;
  });
  if (!reason) return undefined;
  const whole = rangeOf(node);
  let at = whole;
  if (node.type === 'call_expression') {
    callee ??= calleeName(node);
    const fn = node.childForFieldName('function') ?? node;
    // The callee's name starts the call: its range follows from the call's start and its length
    // when it is on one line, without the two searches of the line starts rangeOf makes.
    at = callee !== undefined && fn.startIndex === node.startIndex && !callee.includes('\n') ? oneLineRange(whole.start, callee.length) : rangeOf(fn);
  }
  const made: Candidate = { callee: node.type === 'call_expression' ? callee : undefined, reason, whole, at };
  candidateOfNode.set(node, made);
  return made;
}

/** The range of `length` code units from `start` on its line. */
function oneLineRange(start: Range['start'], length: number): Range {
  return { start: { line: start.line, character: start.character }, end: { line: start.line, character: start.character + length } };
}
