// Per-function rule results kept from one analysis of a file to the next. A function's
// diagnostics and size plan are reused when its text, position, summary, reach chain and the
// options the checks read are the same, and every program fact its checks read (recordedReads.ts)
// still has the same answer. Anything else is checked afresh.
import type { AnalysisDiagnostic, FunctionInfo, VariableInfo } from '../model';
import type { SyntaxNode } from '../syntax';
import type { ChainStep } from './reach';
import type { Reads } from './recordedReads';
import type { SizePlan } from './size';
import type { KeptSummaryFacts } from './summaryFacts';
import type { KeptWalks } from './programWalks';
import { RecentMap } from '../recentMap';

export interface FunctionResult {
  /** The function's definition text. */
  text: string;
  /** Everything else the result depends on apart from the recorded reads (see resultContext). */
  context: string;
  reads: Reads;
  /** Frozen: the same objects are handed out by every analysis that reuses them. */
  diagnostics: readonly AnalysisDiagnostic[];
  plan: SizePlan;
}

/** Files whose results are kept; the least recently analysed beyond these is forgotten. */
const KEPT_FILES = 16;

/** What RulesMemo keeps of one file; each part is set by the step that produces it. */
interface KeptFile {
  /** By functionKey, the results the latest complete analysis used. */
  results?: Map<string, FunctionResult>;
  /** How many of `results` that analysis reused from the one before. */
  reused: number;
  facts?: KeptSummaryFacts;
  walks?: KeptWalks;
}

/**
 * Kept in AnalysisMemo across analyses of all documents: per file, the results its latest
 * completed analysis used, for the KEPT_FILES most recently analysed files (documents that were
 * closed long ago, or never come back, must not pile up: each holds a macro expander and every
 * reached function's results).
 */
export class RulesMemo {
  private readonly files = new RecentMap<string, KeptFile>(KEPT_FILES, (_file, evicted) => {
    if (evicted.facts) this.release(evicted.facts);
  });

  /** The whole-program walks of the latest analysis of `file` (programWalks.ts). */
  walks(file: string): KeptWalks | undefined {
    return this.files.get(file)?.walks;
  }

  keepWalks(file: string, kept: KeptWalks): void {
    const record = this.record(file);
    record.walks = kept;
    this.files.set(file, record);
  }

  /** The summary facts of the latest analysis of `file` (summaryFacts.ts). */
  summaryFacts(file: string): KeptSummaryFacts | undefined {
    return this.files.get(file)?.facts;
  }

  /** Keeps `kept` for the next analysis of `file`, freeing the facts it replaces. */
  keepSummaryFacts(file: string, kept: KeptSummaryFacts): void {
    const record = this.record(file);
    const before = record.facts;
    record.facts = kept;
    // Released while the files that may still share them are all kept, before setting the
    // record can evict one: an evicted file's facts are released on their own (onEvict).
    if (before && before.facts !== kept.facts) this.release(before);
    this.files.set(file, record);
  }

  /** The result kept for the function of `file` with this functionKey, if it was checked last time. */
  previous(file: string, key: string): FunctionResult | undefined {
    return this.files.get(file)?.results?.get(key);
  }

  /** Replaces what is kept for `file` by the results one complete analysis used, `reused` of them from before. */
  keep(file: string, results: Map<string, FunctionResult>, reused: number): void {
    const record = this.record(file);
    record.results = results;
    record.reused = reused;
    this.files.set(file, record);
  }

  /** How many functions the latest analysis of `file` checked, and how many of those results it reused. */
  lastUse(file: string): { checked: number; reused: number } {
    const record = this.files.get(file);
    return { checked: record?.results?.size ?? 0, reused: record?.reused ?? 0 };
  }

  /** How many files have something kept. */
  keptFiles(): number {
    return this.files.size;
  }

  /** What is kept for `file`, or a new empty record (kept once set into `files`). */
  private record(file: string): KeptFile {
    return this.files.get(file) ?? { reused: 0 };
  }

  /** Disposes facts no kept file still uses. */
  private release(kept: KeptSummaryFacts): void {
    for (const other of this.files.values()) if (other.facts?.facts === kept.facts) return;
    kept.facts.macros.dispose();
  }
}

function variables(vars: VariableInfo[]): string {
  return vars.map((v) => `${v.name}\u0002${v.typeText}\u0002${v.isVariableLength ? 1 : 0}${v.isStatic ? 1 : 0}${v.isConst ? 1 : 0}`).join('\u0003');
}

function rangeText(r: { start: { line: number; character: number }; end: { line: number; character: number } }): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/**
 * What a function's results depend on besides its text and the recorded reads: where it starts
 * (diagnostics carry positions) and the indentation of its first line (a loop's quick fix copies
 * its line's), what the summary says of it (a local's "variable length" depends on the
 * file's constants, not only on the text), its chain from the entry (each diagnostic lists it),
 * whether it is a root, and the options the checks read.
 */
export function resultContext(fn: FunctionInfo, node: SyntaxNode, firstLineIndent: string, chain: ChainStep[], facts: { targetKernel: string; fromEntries: boolean }): string {
  const chainText = chain
    .map((s) => `${s.caller.file}\u0002${s.caller.name}\u0002${rangeText(s.site.range)}\u0002${s.site.callee ?? `\u0004${s.site.calleeText}`}`)
    .join('\u0003');
  return [
    facts.targetKernel,
    facts.fromEntries,
    rangeText(fn.range),
    rangeText(fn.nameRange),
    `${node.startPosition.row}:${node.startPosition.column}`,
    firstLineIndent,
    fn.name,
    fn.isVariadic,
    variables(fn.params),
    variables(fn.locals),
    chainText,
  ].join('\u0001');
}

/** What a function's text and context (resultContext) were made from, all compared by identity or value. */
export interface ContextInputs {
  fn: FunctionInfo;
  /** The function's entry in the reach: the same object holds the same chain. */
  reached: object;
  row: number;
  column: number;
  indent: string;
  targetKernel: string;
  fromEntries: boolean;
}

/**
 * Per definition node, the result its function last used and the inputs its text and context were
 * made from. A node a reparse carried over is the same object over the same text, so when the
 * function's summary and reach entry are the same objects too, at the same place with the same
 * options, that result's text and context are this analysis's: neither the definition's text
 * (compared in full, on every edit, for every checked function) nor the context is made again.
 */
const checkedByNode = new WeakMap<SyntaxNode, { inputs: ContextInputs; result: FunctionResult }>();

function sameInputs(a: ContextInputs, b: ContextInputs): boolean {
  return a.fn === b.fn && a.reached === b.reached && a.row === b.row && a.column === b.column && a.indent === b.indent && a.targetKernel === b.targetKernel && a.fromEntries === b.fromEntries;
}

/** True when `result` was made from or checked against `node` with the same inputs (its text and context stand). */
export function madeFrom(node: SyntaxNode, result: FunctionResult, inputs: ContextInputs): boolean {
  const known = checkedByNode.get(node);
  return known !== undefined && known.result === result && sameInputs(known.inputs, inputs);
}

/** Notes that `result`'s text and context are those of `node` with `inputs` (see madeFrom). */
export function noteMadeFrom(node: SyntaxNode, result: FunctionResult, inputs: ContextInputs): void {
  checkedByNode.set(node, { inputs, result });
}

/**
 * A copy of `s` sharing no memory with the text it was cut from: V8 keeps a slice's whole parent
 * string alive, and a kept result must not pin the text of the version it was computed on.
 */
export function detached(s: string): string {
  // V8 cuts slices of 13 characters and more out of their parent. Joined to a character, `s`
  // becomes a rope, which slice() first flattens into a new string of its own characters (one
  // copy; a JSON round trip, used before, escaped and parsed them, ~35x slower on a function's
  // text): what is returned is a slice of that new string only.
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * A deep copy of plain diagnostic data (strings detached), frozen so no consumer can change what
 * later analyses reuse. An object the data holds more than once — every diagnostic of a function
 * carries its chain and its skip fix — is copied once and the copy shared (`copies`).
 */
export function frozenCopy<T>(value: T, copies: Map<object, unknown> = new Map()): T {
  if (typeof value === 'string') return detached(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  const known = copies.get(value);
  if (known !== undefined) return known as T;
  let copy: unknown[] | Record<string, unknown>;
  if (Array.isArray(value)) {
    copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = frozenCopy(value[i] as unknown, copies);
  } else {
    copy = {};
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) copy[key] = frozenCopy(fields[key], copies);
  }
  Object.freeze(copy);
  copies.set(value, copy);
  return copy as T;
}
