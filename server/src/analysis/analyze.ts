// The pipeline for one file in the context of the whole program:
// parse (done by the caller, who owns the tree) → summary → call graph and type table over all
// known files → entries → rules. Both the language server and the CLI call analyzeFile; neither
// the pipeline nor anything below it knows about LSP.
import type { Tree } from './syntax';
import type { AnalysisDiagnostic, FileSummary, Range } from './model';
import { analysisLimitDiagnostic, describeFailure, emptySummary } from './analysisLimit';
import { summarizeFile } from './summarize';
import { SummaryMemo } from './summarize/functionMemo';
import { CallGraph } from './callGraph';
import { TypeTable } from './typeTable';
import { runRules, RulesMemo } from './rules';
import type { ProgramType } from './rules/definitions';
import { discoverEntries, type RequestEntry } from './entries';
import type { EntrySlices } from './slices';
import { analyzeOffload, type OffloadEstimate, type OffloadOptions } from './offload';
import { fallbackDiagnostics } from './slices/fallbackDiagnostics';
import { SlicesMemo, sliceEntries } from './slices/memo';

export interface AnalyzeOptions {
  /** Target kernel as "major.minor", e.g. "6.1". */
  targetKernel: string;
  programType: 'auto' | ProgramType;
  /** Entry function names given in settings, in addition to `// bpf-offload: entry` comments. */
  entries: string[];
  /** Polled between steps and inside long loops; when it returns true the work is abandoned. */
  isCancelled?: () => boolean;
  /**
   * Set by analyzeFile, not by callers: entry functions discovered in the code (receive loops,
   * callbacks), used as the rules' roots when no function is annotated or listed.
   */
  discoveredEntries?: { file: string; name: string }[];
  /** Profile, calibrated parameters and hook for the cost estimates (offload.ts); defaults when absent. */
  offload?: OffloadOptions;
  /**
   * The file's summary when the caller knows it was computed from exactly `text` (the workspace
   * index's, for a document opened unchanged). Offered, not imposed: analyzeFile takes it only
   * when the memo keeps no summary of the file (see summaryToTake); then the summary step is
   * skipped and this very object is used, so the program facts built ahead over it
   * (AnalysisMemo.facts) stand as they are.
   */
  summaryOfText?: FileSummary;
  /** Told how long each step took (bench/editSteps.ts reads it); not called when absent. */
  onStepTimed?: (step: string, ms: number) => void;
}

export const DEFAULT_ANALYZE_OPTIONS: AnalyzeOptions = {
  targetKernel: '6.1',
  programType: 'auto',
  entries: [],
};

/** Facts about every file the caller knows, keyed by file identifier. */
export interface ProgramFacts {
  summaries: Map<string, FileSummary>;
  callGraph: CallGraph;
  types: TypeTable;
}

export interface FileAnalysis {
  file: string;
  summary: FileSummary;
  diagnostics: AnalysisDiagnostic[];
  /** Request entries of this file (entries.ts): annotated/listed, else discovered. */
  entries: RequestEntry[];
  /** Paths of each entry (slices.ts), in the order of `entries` (entries that cannot be sliced are absent). */
  slices: EntrySlices[];
  /** Cost estimate per sliced entry (offload.ts), with options.offload's profile and parameters. */
  offload: OffloadEstimate[];
  /** One Hint per fallback point of the slices (code 'offload-fallback'; not a rule, see slices/fallbackDiagnostics.ts). */
  fallbacks?: AnalysisDiagnostic[];
}

export class CancelledError extends Error {
  constructor() {
    super('analysis cancelled');
  }
}

/**
 * Builds the cross-file facts. `previous`, facts built from nearly the same summaries (the same
 * objects for the files that did not change), lets the call graph and type table redo only what
 * the changed files alter; the result equals a build from scratch.
 */
export function buildProgramFacts(summaries: Map<string, FileSummary>, previous?: ProgramFacts): ProgramFacts {
  const all = [...summaries.values()];
  return { summaries, callGraph: CallGraph.build(all, previous?.callGraph), types: TypeTable.build(all, previous?.types) };
}

/**
 * Kept by a caller that analyses one version after another (the analysis thread), so the next
 * analysis starts from what the previous one built. Holds nothing that outlives a change of the
 * inputs: each reuse is checked against the summaries it came from.
 */
export class AnalysisMemo {
  facts?: ProgramFacts;
  /** Per file, what its latest summary can lend the next one (summarize/functionMemo.ts). */
  readonly summaries = new SummaryMemo();
  /** Each file's entry slices of its latest analysis, reused while what they read is unchanged. */
  readonly slices = new SlicesMemo();
  /** Per-function rule results of each file's latest analysis (rules/functionResults.ts). */
  readonly rules = new RulesMemo();

  /**
   * After an analysis that took `taken`, the summary of exactly `text` made elsewhere, instead of
   * summarising (summaryToTake): fills the summary memo, which has nothing of the file, so that
   * the next summary of the file reuses what did not change instead of walking all of it; the
   * analysis thread calls it once its answer is on its way. The remembered functions stand for
   * `taken`'s own FunctionInfo objects, not equal new ones: the next summary then hands back the
   * objects the analysis used, which its call graph, program walks and rule results were made
   * from (a reopen of the unchanged file, or an edit, finds them as it left them).
   */
  rememberSummary(file: string, tree: Tree, text: string, taken: FileSummary): void {
    const made = summarizeFile(file, tree, text, this.summaries);
    this.summaries.get(file)?.adoptFunctions(made.functions, taken.functions);
  }
}

/**
 * Whether the analysis of `file` takes the summary offered as that of its very text, or makes its
 * own. Decided here and nowhere else, because only the memo knows whether a summary of this file
 * is already kept: the caller that offers one (the index's, for a document opened as it is on
 * disk) cannot tell a first open from a reopen of a file analysed before.
 * - The memo keeps nothing of the file (first open, or forgotten since): taking the offered
 *   summary spares walking the whole file.
 * - The memo keeps the file (a reopen, or an edit undone back to the text on disk): summarising
 *   with it walks nothing the previous analysis left alone and hands back that analysis's
 *   FunctionInfo objects (also when that analysis took a summary: rememberSummary), which its
 *   call graph, program walks and rule results were made from. The offered summary may be equal
 *   but made elsewhere (the index's, before it adopted the closed document's), and would make
 *   every function look new to them (the editor benchmark's reopen of memcached.c had gone from
 *   15 to 45 ms with it taken on every reopen).
 * Without a memo nothing is kept to lose: the offered summary is always taken.
 */
export function summaryToTake(file: string, offered: FileSummary | undefined, memo: AnalysisMemo | undefined): FileSummary | undefined {
  if (offered?.file !== file) return undefined;
  return memo?.summaries.get(file) ? undefined : offered;
}

/**
 * Analyses one parsed file. `others` holds the summaries of the other known files (this file's
 * own entry, if present, is replaced by the fresh summary).
 */
export function analyzeFile(
  file: string,
  tree: Tree,
  text: string,
  others: Map<string, FileSummary>,
  options: AnalyzeOptions = DEFAULT_ANALYZE_OPTIONS,
  memo?: AnalysisMemo,
): FileAnalysis {
  const check = () => {
    if (options.isCancelled?.()) throw new CancelledError();
  };
  const failures: { step: string; reason: string; range: Range }[] = [];
  // A step that throws (anything but cancellation) leaves `fallback` in its place; the others run.
  const step = <T>(name: string, fallback: T, run: () => T): T => {
    const started = options.onStepTimed ? performance.now() : 0;
    try {
      return run();
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      failures.push({ step: name, ...describeFailure(error, tree) });
      return fallback;
    } finally {
      options.onStepTimed?.(name, performance.now() - started);
      check();
    }
  };
  check();
  const known = summaryToTake(file, options.summaryOfText, memo);
  const summary = known ?? step('summary', emptySummary(file), () => summarizeFile(file, tree, text, memo?.summaries));
  const summaries = new Map(others);
  summaries.set(file, summary);
  const program = step('call graph', undefined, () => buildProgramFacts(summaries, memo?.facts)) ?? buildProgramFacts(new Map([[file, summary]]));
  if (memo) memo.facts = program;
  let entries = step('entries', [] as RequestEntry[], () => discoverEntries({ file, tree, text, summary, program, options }));
  const discoveredEntries = entries
    .filter((e) => e.how === 'receive-loop' || e.how === 'event-callback')
    .map((e) => ({ file, name: e.handler ?? e.name }));
  const ruleOptions = discoveredEntries.length ? { ...options, discoveredEntries } : options;
  const diagnostics = step('rules', [] as AnalysisDiagnostic[], () => runRules({ file, tree, text, summary, program, options: ruleOptions, check }, memo?.rules));
  const slices = step('slices', [] as EntrySlices[], () => {
    const input = { file, tree, text, program, entries, diagnostics, check };
    return memo ? memo.slices.slicesOf(input) : sliceEntries(input);
  });
  const offload = step('cost estimates', [] as OffloadEstimate[], () => analyzeOffload({ entries, slices }, options.offload));
  // New entry objects: the ones discovered may be shared with an earlier result.
  entries = entries.map((entry) => {
    const estimates = offload.filter((e) => e.entryId === entry.id);
    return estimates.length && entries.find((e) => e.id === entry.id) === entry ? { ...entry, summary: [entry.summary, ...estimates.map((e) => e.summary)].join('; ') } : entry;
  });
  const fallbacks = step('fallback points', [] as AnalysisDiagnostic[], () => fallbackDiagnostics(entries, slices));
  if (failures.length) diagnostics.push(analysisLimitDiagnostic(file, failures));
  return { file, summary, diagnostics, entries, slices, offload, fallbacks };
}
