// Glue from slices to the cost model: each path of an entry becomes a CostPath (kernel work
// from the statements on it, map accesses for the state it touches, copies, reply rewrite;
// userspace work from a static estimate), weighted by a profile's counts when one is given and
// by static heuristics otherwise, and priced by the model. Every number says where it came from.
import type { RequestEntry } from './entries';
import type { EntrySlices, SlicePath, WorkEstimate } from './slices';
import {
  CostInputError,
  DEFAULT_PARAMETERS,
  estimateCost,
  staticShares,
  type CostEstimate,
  type CostInput,
  type CostParameters,
  type CostPath,
  type Hook,
  type KernelWork,
  type ShareSource,
} from './cost';
import { pathSharesFromProfile, type Profile } from './profiles';

/** ns per userspace instruction: one instruction per cycle at 3 GHz, a round figure for handler code. */
export const USERSPACE_NS_PER_INSTRUCTION = 0.33;
/** Rough userspace costs of library calls the handler makes (ns per call), beyond plain instructions. */
export const LIBRARY_CALL_NS: Record<string, number> = {
  fprintf: 1500, // a write(2) to stderr per call when unbuffered
  printf: 1500,
  perror: 1500,
  syslog: 2000,
  malloc: 20,
  calloc: 30,
  free: 15,
  snprintf: 150,
  sprintf: 150,
  clock_gettime: 25,
  time: 5,
  inet_ntop: 60,
};
const DEFAULT_LIBRARY_CALL_NS = 10;
/** UDP header bytes: the reply checksum covers them as well as the payload. */
const UDP_HEADER_BYTES = 8;

export interface OffloadOptions {
  /** A coverage profile of the server under load (parseProfile); without it static heuristics weigh the paths. */
  profile?: Profile;
  /** Model parameters (applyCalibration(...).parameters for a calibrated machine); defaults otherwise. */
  parameters?: CostParameters;
  /** Hook to price; by default XDP for UDP entries and SK_SKB for TCP ones. */
  hook?: Hook;
  serverBusy?: boolean;
}

export interface PathOrigin {
  id: string;
  share: number;
  /** Requests the profile counted on this path (profile shares only). */
  count?: number;
  /** Where each input number of this path came from. */
  kernelWork: string;
  userspaceWork: string;
}

export interface OffloadEstimate {
  entryId: string;
  entryName: string;
  hook: Hook;
  hookReason: string;
  /** Exactly what was given to the cost model. */
  input: CostInput;
  /** The model's answer: per path, expected, break-even, verdict; undefined when it refused the input. */
  estimate?: CostEstimate;
  error?: string;
  shareSource: ShareSource;
  /** Profile only: requests it saw for the entry and the share no path explains. */
  profile?: { origin: string; tool: string; requests: number; unaccountedShare: number };
  paths: PathOrigin[];
  notes: string[];
  /** One line for a code lens. */
  summary: string;
}

function hookFor(entry: RequestEntry | undefined, options: OffloadOptions): { hook: Hook; reason: string } {
  if (options.hook) return { hook: options.hook, reason: `${options.hook} as configured` };
  if (entry?.protocol === 'tcp') return { hook: 'sk_skb', reason: 'TCP entry: sk_skb sees the stream after the receive stack' };
  if (entry?.protocol === 'udp') return { hook: 'xdp', reason: 'UDP entry: XDP answers datagrams before the network stack' };
  return { hook: 'xdp', reason: 'protocol not known: XDP assumed' };
}

function handlerCost(work: WorkEstimate): { ns: number; source: string } {
  const library = work.libraryCalls.map((name) => ({ name, ns: LIBRARY_CALL_NS[name] ?? DEFAULT_LIBRARY_CALL_NS }));
  const ns = work.instructions * USERSPACE_NS_PER_INSTRUCTION + library.reduce((sum, l) => sum + l.ns, 0);
  const calls = library.length ? ` + library calls (${library.map((l) => `${l.name} ${l.ns} ns`).join(', ')}, once each)` : '';
  return {
    ns,
    source: `static estimate: ${work.instructions} instructions × ${USERSPACE_NS_PER_INSTRUCTION} ns${calls} — no userspace profile of time`,
  };
}

function kernelWorkOf(work: WorkEstimate, path: SlicePath, hook: Hook): KernelWork {
  const kernel: KernelWork = { instructions: work.instructions };
  // Each global or static the path touches becomes one map; the C code indexes it itself, so an array map.
  if (work.stateAccesses > 0) kernel.mapLookups = { array: work.stateAccesses };
  if (work.bytesCopied > 0) kernel.bytesCopied = work.bytesCopied;
  if (hook === 'xdp' && path.end.kind === 'reply') {
    kernel.checksumBytes = work.bytesCopied + UDP_HEADER_BYTES;
    if (path.reply?.buffer && path.reply.buffer !== path.packetBuffer) kernel.adjustTail = true;
  }
  return kernel;
}

const describeWork = (w: WorkEstimate) =>
  `static estimate from the slice: ${w.statements} statements, ${w.instructions} BPF instructions, ${w.bytesCopied} bytes copied, ${w.stateAccesses} state accesses (each an array-map lookup)`;

/** The cost model's input for one entry's slices, with where each number came from. */
export function costInputFor(slices: EntrySlices, entry: RequestEntry | undefined, options: OffloadOptions = {}) {
  const { hook, reason } = hookFor(entry, options);
  const notes: string[] = [];
  let shareSource: ShareSource;
  let shares = new Map<string, number>();
  const counts = new Map<string, number>();
  let profileInfo: OffloadEstimate['profile'];
  const fromProfile = options.profile
    ? pathSharesFromProfile(options.profile, { file: slices.file, functionName: slices.function, paths: slices.paths.map((p) => ({ id: p.id, lines: p.witnessLines })) })
    : undefined;
  if (fromProfile && fromProfile.requests > 0 && fromProfile.shares.some((s) => s.share > 0)) {
    for (const s of fromProfile.shares) {
      shares.set(s.id, s.share);
      counts.set(s.id, s.count);
    }
    shareSource = fromProfile.source;
    profileInfo = { origin: options.profile!.origin, tool: options.profile!.tool, requests: fromProfile.requests, unaccountedShare: fromProfile.unaccountedShare };
    notes.push(...fromProfile.notes);
  } else {
    if (options.profile) notes.push(`the profile ${options.profile.origin} has no counts for ${slices.function} in ${slices.file}: static heuristics used instead`);
    const fallback = staticShares(slices.paths.map((p) => ({ id: p.id, isErrorPath: p.isErrorPath })));
    shares = fallback.shares;
    shareSource = fallback.source;
  }
  if (slices.capped) notes.push(`only the first ${slices.maxPaths} paths were enumerated; the shares cover those`);

  const kernelState = new Set(slices.paths.filter((p) => p.endsIn === 'kernel').flatMap((p) => p.state.map((s) => s.name)));
  const origins: PathOrigin[] = [];
  const paths: CostPath[] = slices.paths.map((path) => {
    const handler = handlerCost(path.work);
    const moved = path.state.filter((s) => kernelState.has(s.name)).length;
    const cost: CostPath = {
      id: path.id,
      description: path.description,
      share: shares.get(path.id) ?? 0,
      endsIn: path.endsIn,
      reply: path.end.kind === 'reply' ? 'tx' : 'drop',
      userspaceWork: { handlerNs: handler.ns, handlerSource: handler.source, ...(path.endsIn === 'userspace' && moved ? { mapSyscalls: { array: moved } } : {}) },
    };
    let kernelSource = describeWork(path.work);
    if (path.endsIn === 'kernel') cost.kernelWork = kernelWorkOf(path.work, path, hook);
    else {
      // The split hands over at the earliest point, so only the work before it is wasted.
      const wasted = path.handover?.wasted ?? path.workBeforeFallback ?? path.work;
      cost.fallbackAfterKernelWork = kernelWorkOf(wasted, { ...path, end: { ...path.end, kind: 'drop' } }, hook);
      cost.earliestFallbackWork = cost.fallbackAfterKernelWork;
      kernelSource = `wasted before the hand-over ${path.handover?.description ?? ''}: ${describeWork(wasted)}`;
      if (path.workBeforeFallback) kernelSource += `; handing over at the fallback point instead would waste ${path.workBeforeFallback.instructions} instructions`;
    }
    const count = counts.get(path.id);
    origins.push({ id: path.id, share: cost.share, ...(count !== undefined ? { count } : {}), kernelWork: kernelSource, userspaceWork: handler.source });
    return cost;
  });
  const input: CostInput = { hook, paths, shareSource, parameters: options.parameters ?? DEFAULT_PARAMETERS, ...(options.serverBusy ? { serverBusy: true } : {}) };
  return { input, hook, hookReason: reason, origins, notes, profile: profileInfo };
}

/** Cost estimates for every sliced entry of a file analysis. */
export function analyzeOffload(
  analysis: { entries: RequestEntry[]; slices: EntrySlices[] },
  options: OffloadOptions = {},
): OffloadEstimate[] {
  return analysis.slices.map((slices) => {
    const entry = analysis.entries.find((e) => e.id === slices.entryId);
    const prepared = costInputFor(slices, entry, options);
    const result: OffloadEstimate = {
      entryId: slices.entryId,
      entryName: entry?.name ?? slices.function,
      hook: prepared.hook,
      hookReason: prepared.hookReason,
      input: prepared.input,
      shareSource: prepared.input.shareSource,
      paths: prepared.origins,
      notes: [...prepared.notes, ...slices.notes],
      summary: '',
    };
    if (prepared.profile) result.profile = prepared.profile;
    if (slices.paths.length === 0) {
      result.error = 'no request path was found to estimate';
    } else {
      try {
        result.estimate = estimateCost(prepared.input);
      } catch (error) {
        if (!(error instanceof CostInputError)) throw error;
        result.error = error.message;
      }
    }
    result.summary = offloadSummary(slices, result);
    return result;
  });
}

export function offloadSummary(slices: EntrySlices, result: OffloadEstimate): string {
  const kernel = slices.paths.filter((p) => p.endsIn === 'kernel').length;
  const paths = `${kernel} of ${slices.paths.length}${slices.capped ? '+' : ''} paths can finish in the kernel`;
  if (!result.estimate) return `${paths}; no estimate (${result.error ?? 'unknown reason'})`;
  const e = result.estimate;
  const verdict = e.verdict.kind === 'offload' ? 'offload' : e.verdict.kind === 'offload-some' ? 'offload some paths' : "don't offload";
  const shares = e.shareSource.kind === 'profile' ? 'profiled mix' : 'static mix';
  return `${paths}; ${verdict} (${result.hook}): ${Math.round(e.expectedSavingNs)} ns saved per request, ${Math.round(e.kernelShare * 100)}% in kernel (${shares})`;
}
