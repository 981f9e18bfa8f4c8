// Slices: for one request entry, every path from the receive to a reply or a drop, whether it
// can finish in the kernel (no Error of the rules and no hand-over of the split on it), where
// it falls back, and the earliest point where a path that must end in userspace can be handed over.
import type { Tree } from './syntax';
import { Severity, type AnalysisDiagnostic, type CfgBlock, type ControlFlowGraph, type FunctionInfo, type Range } from './model';
import type { ProgramFacts } from './analyze';
import type { RequestEntry } from './entries';
import { blockAt, loopsContaining } from './cfg';
import { cfgOf } from './slices/fileIndex';
import { FileFacts } from './slices/facts';
import { enumeratePaths, type PathEnd, type RawPath } from './slices/enumerate';
import { addWork, stateAccesses, toEstimate, WorkEstimator, type Work } from './slices/work';
import { handlerSite, SEND_CALLS, type HandlerSite } from './slices/site';
import type { BranchDecision, EntrySlices, FallbackPoint, HandoverPoint, SlicePath } from './slices/types';
import { CallExpander, type PathVariant } from './slices/calleePaths';
import { splitHandovers } from './slices/splitHandovers';
import { ErrorsByPlace } from './slices/errorsByPlace';

export type * from './slices/types';

export const DEFAULT_MAX_PATHS = 32;

export interface SliceInput {
  file: string;
  tree: Tree;
  text: string;
  program: ProgramFacts;
  entry: RequestEntry;
  /** The rules' diagnostics for this file: Errors mark where paths fall back. */
  diagnostics: AnalysisDiagnostic[];
  /** splitHandovers(file, tree, diagnostics), when the caller already has it (it is the same for every entry). */
  handovers?: AnalysisDiagnostic[];
  /** The file's Errors and then those hand-overs, by place, when the caller already has them (the same for every entry). */
  errorsByPlace?: ErrorsByPlace;
  maxPaths?: number;
  /** Throws when the analysis is cancelled (polled while calls are expanded). */
  check?: () => void;
  /** The facts to read through (slices/memo.ts keeps what they recorded); a fresh FileFacts when absent. */
  facts?: FileFacts;
  /** handlerSite(tree, function, receive buffer) for a handler entry, when the caller already has it. */
  site?: HandlerSite;
}

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);
const oneLine = (text: string, max = 80) => {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** 'handler' when the entry's function is called per request, 'inline' when the receive is in its loop. */
export function sliceMode(entry: RequestEntry): EntrySlices['mode'] {
  return entry.handler || !entry.receive ? 'handler' : 'inline';
}

/** Paths of an entry; undefined when the function to slice is not defined in this file. */
export function computeSlices(input: SliceInput): EntrySlices | undefined {
  const { entry, file, program, tree } = input;
  const facts = input.facts ?? new FileFacts(file, tree, program);
  const mode = sliceMode(entry);
  const functionName = entry.handler ?? entry.name;
  const fn = facts.functionNamed(functionName);
  const definition = fn ? facts.definition(functionName) : undefined;
  if (!fn || !definition) return undefined;
  const cfg = cfgOf(definition);
  const textAt = textReader(input.text);
  const estimator = new WorkEstimator(facts);
  // Where paths fall back: the rules' Errors, and the calls the split hands over though the rules would not.
  const errorsByPlace =
    input.errorsByPlace ?? new ErrorsByPlace([...input.diagnostics.filter((d) => d.severity === Severity.Error && d.file === file), ...(input.handovers ?? splitHandovers(file, tree, input.diagnostics))]);
  const functionError = firstErrorFinder(facts, errorsByPlace);
  const blockById = new Map(cfg.blocks.map((b) => [b.id, b]));
  const notes: string[] = [];

  const site: HandlerSite = mode === 'handler' ? (input.site ?? handlerSite(tree, functionName, entry.receive?.buffer)) : { rule: 'always' };
  const packetBuffer = mode === 'handler' ? (site.packetParam ?? '') : (entry.receive?.buffer ?? '');
  const receiveStart = mode === 'inline' ? entry.receive!.range.start : undefined;
  const startBlock = receiveStart ? blockAt(cfg, receiveStart) : blockById.get(cfg.entry);
  if (!startBlock) return undefined;
  const receiveLoop = receiveStart ? loopsContaining(cfg, startBlock.id)[0] : undefined;
  // The receive statement itself is what the hook replaces, so the path starts after it.
  const receiveEnd = mode === 'inline' ? entry.receive!.range.end : undefined;
  const rangesOf = (block: CfgBlock) => (receiveEnd && block.id === startBlock.id ? block.ranges.filter((r) => !before(r.start, receiveEnd)) : block.ranges);

  const callsIn = (range: Range) => fn.calls.filter((c) => inside(range, c.range)).sort((a, b) => (before(a.range.start, b.range.start) ? -1 : 1));
  // The send that ends a reply path becomes the hook's transmit, not a call the kernel must make.
  const sendRanges = fn.calls.filter((c) => c.callee && SEND_CALLS.has(c.callee)).map((c) => c.range);
  const fallbackIn = (range: Range): FallbackPoint | undefined => {
    const direct = errorsByPlace
      .within(range)
      .filter((d) => !sendRanges.some((s) => inside(s, d.range)))
      .sort((a, b) => (before(a.range.start, b.range.start) ? -1 : 1))[0];
    if (direct) return { file, range: direct.range, code: direct.code, message: direct.message };
    for (const call of callsIn(range)) {
      if (call.callee && SEND_CALLS.has(call.callee)) continue;
      const found = call.callee ? functionError(call.callee) : undefined;
      if (found) return { file, range: found.range, code: found.code, message: found.message, viaCall: { callee: call.callee!, range: call.range } };
    }
    return undefined;
  };
  // Errors on the function itself but on no statement (stack size, program size) affect every path.
  const blockRanges = cfg.blocks.flatMap((b) => b.ranges);
  const wholeFunction = errorsByPlace.within(fn.range).find((d) => !blockRanges.some((r) => inside(r, d.range)));

  const sendIn = (block: CfgBlock): PathEnd | undefined => {
    for (const range of rangesOf(block))
      for (const call of callsIn(range))
        if (call.callee && SEND_CALLS.has(call.callee)) return { kind: 'reply', range: call.range, detail: oneLine(textAt(call.range), 60) };
    return undefined;
  };
  const edgeEnd = (edge: { from: number; to: number; kind: string }): PathEnd | undefined => {
    const from = blockById.get(edge.from)!;
    const last = from.ranges[from.ranges.length - 1] ?? fn.bodyRange;
    if (mode === 'handler') return edge.to === cfg.exit ? returnEnd(textAt(last), last, site) : undefined;
    if (edge.kind === 'continue') return { kind: 'drop', range: last, detail: 'continue: no reply' };
    if (edge.kind === 'return' || edge.to === cfg.exit) return { kind: 'drop', range: last, detail: 'leaves the receive loop' };
    if (receiveLoop && edge.kind === 'back' && edge.to === receiveLoop.header) return { kind: 'drop', range: last, detail: 'next receive without a reply' };
    if (receiveLoop && !receiveLoop.body.includes(edge.to)) return { kind: 'drop', range: last, detail: 'leaves the receive loop' };
    return undefined;
  };

  const maxPaths = input.maxPaths ?? DEFAULT_MAX_PATHS;
  const decisionOf = (s: RawPath['steps'][number], blocks: Map<number, CfgBlock>, owner: FunctionInfo): BranchDecision => {
    const block = blocks.get(s.block)!;
    const range = block.ranges[block.ranges.length - 1] ?? owner.bodyRange;
    const target = blocks.get(s.edge!.to);
    const outcome = block.kind === 'switch' ? (s.edge!.kind === 'case' ? (target?.label ?? 'case') : 'default') : s.edge!.kind === 'false' ? 'false' : 'true';
    return { text: stripParens(oneLine(textAt(range))), outcome, range };
  };
  const expander = new CallExpander({
    facts,
    errors: errorsByPlace,
    firstError: functionError,
    decisionOf,
    writesState: (owner, range) => estimator.ofRange(owner, range).writes.size > 0,
    maxPaths,
    check: input.check,
  });
  const enumerated = enumeratePaths({
    cfg,
    start: startBlock.id,
    blockEnd: (b) => sendIn(blockById.get(b)!),
    edgeEnd,
    blockFallsBack: (b) => blockById.get(b)!.ranges.some((r) => fallbackIn(r) !== undefined),
    maxPaths,
  });
  if (enumerated.capped) notes.push(`more than ${maxPaths} paths: only the first ${maxPaths} are listed`);

  const decisionsOf = (raw: RawPath): BranchDecision[] => raw.steps.filter((s) => s.decisive && s.edge).map((s) => decisionOf(s, blockById, fn));
  const isReceiveFailure = (d: BranchDecision[]) => {
    const length = entry.receive?.lengthVar;
    return mode === 'inline' && !!length && d.length > 0 && d[0].outcome === 'true' && new RegExp(`\\b${length}\\s*<=?\\s*0\\b`).test(d[0].text);
  };

  const kept = enumerated.paths.map((raw) => ({ raw, decisions: decisionsOf(raw) })).filter((p) => !isReceiveFailure(p.decisions));
  if (kept.length < enumerated.paths.length) notes.push('paths where the receive itself failed are left out: they carry no request');

  const stepRanges = (raw: RawPath, upTo = raw.steps.length) => raw.steps.slice(0, upTo).flatMap((s) => rangesOf(blockById.get(s.block)!));
  const workOf = (ranges: Range[], only?: Map<string, Range[]>) => {
    const work: Work = { statements: 0, instructions: 0, bytesCopied: 0, libraryCalls: [], calls: [], reads: new Set(), writes: new Set() };
    for (const r of ranges) addWork(work, estimator.ofRange(fn, r, only));
    return work;
  };

  // Each enumerated path, once per way its calls can go (kernel, or an Error inside the callee).
  let variants = kept.flatMap(({ raw, decisions }) => {
    if (wholeFunction && mode === 'handler') return [{ raw, decisions, variant: { decisions: [], error: wholeFunction, step: 0 } as PathVariant }];
    const ordered = stepRanges(raw).map((r) => ({ ranges: [r] }));
    return expander.walk(fn, ordered, 0, sendRanges).map((variant) => ({ raw, decisions, variant }));
  });
  const capped = enumerated.capped || variants.length > maxPaths;
  if (variants.length > maxPaths) {
    variants = variants.slice(0, maxPaths);
    if (!enumerated.capped) notes.push(`more than ${maxPaths} paths once calls are followed: only the first ${maxPaths} are listed`);
  }

  const paths: SlicePath[] = variants.map(({ raw, decisions: own, variant }, index) => {
    const ranges = [...stepRanges(raw), ...raw.mergedRanges];
    // A kernel path through a call that splits counts the callee's kernel paths only; a path
    // that falls back is priced with whole callees, as userspace runs them.
    const work = workOf(ranges, variant.error ? undefined : variant.calleeRanges);
    const decisions = [...own, ...variant.decisions];
    const error = variant.error;
    const fallback: FallbackPoint | undefined = error
      ? { file, range: error.range, code: error.code, message: error.message, ...(variant.viaCall ? { viaCall: variant.viaCall } : {}) }
      : undefined;
    const fallbackRanges = error ? stepRanges(raw).slice(0, variant.step ?? 0) : [];
    const end = raw.end;
    const calleeLines = variant.decisions.map((d) => expander.witnessLine(d) ?? d.range.start.line + 1);
    const path: SlicePath = {
      id: `P${index + 1}`,
      description: describe(decisions, end),
      decisions,
      ranges,
      endsIn: fallback ? 'userspace' : 'kernel',
      end,
      packetBuffer,
      state: stateAccesses(work, (name) => estimator.isConst(name)),
      calls: [...work.calls, ...work.libraryCalls],
      work: toEstimate(work),
      isErrorPath: end.kind === 'drop' || /reject|error|err\b|invalid|bad|formerr|refused|notimp/i.test(end.detail),
      witnessLines: [...new Set([...own.map((d, i) => firstLineAfter(raw, d, i, blockById)), ...calleeLines, end.range.start.line + 1])],
    };
    const replyBuffer = mode === 'handler' ? site.replyParam : end.kind === 'reply' ? /\(\s*[^,]+,\s*([^,]+),/.exec(end.detail)?.[1]?.trim() : undefined;
    if (end.kind === 'reply') {
      const name = replyBuffer ? lastName(replyBuffer) : undefined;
      const builtBy = ranges.map((r) => oneLine(textAt(r), 60)).filter((t) => (name ? new RegExp(`\\b${name}\\b`).test(t) : /reply|respond|queue|send|write/i.test(t)));
      path.reply = { ...(replyBuffer ? { buffer: replyBuffer } : {}), builtBy };
    }
    if (fallback) {
      path.fallback = fallback;
      path.workBeforeFallback = toEstimate(workOf(fallbackRanges));
    }
    return path;
  });

  const kernelPaths = paths.filter((p) => p.endsIn === 'kernel');
  paths.forEach((path, i) => {
    if (path.endsIn !== 'userspace') return;
    path.handover = handoverFor(i, variants, paths, fn, (n) => workOf(stepRanges(variants[i].raw, n)), blockById);
  });
  if (kernelPaths.length === 0) notes.push('no path can finish in the kernel: every request falls back to userspace');

  return {
    entryId: entry.id,
    function: functionName,
    file,
    mode,
    paths,
    capped,
    maxPaths,
    offloadableRegion: offloadableRegion(kernelPaths, facts),
    notes,
  };
}

/** The line starts of the text read last: every entry of an analysis, and the next analysis's unchanged text, read the same. */
let lastLines: { text: string; starts: Int32Array } | undefined;

/**
 * The text of a range as the lines of `text` give it: a line's part clamped to the line, lines
 * that are not there empty. Read by line starts, not by splitting the whole text per computation.
 */
export function textReader(text: string): (r: Range) => string {
  if (lastLines?.text !== text) {
    // Counted first, so the starts are one array of the right size (made again on every edit that recomputes).
    let lines = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    const starts = new Int32Array(lines);
    for (let i = text.indexOf('\n'), line = 1; i !== -1; i = text.indexOf('\n', i + 1)) starts[line++] = i + 1;
    lastLines = { text, starts };
  }
  const { starts } = lastLines;
  const lineEnd = (line: number) => (line + 1 < starts.length ? starts[line + 1] - 1 : text.length);
  const lineAt = (line: number) => (line < starts.length ? text.slice(starts[line], lineEnd(line)) : undefined);
  return (r) => {
    const first = r.start.line;
    const last = r.end.line;
    if (first === last) return (lineAt(first) ?? '').slice(r.start.character, r.end.character);
    if (first < last && last < starts.length) return text.slice(Math.min(starts[first] + r.start.character, lineEnd(first)), Math.min(starts[last] + r.end.character, lineEnd(last)));
    const middle: string[] = [];
    for (let line = first + 1; line < last; line++) {
      const text = lineAt(line);
      if (text !== undefined) middle.push(text);
    }
    return [lineAt(first)?.slice(r.start.character) ?? '', ...middle, lineAt(last)?.slice(0, r.end.character) ?? ''].join('\n');
  };
}

function stripParens(text: string): string {
  return /^\(.*\)$/.test(text) && balanced(text.slice(1, -1)) ? text.slice(1, -1).trim() : text;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

const lastName = (text: string) => /([A-Za-z_]\w*)\s*$/.exec(text.replace(/^&/, ''))?.[1] ?? text;

function negate(text: string): string {
  if (/^![A-Za-z_][\w]*(\(.*\))?$/.test(text) && balanced(text.slice(1))) return text.slice(1);
  const m = /^([\w.\->[\]]+)\s*(==|!=)\s*([\w.\->'"]+)$/.exec(text);
  if (m) return `${m[1]} ${m[2] === '==' ? '!=' : '=='} ${m[3]}`;
  return `!(${text})`;
}

const sameDecision = (a: BranchDecision, b: BranchDecision) =>
  a.function === b.function && a.outcome === b.outcome && a.range.start.line === b.range.start.line && a.range.start.character === b.range.start.character;

/** A decision as it reads on the path; one inside a called function is prefixed with its name. */
function decisionText(d: BranchDecision): string {
  const taken = d.outcome === 'true' ? d.text : d.outcome === 'false' ? negate(d.text) : `${d.text}: ${d.outcome}`;
  return d.function ? `${d.function}: ${taken}` : taken;
}

function describe(decisions: BranchDecision[], end: PathEnd): string {
  const parts = decisions.map(decisionText);
  return `${parts.length ? parts.join(' && ') : 'always'} → ${end.detail}`;
}

function returnEnd(statement: string, range: Range, site: HandlerSite): PathEnd {
  const text = statement.replace(/\s+/g, ' ').trim();
  const literal = /^return\s*\(?\s*(-?\d+)[uUlL]*\s*\)?\s*;?$/.exec(text);
  const shown = text.length > 60 ? `${text.slice(0, 59)}…` : text;
  if (literal && site.rule === 'zero-is-no-reply' && Number(literal[1]) === 0) return { kind: 'drop', range, detail: `${shown} (the caller sends nothing)` };
  if (literal && site.rule === 'nonzero-is-no-reply' && Number(literal[1]) !== 0) return { kind: 'drop', range, detail: `${shown} (the caller sends nothing)` };
  return { kind: 'reply', range, detail: /^return\b/.test(text) ? shown : `${shown} (end of handler)` };
}

/** First line of the block a decision leads to: it runs once per request taking that branch. */
function firstLineAfter(raw: RawPath, decision: BranchDecision, index: number, blocks: Map<number, CfgBlock>): number {
  const steps = raw.steps.filter((s) => s.decisive && s.edge);
  const target = blocks.get(steps[index]?.edge?.to ?? -1);
  const range = target?.ranges[0];
  return (range ?? decision.range).start.line + 1;
}

function firstErrorFinder(facts: FileFacts, errors: ErrorsByPlace) {
  const memo = new Map<string, AnalysisDiagnostic | null>();
  const find = (name: string): AnalysisDiagnostic | undefined => {
    if (memo.has(name)) return memo.get(name) ?? undefined;
    memo.set(name, null); // recursion: no answer from inside the cycle
    const fn = facts.functionNamed(name);
    if (!fn) return undefined;
    // In source order: an error in a callee called before a direct error comes first.
    const direct = errors.within(fn.range).sort((a, b) => (before(a.range.start, b.range.start) ? -1 : 1))[0];
    let found: AnalysisDiagnostic | undefined;
    for (const call of [...fn.calls].sort((a, b) => (before(a.range.start, b.range.start) ? -1 : 1))) {
      if (found || (direct && !before(call.range.start, direct.range.start))) break;
      if (call.callee && facts.resolvesHere(call.callee)) found = find(call.callee);
    }
    found ??= direct;
    memo.set(name, found ?? null);
    return found;
  };
  return find;
}

function handoverFor(
  index: number,
  all: { raw: RawPath; variant: PathVariant }[],
  paths: SlicePath[],
  fn: FunctionInfo,
  workUpTo: (steps: number) => Work,
  blocks: Map<number, CfgBlock>,
): HandoverPoint {
  const raw = all[index].raw;
  const same = (a: RawPath['steps'][number], b: RawPath['steps'][number] | undefined) => !!b && a.block === b.block && a.edge?.to === b.edge?.to;
  let shared = 0;
  all.forEach(({ raw: other }, i) => {
    if (paths[i].endsIn !== 'kernel') return;
    let n = 0;
    while (n < raw.steps.length && same(raw.steps[n], other.steps[n])) n++;
    shared = Math.max(shared, n);
  });
  if (shared === 0 && !all.some((_, i) => paths[i].endsIn === 'kernel')) {
    return { range: fn.nameRange, description: `at the start of ${fn.name}: no path of this entry finishes in the kernel`, decisionIndex: -1, wasted: toEstimate(workUpTo(0)) };
  }
  const step = raw.steps[Math.min(shared, raw.steps.length - 1)];
  const block = blocks.get(step.block)!;
  const range = block.ranges[block.ranges.length - 1] ?? fn.nameRange;
  const decisionIndex = raw.steps.slice(0, shared).filter((s) => s.decisive && s.edge).length;
  const path = paths[index];
  // A path of the same statements that stays in the kernel: the two part inside a call, at the
  // first branch of the callee where they differ.
  const own = all[index].variant.decisions;
  let common = -1;
  all.forEach((other, i) => {
    if (other.raw !== raw || paths[i].endsIn !== 'kernel') return;
    let n = 0;
    while (n < own.length && n < other.variant.decisions.length && sameDecision(own[n], other.variant.decisions[n])) n++;
    common = Math.max(common, n);
  });
  if (common >= 0 && own[common]) {
    const inCall = own[common];
    return { range: inCall.range, description: `when \`${decisionText(inCall)}\``, decisionIndex: path.decisions.length - own.length + common, wasted: toEstimate(workUpTo(raw.steps.length)) };
  }
  const decision = path.decisions[decisionIndex];
  const description = decision
    ? `when \`${decisionText(decision)}\``
    : `before ${path.end.detail}`;
  return { range, description, decisionIndex: decision ? decisionIndex : -1, wasted: toEstimate(workUpTo(shared + 1)) };
}

function offloadableRegion(kernelPaths: SlicePath[], facts: FileFacts): Range[] {
  const ranges = kernelPaths.flatMap((p) => p.ranges);
  const called = new Set(kernelPaths.flatMap((p) => p.calls));
  // Order does not matter: the ranges are sorted by start, and of two with one start the inner one is dropped.
  for (const name of called) for (const fn of facts.functionsNamed(name)) ranges.push(fn.bodyRange);
  const key = (r: Range) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
  const unique = [...new Map(ranges.map((r) => [key(r), r])).values()].sort((a, b) => (before(a.start, b.start) ? -1 : before(b.start, a.start) ? 1 : 0));
  // Ranges inside another listed range add nothing to shading.
  return unique.filter((r, i) => !unique.some((o, j) => j !== i && inside(o, r) && key(o) !== key(r)));
}

export type { ControlFlowGraph };
