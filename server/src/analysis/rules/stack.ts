// stack-size: the verifier sums the frames of every BPF-to-BPF call chain against 512 bytes,
// so the check follows the deepest chain from each entry, not one function at a time.
import type { FunctionInfo, RelatedInformation } from '../model';
import type { ConstantSource } from './constEval';
import type { DiagnosticSink } from './context';
import { defaultSeverity } from './context';
import { functionKey, type CalleeResolver, type Reach } from './reach';
import { noteOrdered, noteWalked, OpenFrames, orderedValue, startRecord, type WalkRecord } from './walkReuse';

export const STACK_LIMIT = 512;

export interface Frame {
  bytes: number;
  /** Locals whose size the type table could not compute ("name (type)"). */
  unknown: string[];
  largest?: { name: string; bytes: number };
}

export function frameOf(fn: FunctionInfo, constants: ConstantSource): Frame {
  const frame: Frame = { bytes: 0, unknown: [] };
  for (const local of fn.locals) {
    if (local.isStatic) continue; // static locals live in a map, not on the stack
    if (local.isVariableLength) {
      frame.unknown.push(`${local.name} (variable length)`);
      continue;
    }
    const size = constants.sizeOf(local.typeText);
    if (size === undefined) frame.unknown.push(`${local.name} (${local.typeText})`);
    else {
      frame.bytes += size;
      if (!frame.largest || size > frame.largest.bytes) frame.largest = { name: local.name, bytes: size };
    }
  }
  return frame;
}

/** The deepest chain below a function: its total, and the chain's next step (absent at the end). */
export interface Deepest {
  total: number;
  fn: FunctionInfo;
  next?: Deepest;
}

function pathOf(deepest: Deepest): FunctionInfo[] {
  const path: FunctionInfo[] = [];
  for (let d: Deepest | undefined = deepest; d; d = d.next) path.push(d.fn);
  return path;
}

/** The deepest chain from one root: its total and its functions, root first. */
export interface StackPath {
  root: FunctionInfo;
  total: number;
  path: FunctionInfo[];
}

/** Calls followed below a root; deeper chains are not walked (their values then depend on the walk's order). */
const MAX_DEPTH = 64;

/**
 * The deepest chain from each root of `reach`, in root order. `record` (walkReuse.ts) holds the
 * chains, kept from an earlier walk, of functions whose chain depends only on the code below
 * them (and is made of the current objects); they are used instead of walking below again, and
 * this walk's are added to it.
 */
export function deepestPaths(reach: Reach, resolver: CalleeResolver, constants: ConstantSource, check: () => void, record: WalkRecord<Deepest> = startRecord(undefined)): StackPath[] {
  const frames = new OpenFrames();
  const memo = new Map<string, Deepest>();
  const active = new Set<string>();
  // Recursion is its own rule; cycles are cut here so the walk ends.
  // `key`: functionKey(fn), which the caller has made already.
  const deepest = (fn: FunctionInfo, key: string, depth: number): Deepest => {
    const known = memo.get(key);
    if (known) {
      frames.used(key);
      return known;
    }
    const clean = record.clean.get(key);
    if (clean) return clean;
    // Entered from the same place, at the same depth, as when it was noted (walkReuse.ts, sameSteps).
    const ordered = orderedValue(record, 0, key);
    if (ordered) {
      memo.set(key, ordered);
      frames.usedOrdered(key);
      return ordered;
    }
    check();
    active.add(key);
    frames.enter();
    let best: Deepest | undefined;
    const callees: string[] = [];
    if (depth < MAX_DEPTH) {
      const resolved = resolver.calleesOf?.(fn);
      const { calls } = fn;
      for (let at = 0; at < calls.length; at++) {
        const site = calls[at];
        const callee = resolved ? resolved[at] : site.callee ? resolver.resolve(fn.file, site.callee) : undefined;
        if (!callee || reach.isSkipped(callee)) continue;
        const calleeKey = functionKey(callee);
        callees.push(calleeKey);
        if (active.has(calleeKey)) {
          frames.markOrderDependent();
          continue;
        }
        const d = deepest(callee, calleeKey, depth + 1);
        if (d.total > (best?.total ?? 0)) best = d;
      }
    } else frames.markOrderDependent();
    active.delete(key);
    const result = { total: frameOf(fn, constants).bytes + (best?.total ?? 0), fn, next: best };
    memo.set(key, result);
    const independent = frames.leave(key);
    noteWalked(record, key, fn, callees, independent ? result : undefined);
    if (!independent) noteOrdered(record, 0, key, result);
    return result;
  };
  return reach.roots.map((root) => {
    const found = deepest(root, functionKey(root), 0);
    return { root, total: found.total, path: pathOf(found) };
  });
}

/** One diagnostic per root whose deepest chain is over the limit, at a function of `file` on it. */
export function reportStack(file: string, paths: StackPath[], constants: ConstantSource, sink: DiagnosticSink): void {
  const frames = new Map<string, Frame>();
  const frame = (fn: FunctionInfo) => {
    const key = functionKey(fn);
    let known = frames.get(key);
    if (!known) frames.set(key, (known = frameOf(fn, constants)));
    return known;
  };
  for (const { root, total, path } of paths) {
    if (total <= STACK_LIMIT) continue;
    // Report where the running sum crosses the limit, or at the last function of this file before it.
    let running = 0;
    let crossing = path.length - 1;
    for (let i = 0; i < path.length; i++) {
      running += frame(path[i]).bytes;
      if (running > STACK_LIMIT) {
        crossing = i;
        break;
      }
    }
    let at = -1;
    for (let i = crossing; i >= 0; i--) if (path[i].file === file) { at = i; break; }
    if (at < 0) continue;
    const fn = path[at];
    const parts = path.map((f) => `${f.name} ${frame(f).bytes}`).join(' → ');
    const largest = path.map((f) => ({ f, l: frame(f).largest })).filter((x) => x.l).sort((a, b) => b.l!.bytes - a.l!.bytes)[0];
    const unknown = path.flatMap((f) => frame(f).unknown.map((u) => `${u} in ${f.name}`));
    const related: RelatedInformation[] = [];
    for (let i = 1; i <= at; i++) {
      const caller = path[i - 1];
      const site = caller.calls.find((c) => c.callee === path[i].name);
      if (site) related.push({ location: { file: caller.file, range: site.range }, message: `${path[i].name} is called from ${caller.name} here` });
    }
    const message =
      `Stack use along the deepest call chain from ${root.name} is at least ${total} bytes (${parts}), over BPF's ${STACK_LIMIT}-byte limit` +
      (largest ? `; the largest local is \`${largest.l!.name}\` (${largest.l!.bytes} bytes) in ${largest.f.name}()` : '') +
      (unknown.length ? `; sizes not known and not counted: ${unknown.join(', ')}` : '') +
      '. Move large buffers to a per-CPU array map, or the path falls back to userspace.';
    sink.add({ file, range: fn.nameRange, severity: defaultSeverity('stack-size'), code: 'stack-size', message, ...(related.length ? { related } : {}), data: { fixes: [] } });
  }
}
