// The slices of a file's entries, reused from the previous analysis of the same file when
// nothing they depend on changed. An entry's slices depend on:
//  - the entry itself, the handler's call site (site.ts) and the path cap;
//  - every fact read through FileFacts (facts.ts): the summaries of the functions named on the
//    way, their definitions (the same carried-over node at the same place, hence the same text,
//    CFG and statement ranges), call resolution, constants and globals;
//  - the Errors (the rules' and the split's hand-overs) inside the functions read.
// Each is asked again of the new analysis; only when every answer is the same are the previous
// slices handed out. They are shared with the previous result, so nothing downstream may change
// them (analyze.ts and offload.ts only read them).
import type { AnalysisDiagnostic, Range } from '../model';
import { Severity } from '../model';
import type { Tree } from '../syntax';
import type { ProgramFacts } from '../analyze';
import type { RequestEntry } from '../entries';
import { computeSlices, sliceMode, type EntrySlices } from '../slices';
import { FileFacts, sameAnswers, sameRange, type RecordedReads } from './facts';
import type { KeptPlans } from './workPlan';
import { rangeOf } from '../treeHelpers';
import { handlerSite } from './site';
import { RecentMap } from '../recentMap';
import { splitHandovers } from './splitHandovers';
import { ErrorsByPlace } from './errorsByPlace';

export interface EntriesInput {
  file: string;
  tree: Tree;
  text: string;
  program: ProgramFacts;
  entries: RequestEntry[];
  /** The rules' diagnostics for this file. */
  diagnostics: AnalysisDiagnostic[];
  check?: () => void;
}

/** By the entry and handler site the slices were made for, as text. */
interface KeptSlices {
  reads: RecordedReads;
  /** The Errors inside the functions read, in order. */
  errors: AnalysisDiagnostic[];
  /** The ranges of the functions read (errorsRead): the same while every answer is the same. */
  errorRanges: Range[];
  slices: EntrySlices | undefined;
  /** The work plans the computation used (workPlan.ts), per function, for a recomputation to reuse. */
  plans: ReadonlyMap<string, KeptPlans>;
}

/** Files whose slices are kept: what is kept holds definition nodes, so a file's tree stays alive with it. */
const KEPT_FILES = 8;

/** Kept across analyses (AnalysisMemo): per file, what its latest analysis sliced, for the files analysed last. */
export class SlicesMemo {
  private readonly byFile = new RecentMap<string, Map<string, KeptSlices>>(KEPT_FILES);

  /** The slices of each entry that can be sliced, in the order of `entries`; reuses what is unchanged. */
  slicesOf(input: EntriesInput): EntrySlices[] {
    const previous = this.byFile.get(input.file);
    const kept = new Map<string, KeptSlices>();
    // The previous work plans of the file's entries, gathered once, on the first entry recomputed.
    let previousPlans: Map<string, KeptPlans> | undefined;
    const result = sliceEntries(input, (entry, compute) => {
      const previousSlices = previous?.get(entry.key);
      if (previousSlices) {
        // Asked without recording: the answers are the same, so the previous reads stand for them
        // (refreshed in place to the new objects where a summary was made again).
        const facts = new FileFacts(input.file, input.tree, input.program, undefined, false);
        if (sameAnswers(previousSlices.reads, facts, true) && sameErrors(entry.errors.withinAny(previousSlices.errorRanges), previousSlices.errors)) {
          kept.set(entry.key, previousSlices);
          return previousSlices.slices;
        }
      }
      // Recomputed, with that work to reuse what still holds.
      if (!previousPlans) {
        previousPlans = new Map();
        for (const other of previous?.values() ?? []) for (const [name, plans] of other.plans) previousPlans.set(name, plans);
      }
      const recorded = new FileFacts(input.file, input.tree, input.program, previousPlans);
      const slices = compute(recorded);
      const errorRanges = rangesRead(recorded.reads);
      kept.set(entry.key, { reads: recorded.reads, errors: entry.errors.withinAny(errorRanges), errorRanges, slices, plans: recorded.usedPlans });
      return slices;
    });
    this.byFile.set(input.file, kept);
    return result;
  }
}

type Reuse = (entry: { key: string; errors: ErrorsByPlace }, compute: (facts: FileFacts) => EntrySlices | undefined) => EntrySlices | undefined;

/** Slices every entry (computeSlices), the hand-overs and handler sites worked out once; `reuse` may answer instead. */
export function sliceEntries(input: EntriesInput, reuse?: Reuse): EntrySlices[] {
  const { file, tree, text, program, diagnostics, check } = input;
  if (input.entries.length === 0) return [];
  const handovers = splitHandovers(file, tree, diagnostics);
  // The Errors where paths fall back, as computeSlices gathers them.
  const fallingBack: AnalysisDiagnostic[] = [];
  for (const d of diagnostics) if (d.severity === Severity.Error && d.file === file) fallingBack.push(d);
  for (const handover of handovers) fallingBack.push(handover);
  const errors = new ErrorsByPlace(fallingBack);
  const out: EntrySlices[] = [];
  for (const entry of input.entries) {
    const mode = sliceMode(entry);
    const site = mode === 'handler' ? handlerSite(tree, entry.handler ?? entry.name, entry.receive?.buffer) : undefined;
    const compute = (facts?: FileFacts) => computeSlices({ file, tree, text, program, entry, diagnostics, handovers, errorsByPlace: errors, check, facts, site });
    const slices = reuse ? reuse({ key: JSON.stringify([entry, site ?? null]), errors }, compute) : compute();
    if (slices) out.push(slices);
  }
  return out;
}


/** The ranges of the functions (summaries and definitions) a computation read: the Errors inside them end its paths. */
function rangesRead(reads: RecordedReads): Range[] {
  // A summary's range and its definition's are usually the same: each is looked up once.
  const ranges = new Map<string, Range>();
  const add = (r: Range) => ranges.set(`${r.start.line}:${r.start.character}:${r.end.line}:${r.end.character}`, r);
  for (const fn of reads.functions.values()) if (fn) add(fn.range);
  for (const all of reads.allNamed.values()) for (const fn of all) add(fn.range);
  for (const definition of reads.definitions.values()) if (definition) add(rangeOf(definition.node));
  return [...ranges.values()];
}

/** Equal in what the slices read of an Error: where, its code and its message. */
function sameErrors(a: AnalysisDiagnostic[], b: AnalysisDiagnostic[]): boolean {
  return a.length === b.length && a.every((d, i) => d.code === b[i].code && d.message === b[i].message && d.file === b[i].file && sameRange(d.range, b[i].range));
}
