// Nanoseconds of CPU per request, per path and expected over the mix of paths: the original
// userspace server against the split one (kernel half + userspace fallback). The equations are
// spelled out in docs/cost-model.md.
import { DEFAULT_PARAMETERS, type CostParameters, type ParameterName } from './parameters';
import type {
  CostEstimate,
  CostInput,
  CostPath,
  CostTerm,
  Hook,
  KernelWork,
  MapCounts,
  MapKind,
  PathCost,
  ShareSource,
  UsedParameter,
} from './types';
import { decideVerdict } from './verdict';
import { groupedThousands } from '../numberText';

export class CostInputError extends Error {}

const LOOKUP_PARAMETER: Record<MapKind, ParameterName> = {
  array: 'mapLookupArray',
  percpu_array: 'mapLookupArray',
  hash: 'mapLookupHash',
  percpu_hash: 'mapLookupHash',
  lru_hash: 'mapLookupLruHash',
  lru_percpu_hash: 'mapLookupLruHash',
};

const UPDATE_PARAMETER: Record<MapKind, ParameterName> = {
  array: 'mapUpdateArray',
  percpu_array: 'mapUpdateArray',
  hash: 'mapUpdateHash',
  percpu_hash: 'mapUpdateHash',
  lru_hash: 'mapUpdateLruHash',
  lru_percpu_hash: 'mapUpdateLruHash',
};

const HOOK_ENTRY: Record<Hook, ParameterName> = {
  xdp: 'hookEntryXdp',
  sk_skb: 'hookEntrySkSkb',
  sk_msg: 'hookEntrySkMsg',
};

/**
 * The hook entry a request pays. A request handed over to a busy server pays XDP's busy figure:
 * on veth what a passing program adds depends on how loaded the receiving server is (measured
 * separately by the calibration); the other hooks have one figure.
 */
function hookEntryParameter(hook: Hook, endsIn: 'kernel' | 'userspace', serverBusy: boolean): ParameterName {
  return hook === 'xdp' && endsIn === 'userspace' && serverBusy ? 'hookEntryXdpBusy' : HOOK_ENTRY[hook];
}

// A calibrated reply cost (calibrateVeth.ts) is what is left of the userspace cost U₀ once the
// measured saving, the hook and the program are taken off, and the calibration's U₀ charges the
// wake-up. A busy server's U₀ does not, so the reply cost must not carry it either: otherwise
// the wake-up would be taken off the saving twice.
const CALIBRATED_REPLY: Partial<Record<Hook, ParameterName>> = { xdp: 'xdpTransmit', sk_skb: 'skSkbRedirect' };

// Userspace-path costs a request still pays before the hook runs, so finishing in the kernel
// does not save them. XDP runs in the driver, before the stack. SK_SKB runs once the receive
// stack has delivered to the socket. SK_MSG runs on sendmsg: the request was already received
// by userspace and the reply handed to a send call, so only the handler's work can move.
const PAID_BEFORE_HOOK: Record<Hook, ParameterName[]> = {
  xdp: [],
  sk_skb: ['stackTraversal'],
  sk_msg: ['stackTraversal', 'recvSyscall', 'wakeup', 'sendSyscall'],
};

const USERSPACE_STEPS: { parameter: ParameterName; name: string }[] = [
  { parameter: 'stackTraversal', name: 'receive stack, driver → socket' },
  { parameter: 'wakeup', name: 'wake-up of the server thread' },
  { parameter: 'recvSyscall', name: 'receive syscall' },
  { parameter: 'sendSyscall', name: 'send syscall' },
];

class TermList {
  readonly terms: CostTerm[] = [];
  constructor(
    private readonly parameters: CostParameters,
    private readonly used: Set<ParameterName>,
  ) {}

  add(parameter: ParameterName, name: string, quantity = 1): void {
    if (quantity === 0) return;
    const p = this.parameters[parameter];
    this.used.add(parameter);
    this.terms.push({ name, ns: p.ns * quantity, quantity, parameter, source: p.source });
  }

  addRaw(term: CostTerm): void {
    this.terms.push(term);
  }

  addAll(other: CostTerm[]): void {
    this.terms.push(...other);
  }

  total(): number {
    return this.terms.reduce((sum, t) => sum + t.ns, 0);
  }
}

function checkCount(value: number | undefined, what: string, pathId: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CostInputError(`path "${pathId}": ${what} must be a finite number >= 0 (got ${String(value)})`);
  }
  return value;
}

function addMapOps(list: TermList, counts: MapCounts | undefined, table: Record<MapKind, ParameterName>, verb: string, pathId: string): void {
  for (const [kind, count] of Object.entries(counts ?? {})) {
    const parameter = table[kind as MapKind];
    if (!parameter) throw new CostInputError(`path "${pathId}": unknown map kind "${kind}"`);
    const n = checkCount(count, `${verb} count for ${kind}`, pathId);
    list.add(parameter, `${verb} (${kind} map) × ${n}`, n);
  }
}

/** Terms for work the kernel half does; hook entry and reply transmission are added by the caller. */
function kernelWorkTerms(work: KernelWork, list: TermList, pathId: string, label: string): void {
  const insns = checkCount(work.instructions, 'instructions', pathId);
  list.add('bpfInstruction', `${label}: ${insns} BPF instructions`, insns);
  addMapOps(list, work.mapLookups, LOOKUP_PARAMETER, `${label}: map lookup`, pathId);
  addMapOps(list, work.mapUpdates, UPDATE_PARAMETER, `${label}: map update`, pathId);
  const copied = checkCount(work.bytesCopied, 'bytesCopied', pathId);
  list.add('bpfCopyPerByte', `${label}: copy of ${copied} bytes`, copied);
  const summed = checkCount(work.checksumBytes, 'checksumBytes', pathId);
  list.add('checksumPerByte', `${label}: checksum over ${summed} bytes`, summed);
  if (work.adjustTail) list.add('adjustTail', `${label}: bpf_xdp_adjust_tail`);
  const tailCalls = checkCount(work.tailCalls, 'tailCalls', pathId);
  list.add('tailCall', `${label}: tail call × ${tailCalls}`, tailCalls);
}

function userspaceTerms(path: CostPath, parameters: CostParameters, used: Set<ParameterName>, serverBusy: boolean): CostTerm[] {
  const list = new TermList(parameters, used);
  for (const step of USERSPACE_STEPS) if (!(serverBusy && step.parameter === 'wakeup')) list.add(step.parameter, step.name);
  const handler = checkCount(path.userspaceWork?.handlerNs, 'userspaceWork.handlerNs', path.id);
  list.addRaw({ name: 'handler work', ns: handler, source: path.userspaceWork?.handlerSource ?? 'given by the caller (no source stated)' });
  return list.terms;
}

interface PathContext {
  hook: Hook;
  parameters: CostParameters;
  used: Set<ParameterName>;
  notes: Set<string>;
  serverBusy: boolean;
  arrayStateAccess: 'mmap' | 'syscall';
}

function costPath(path: CostPath, context: PathContext): PathCost {
  const { hook, parameters, used, notes, serverBusy } = context;
  const original = userspaceTerms(path, parameters, used, serverBusy);
  const userspaceNs = original.reduce((sum, t) => sum + t.ns, 0);
  const split = new TermList(parameters, used);
  const hookEntry = hookEntryParameter(hook, path.endsIn, serverBusy);
  split.add(hookEntry, `${hook} hook entry${hookEntry === 'hookEntryXdpBusy' ? ' (request handed over to a busy server)' : ''}`);
  let wastedNs = 0;
  if (path.endsIn === 'kernel') {
    for (const parameter of PAID_BEFORE_HOOK[hook]) {
      if (serverBusy && parameter === 'wakeup') continue;
      split.add(parameter, `${USERSPACE_STEPS.find((s) => s.parameter === parameter)?.name} (paid before the ${hook} hook runs)`);
    }
    kernelWorkTerms(path.kernelWork ?? { instructions: 0 }, split, path.id, 'kernel half');
    if ((path.reply ?? 'tx') === 'tx') {
      if (hook === 'xdp') split.add('xdpTransmit', 'reply sent with XDP_TX');
      else if (hook === 'sk_skb' && parameters.skSkbRedirect.measured) split.add('skSkbRedirect', 'reply sent with bpf_sk_redirect');
      else notes.add(`the cost of sending the reply from ${hook} (redirect) is not modelled${hook === 'sk_skb' ? ' (no published figure; calibrate to measure it)' : ''}`);
      const reply = CALIBRATED_REPLY[hook];
      if (serverBusy && reply && split.terms.some((t) => t.parameter === reply) && parameters[reply].measured) {
        split.add('wakeup', `wake-up inside the calibrated ${reply}, which a busy server does not pay`, -1);
      }
    }
    if (!path.kernelWork) notes.add(`path "${path.id}" ends in the kernel but has no kernelWork: priced as hook entry only`);
  } else {
    kernelWorkTerms(path.fallbackAfterKernelWork ?? { instructions: 0 }, split, path.id, 'wasted kernel work before hand-over');
    wastedNs = split.total();
    split.addAll(original);
    const maps = path.userspaceWork?.mapSyscalls;
    const arrays = checkCount(maps?.array, 'mapSyscalls.array', path.id);
    const hashes = checkCount(maps?.hash, 'mapSyscalls.hash', path.id);
    if (context.arrayStateAccess === 'syscall') split.add('userMapAccessArray', `state now in an array map, read from userspace × ${arrays}`, arrays);
    else if (arrays > 0) notes.add('state moved into an array map is mapped into the userspace half (BPF_F_MMAPABLE): its accesses there are memory accesses, no bpf syscall is charged');
    split.add('userMapAccessHash', `state now in a hash map, read from userspace × ${hashes}`, hashes);
  }
  const splitNs = split.total();
  return {
    id: path.id,
    description: path.description,
    share: path.share,
    endsIn: path.endsIn,
    userspaceNs,
    splitNs,
    savingNs: userspaceNs - splitNs,
    wastedNs,
    userspaceTerms: original,
    splitTerms: split.terms,
  };
}

/** Shares must be probabilities; a mix that does not sum to 1 is rescaled and a note says so. */
function normalisedShares(paths: CostPath[], notes: Set<string>): number[] {
  const shares = paths.map((p) => {
    if (typeof p.share !== 'number' || !Number.isFinite(p.share) || p.share < 0) {
      throw new CostInputError(`path "${p.id}": share must be a finite number >= 0 (got ${String(p.share)})`);
    }
    return p.share;
  });
  const sum = shares.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new CostInputError('the shares of the paths sum to 0: at least one path must carry requests');
  if (Math.abs(sum - 1) > 1e-6) {
    notes.add(`the path shares summed to ${sum.toFixed(4)}; they were rescaled to sum to 1`);
    return shares.map((s) => s / sum);
  }
  return shares;
}

export function describeShareSource(source: ShareSource): string {
  switch (source.kind) {
    case 'profile':
      return `from the ${source.tool} profile ${source.profile}, which covered ${groupedThousands(source.requests)} requests`;
    case 'static':
      return `no profile: static heuristic (${source.heuristic})`;
    case 'given':
      return `given: ${source.note}`;
  }
}

/** The cost of every path and of the expected request, the break-even share and a verdict. */
export function estimateCost(input: CostInput): CostEstimate {
  const parameters = input.parameters ?? DEFAULT_PARAMETERS;
  if (!input.paths || input.paths.length === 0) throw new CostInputError('no paths to estimate');
  if (!(input.hook in HOOK_ENTRY)) throw new CostInputError(`unknown hook "${String(input.hook)}" (expected xdp, sk_skb or sk_msg)`);
  const seen = new Set<string>();
  for (const p of input.paths) {
    if (seen.has(p.id)) throw new CostInputError(`two paths have the id "${p.id}"`);
    seen.add(p.id);
    if (p.endsIn !== 'kernel' && p.endsIn !== 'userspace') throw new CostInputError(`path "${p.id}": endsIn must be 'kernel' or 'userspace'`);
  }
  const notes = new Set<string>();
  const used = new Set<ParameterName>();
  const shares = normalisedShares(input.paths, notes);
  const serverBusy = input.serverBusy === true;
  if (serverBusy) notes.add('busy server: requests queue up, so no wake-up is charged per request');
  const context: PathContext = { hook: input.hook, parameters, used, notes, serverBusy, arrayStateAccess: input.arrayStateAccess ?? 'mmap' };
  const paths = input.paths.map((p, i) => costPath({ ...p, share: shares[i] }, context));

  const expect = (f: (p: PathCost) => number) => paths.reduce((sum, p) => sum + p.share * f(p), 0);
  const expectedUserspaceNs = expect((p) => p.userspaceNs);
  const expectedSplitNs = expect((p) => p.splitNs);
  const expectedSavingNs = expectedUserspaceNs - expectedSplitNs;
  const kernelShare = paths.filter((p) => p.endsIn === 'kernel').reduce((sum, p) => sum + p.share, 0);
  // ρ counts what the kernel half costs every request: the whole split cost on kernel paths,
  // the wasted part on fallback paths.
  const kernelCost = expect((p) => (p.endsIn === 'kernel' ? p.splitNs : p.wastedNs));
  const rho = expectedUserspaceNs > 0 ? kernelCost / expectedUserspaceNs : Infinity;
  // What a request pays for the hook when it is handed over: the break-even's assumed miss and
  // the verdict's "hand over earlier" comparison are about fallbacks.
  const hookNs = parameters[hookEntryParameter(input.hook, 'userspace', serverBusy)].ns;
  const { breakEvenShare, breakEvenExplanation } = breakEven(paths, hookNs);
  const workNs = (work: KernelWork | undefined, pathId: string) => {
    const list = new TermList(parameters, new Set());
    if (work) kernelWorkTerms(work, list, pathId, 'hand-over');
    return list.total();
  };
  const verdict = decideVerdict({ input: input.paths, paths, hookEntryNs: hookNs, workNs, expectedSavingNs, kernelShare, breakEvenShare, breakEvenExplanation });

  const parametersUsed: UsedParameter[] = [...used].map((name) => ({
    name,
    ns: parameters[name].ns,
    source: parameters[name].source,
    measured: parameters[name].measured === true,
  }));
  return {
    hook: input.hook,
    paths,
    expectedUserspaceNs,
    expectedSplitNs,
    expectedSavingNs,
    relativeSaving: expectedUserspaceNs > 0 ? expectedSavingNs / expectedUserspaceNs : 0,
    kernelShare,
    rho,
    breakEvenShare,
    breakEvenExplanation,
    verdict,
    shareSource: input.shareSource,
    shareNote: describeShareSource(input.shareSource),
    parametersUsed,
    notes: [...notes],
  };
}

/**
 * Expected saving as a function of ω, the share finishing in the kernel, with each group's
 * internal mix fixed: S(ω) = ω·s_K + (1 − ω)·s_F, where s_K and s_F are the mean savings of
 * kernel and fallback paths. S(ω*) = 0 gives ω* = −s_F / (s_K − s_F). When every fallback
 * pays the kernel half's full cost k and saves nothing else, and every kernel path saves its
 * whole userspace cost C minus k, this is ω* = k / C = ρ: the ω > ρ rule of Demystifying §3.2.
 */
export function breakEven(paths: PathCost[], hookEntryNs: number): { breakEvenShare: number | null; breakEvenExplanation: string } {
  const mean = (group: PathCost[]) => {
    const weight = group.reduce((s, p) => s + p.share, 0);
    if (group.length === 0) return undefined;
    // A group with no requests still has a per-request saving: weigh its paths equally.
    return weight > 0 ? group.reduce((s, p) => s + p.share * p.savingNs, 0) / weight : group.reduce((s, p) => s + p.savingNs, 0) / group.length;
  };
  const kernel = paths.filter((p) => p.endsIn === 'kernel');
  const fallback = paths.filter((p) => p.endsIn === 'userspace');
  const sK = mean(kernel);
  // With no fallback path described, a miss is assumed to pay the hook entry and nothing more.
  const sF = mean(fallback) ?? -hookEntryNs;
  const fmt = (ns: number) => `${groupedThousands(Math.round(Math.abs(ns)))} ns`;
  if (sK === undefined) return { breakEvenShare: null, breakEvenExplanation: 'no path finishes in the kernel, so no share of requests makes the split pay' };
  if (sK <= 0) {
    return { breakEvenShare: null, breakEvenExplanation: `a request that finishes in the kernel costs ${fmt(sK)} more than in userspace, so no share of requests makes the split pay` };
  }
  if (sF >= 0) return { breakEvenShare: 0, breakEvenExplanation: 'fallback requests lose nothing, so any share finishing in the kernel pays' };
  const share = -sF / (sK - sF);
  return {
    breakEvenShare: share,
    breakEvenExplanation: `each request finished in the kernel saves ${fmt(sK)} and each fallback wastes ${fmt(sF)}, so more than ${(share * 100).toFixed(1)}% of requests must finish in the kernel`,
  };
}
