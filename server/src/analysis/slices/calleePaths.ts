// Calls on a request path, judged per path: a call of a function defined in the analysed file
// is expanded into the callee's own paths (as if inlined), so a request path through the call
// falls back only on the callee paths that really reach an Error, not on every path because the
// callee has an Error somewhere. The split generator does the same: it hands over inside the
// callee, at the statement that cannot run, and answers the callee's other paths in the kernel.
// Bounded: callees nested deeper than MAX_EXPANSION_DEPTH, recursive calls, and callees with
// more paths than the cap are judged by their summary (any Error reachable = falls back).
// A callee path that writes shared state (a global, a static) and then reaches an Error cannot
// be handed over inside the callee: userspace would apply the write again when it redoes the
// request. Such a callee is entered in userspace only, so every path through the call falls
// back, as the generator does (it hands over at the call, see codegen/kernel/translate.ts).
import type { ErrorsByPlace } from './errorsByPlace';
import type { AnalysisDiagnostic, CfgBlock, ControlFlowGraph, FunctionInfo, Range } from '../model';
import { cfgOf } from './fileIndex';
import type { FileFacts } from './facts';
import { enumeratePaths, type RawStep } from './enumerate';
import type { BranchDecision } from './types';

/** Nesting of expanded calls beyond which a callee is judged by its summary (BPF allows 8 call frames). */
export const MAX_EXPANSION_DEPTH = 8;

/** One way a call can go, as far as where the request ends is concerned. */
export interface CallOutcome {
  /** Branches taken inside the callee (and its callees) that select this outcome, in order. */
  decisions: BranchDecision[];
  /** The first Error on the callee's path; undefined when the path stays in the kernel. */
  error?: AnalysisDiagnostic;
  /** Kernel outcome of a callee that splits: the ranges its kernel paths cover, per function (for their work). */
  ranges?: Map<string, Range[]>;
}

/** A stretch of a path: the ranges of one CFG block, and the branch taken out of it. */
export interface PathStep {
  ranges: Range[];
  decision?: BranchDecision;
}

/** Where a stretch of code ends up: in the kernel, or at an Error (directly or inside a call). */
export interface PathVariant {
  /** Branches taken inside called functions (and the steps' own decisions, when given). */
  decisions: BranchDecision[];
  error?: AnalysisDiagnostic;
  /** The call in the walked function that leads to the Error, when it is inside a callee. */
  viaCall?: { callee: string; range: Range };
  /** Index of the step holding the Error or the call that leads to it. */
  step?: number;
  /** Shared state was written on the way (before the Error, if any). */
  wrote?: boolean;
  /** Called functions that split, and the ranges of them this variant runs (kernel variants). */
  calleeRanges?: Map<string, Range[]>;
}

/** Both maps' ranges, per function, without duplicates. */
export function mergeRanges(a: Map<string, Range[]> | undefined, b: Map<string, Range[]> | undefined): Map<string, Range[]> | undefined {
  if (!a || !b) return a ?? b;
  const key = (r: Range) => `${r.start.line}:${r.start.character}:${r.end.line}:${r.end.character}`;
  const merged = new Map(a);
  for (const [name, ranges] of b) {
    const seen = new Set((merged.get(name) ?? []).map(key));
    merged.set(name, [...(merged.get(name) ?? []), ...ranges.filter((r) => !seen.has(key(r)))]);
  }
  return merged;
}

export interface ExpanderInput {
  /** The file's functions, definitions and call resolution (read through it so reuse can check them). */
  facts: FileFacts;
  /** The rules' Error diagnostics of the file (and the split's hand-overs), by place. */
  errors: ErrorsByPlace;
  /** The summary verdict: the first Error reachable from the function, for calls not expanded. */
  firstError(name: string): AnalysisDiagnostic | undefined;
  /** The branch decision of a step of a path through `fn` (its condition text and outcome). */
  decisionOf(step: RawStep, blocks: Map<number, CfgBlock>, fn: FunctionInfo): BranchDecision;
  /** Whether the code in a range of `fn` (its callees included) writes a global or a static. */
  writesState(fn: FunctionInfo, range: Range): boolean;
  maxPaths: number;
  /** Throws when the analysis is cancelled. */
  check?: () => void;
}

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);
const decisionKey = (d: BranchDecision) => `${d.function ?? ''}:${d.range.start.line}:${d.range.start.character}:${d.outcome}`;
const errorKey = (e: AnalysisDiagnostic) => `${e.range.start.line}:${e.range.start.character}:${e.code}`;

function commonPrefix(lists: BranchDecision[][]): BranchDecision[] {
  const [first, ...rest] = lists;
  let n = first.length;
  for (const list of rest) {
    let i = 0;
    while (i < n && i < list.length && decisionKey(list[i]) === decisionKey(first[i])) i++;
    n = i;
  }
  return first.slice(0, n);
}

type Event = { kind: 'error'; at: Range; error: AnalysisDiagnostic } | { kind: 'call'; at: Range; callee: string };

export class CallExpander {
  private readonly memo = new Map<string, CallOutcome[]>();
  private readonly inProgress = new Set<string>();
  private readonly witness = new WeakMap<BranchDecision, number>();

  constructor(private readonly input: ExpanderInput) {}

  /** 1-based first line of the code a callee's branch decision leads to (runs once per request taking it). */
  witnessLine(decision: BranchDecision): number | undefined {
    return this.witness.get(decision);
  }

  /**
   * Walks the steps of a path through `fn` in order: the first Error ends a variant there; a
   * call of a defined function forks the variants into the callee's outcomes. `skip` ranges
   * (the send that becomes the hook's transmit) hold no Error that counts.
   */
  walk(fn: FunctionInfo, steps: PathStep[], depth: number, skip: Range[] = []): PathVariant[] {
    let open: PathVariant[] = [{ decisions: [] }];
    const ended: PathVariant[] = [];
    for (let i = 0; i < steps.length && open.length > 0; i++) {
      for (const range of steps[i].ranges) {
        for (const event of this.eventsIn(fn, range, skip)) {
          if (event.kind === 'error') {
            for (const v of open) ended.push({ ...v, error: event.error, step: i });
            open = [];
            break;
          }
          const outcomes = this.outcomes(event.callee, depth + 1);
          const next: PathVariant[] = [];
          for (const v of open)
            for (const o of outcomes) {
              const decisions = [...v.decisions, ...o.decisions];
              if (o.error) ended.push({ decisions, error: o.error, viaCall: { callee: event.callee, range: event.at }, step: i, wrote: v.wrote });
              else next.push({ decisions, wrote: v.wrote, calleeRanges: mergeRanges(v.calleeRanges, o.ranges) });
            }
          open = next;
          if (open.length + ended.length > this.input.maxPaths) return [{ decisions: [], ...this.summaryVariant(fn, steps, skip) }];
        }
        if (open.length === 0) break;
        if (this.input.writesState(fn, range)) open = open.map((v) => ({ ...v, wrote: true }));
      }
      const decision = steps[i].decision;
      if (decision) open = open.map((v) => ({ ...v, decisions: [...v.decisions, decision] }));
    }
    return [...open, ...ended];
  }

  /** The outcomes of a call of `name` made `depth` calls below the analysed function. */
  outcomes(name: string, depth: number): CallOutcome[] {
    const cached = this.memo.get(name);
    if (cached) return cached;
    const summary = (): CallOutcome[] => {
      const error = this.input.firstError(name);
      return [{ decisions: [], ...(error ? { error } : {}) }];
    };
    if (!this.input.firstError(name)) return summary();
    const fn = this.input.facts.functionNamed(name);
    const definition = fn ? this.input.facts.definition(name) : undefined;
    if (!fn || !definition || this.inProgress.has(name) || depth > MAX_EXPANSION_DEPTH) return summary();
    this.inProgress.add(name);
    try {
      // A callee whose every path falls back keeps the summary's Error, the one the rules list first.
      const expanded = this.expand(fn, cfgOf(definition), depth);
      const result = expanded?.some((o) => !o.error) ? expanded : summary();
      this.memo.set(name, result);
      return result;
    } finally {
      this.inProgress.delete(name);
    }
  }

  /** The callee's paths grouped by where they end; undefined when there are too many to tell. */
  private expand(fn: FunctionInfo, cfg: ControlFlowGraph, depth: number): CallOutcome[] | undefined {
    const blocks = new Map(cfg.blocks.map((b) => [b.id, b]));
    const blockRanges = cfg.blocks.flatMap((b) => b.ranges);
    // An Error on the function but on no statement (its stack, its size) is on every path.
    const whole = this.input.errors.within(fn.range).find((d) => !blockRanges.some((r) => inside(r, d.range)));
    if (whole) return undefined;
    const mayFallBack = (range: Range) => this.eventsIn(fn, range, []).some((e) => e.kind === 'error' || !!this.input.firstError(e.callee));
    const enumerated = enumeratePaths({
      cfg,
      start: cfg.entry,
      blockEnd: () => undefined,
      edgeEnd: (edge) => (edge.to === cfg.exit ? { kind: 'reply', range: fn.range, detail: `end of ${fn.name}` } : undefined),
      blockFallsBack: (b) => blocks.get(b)!.ranges.some(mayFallBack),
      maxPaths: this.input.maxPaths,
    });
    if (enumerated.capped) return undefined;
    const variants: PathVariant[] = [];
    for (const raw of enumerated.paths) {
      this.input.check?.();
      const steps: PathStep[] = raw.steps.map((s) => {
        const block = blocks.get(s.block)!;
        if (!s.decisive || !s.edge) return { ranges: block.ranges };
        const decision = { ...this.input.decisionOf(s, blocks, fn), function: fn.name };
        const target = blocks.get(s.edge.to)?.ranges[0];
        if (target) this.witness.set(decision, target.start.line + 1);
        return { ranges: block.ranges, decision };
      });
      const own = new Map([[fn.name, [...raw.steps.flatMap((s) => blocks.get(s.block)!.ranges), ...raw.mergedRanges]]]);
      variants.push(...this.walk(fn, steps, depth).map((v) => (v.error ? v : { ...v, calleeRanges: mergeRanges(v.calleeRanges, own) })));
      if (variants.length > this.input.maxPaths) return undefined;
    }
    // Written state, then an Error: the callee may only run in userspace (see the top of the file).
    if (variants.some((v) => v.error && v.wrote)) return undefined;
    return groupOutcomes(variants);
  }

  /** Errors and calls of defined functions in a range of `fn`, in source order (an Error on a call first). */
  private eventsIn(fn: FunctionInfo, range: Range, skip: Range[]): Event[] {
    const events: Event[] = [];
    for (const error of this.input.errors.within(range)) if (!skip.some((s) => inside(s, error.range))) events.push({ kind: 'error', at: error.range, error });
    for (const call of fn.calls) {
      if (!call.callee || !inside(range, call.range) || skip.some((s) => inside(s, call.range))) continue;
      if (this.input.facts.resolvesHere(call.callee)) events.push({ kind: 'call', at: call.range, callee: call.callee });
    }
    return events.sort((a, b) => (before(a.at.start, b.at.start) ? -1 : before(b.at.start, a.at.start) ? 1 : a.kind === 'error' ? -1 : 1));
  }

  private summaryVariant(fn: FunctionInfo, steps: PathStep[], skip: Range[]): Omit<PathVariant, 'decisions'> {
    for (let i = 0; i < steps.length; i++)
      for (const range of steps[i].ranges)
        for (const event of this.eventsIn(fn, range, skip)) {
          if (event.kind === 'error') return { error: event.error, step: i };
          const error = this.input.firstError(event.callee);
          if (error) return { error, viaCall: { callee: event.callee, range: event.at }, step: i };
        }
    return {};
  }
}

/**
 * One outcome for the kernel, with the decisions all its paths share (what the request path
 * needs to know is that it stays in the kernel, not every branch inside), and one per distinct
 * Error and branches leading to it.
 * A callee whose paths all stay in the kernel, or all fall back, is one outcome without
 * decisions, so only calls that really split a request path add paths.
 */
function groupOutcomes(variants: PathVariant[]): CallOutcome[] {
  const kernel = variants.filter((v) => !v.error);
  const failing = variants.filter((v) => v.error);
  if (failing.length === 0) return [{ decisions: [] }];
  const byError = new Map<string, PathVariant[]>();
  for (const v of failing) {
    const key = `${errorKey(v.error!)}|${v.decisions.map(decisionKey).join(',')}`;
    byError.set(key, [...(byError.get(key) ?? []), v]);
  }
  if (kernel.length === 0) return [{ decisions: [], error: failing[0].error }];
  return [
    { decisions: commonPrefix(kernel.map((v) => v.decisions)), ranges: kernel.map((v) => v.calleeRanges).reduce(mergeRanges) },
    ...[...byError.values()].map((group) => ({ decisions: commonPrefix(group.map((v) => v.decisions)), error: group[0].error })),
  ];
}
