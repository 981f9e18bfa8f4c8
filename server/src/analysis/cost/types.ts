// Plain-data inputs and outputs of the cost model. A slice describes each request path with
// these shapes; nothing here refers to syntax trees or to the editor.
import type { ProgramType } from '../rules/definitions';
import type { CostParameters, ParameterName } from './parameters';

export type Hook = ProgramType;

export type MapKind = 'array' | 'percpu_array' | 'hash' | 'percpu_hash' | 'lru_hash' | 'lru_percpu_hash';

/** Number of operations per request, by map kind. */
export type MapCounts = Partial<Record<MapKind, number>>;

/** Work done by the kernel half for one request. */
export interface KernelWork {
  /** BPF instructions executed (estimated from the slice), not counting copies priced by bytesCopied. */
  instructions: number;
  mapLookups?: MapCounts;
  mapUpdates?: MapCounts;
  /** Bytes copied by the program (into a map value, a reply buffer...). */
  bytesCopied?: number;
  /** Bytes a checksum is recomputed over when the reply is rewritten. */
  checksumBytes?: number;
  /** bpf_xdp_adjust_tail called to resize the packet into the reply. */
  adjustTail?: boolean;
  tailCalls?: number;
}

export interface UserspaceWork {
  /** The handler's own work in ns, excluding syscalls (estimated or profiled). */
  handlerNs: number;
  /** Where handlerNs came from, e.g. "profiled: perf, 2.1 µs/request" or "static estimate: 40 statements". */
  handlerSource?: string;
  /**
   * After the split only: accesses from userspace to state that moved into maps (not paid by the
   * original server, which kept the state in its own memory). Hash maps are reached through the
   * bpf syscall; array maps too, unless CostInput.arrayStateAccess is 'mmap' (the default).
   */
  mapSyscalls?: { array?: number; hash?: number };
}

export interface CostPath {
  id: string;
  description: string;
  /** Probability of this path among all requests (0..1). */
  share: number;
  /** Where the request finishes after the split. */
  endsIn: 'kernel' | 'userspace';
  /** For paths that end in the kernel: everything the kernel half does. */
  kernelWork?: KernelWork;
  /** For paths that end in the kernel: 'tx' when a reply is sent back (default), 'drop' when none is. */
  reply?: 'tx' | 'drop';
  /** What userspace does for this request in the original server (and, for fallback paths, after the split). */
  userspaceWork: UserspaceWork;
  /** For paths that end in userspace: kernel work done before handing the packet over (wasted). */
  fallbackAfterKernelWork?: KernelWork;
  /**
   * For any path: the least kernel work that recognises this path and hands it over, when the
   * slicer knows it. Lets the verdict say "hand over earlier" with numbers.
   */
  earliestFallbackWork?: KernelWork;
}

export type ShareSource =
  | { kind: 'profile'; tool: 'gcov' | 'llvm-cov'; profile: string; requests: number }
  | { kind: 'static'; heuristic: string }
  | { kind: 'given'; note: string };

export interface CostInput {
  hook: Hook;
  paths: CostPath[];
  shareSource: ShareSource;
  /**
   * True when requests queue up so the server thread rarely sleeps: the wake-up is then not
   * paid per request. Default false (every request wakes the server).
   */
  serverBusy?: boolean;
  /** Defaults to DEFAULT_PARAMETERS; pass applyCalibration(...).parameters to use a calibration. */
  parameters?: CostParameters;
  /**
   * How the userspace half reaches state moved into an array map. 'mmap' (default): the array is
   * created with BPF_F_MMAPABLE and mapped into the process, as the generated loader does, so an
   * access is a memory access like the original's and costs nothing extra. 'syscall': every
   * access is a bpf() syscall (userMapAccessArray).
   */
  arrayStateAccess?: 'mmap' | 'syscall';
}

/** One addend of a cost, with the parameter it used and that parameter's source. */
export interface CostTerm {
  name: string;
  ns: number;
  /** How many times the parameter was paid (instructions, bytes, lookups). */
  quantity?: number;
  parameter?: ParameterName;
  source: string;
}

export interface PathCost {
  id: string;
  description: string;
  share: number;
  endsIn: 'kernel' | 'userspace';
  /** What the original (unsplit) server spends on this request. */
  userspaceNs: number;
  /** What the split server spends on this request. */
  splitNs: number;
  /** userspaceNs − splitNs: negative when the split loses on this path. */
  savingNs: number;
  /** Kernel work paid and thrown away on a fallback path (hook entry included); 0 on kernel paths. */
  wastedNs: number;
  userspaceTerms: CostTerm[];
  splitTerms: CostTerm[];
}

export type VerdictKind = 'offload' | 'offload-some' | 'dont-offload';

export interface Verdict {
  kind: VerdictKind;
  /** One line a person can read. */
  reason: string;
  /** Paths to finish in the kernel under the advised plan. */
  offloadPaths: string[];
  /** Paths that end in the kernel now but cost more there than in userspace. */
  keepInUserspace: string[];
  /** Fallback paths whose kernel half should hand the packet over earlier (earliestFallbackWork). */
  handOverEarlier: string[];
  /** Expected saving per request under the advised plan. */
  advisedSavingNs: number;
}

export interface UsedParameter {
  name: ParameterName;
  ns: number;
  source: string;
  measured: boolean;
}

export interface CostEstimate {
  hook: Hook;
  paths: PathCost[];
  expectedUserspaceNs: number;
  expectedSplitNs: number;
  expectedSavingNs: number;
  /** expectedSavingNs / expectedUserspaceNs. */
  relativeSaving: number;
  /** ω: share of requests that finish in the kernel. */
  kernelShare: number;
  /** ρ: the kernel half's expected cost per request as a fraction of the userspace cost per request. */
  rho: number;
  /**
   * The share of requests that must finish in the kernel for the split to pay, with the mix
   * inside the kernel paths and inside the fallback paths kept as it is; null when no share does.
   */
  breakEvenShare: number | null;
  breakEvenExplanation: string;
  verdict: Verdict;
  shareSource: ShareSource;
  /** Where the shares came from, in words ("profile ...: 1,000 requests" or "no profile: static heuristic ..."). */
  shareNote: string;
  /** Every parameter some term used, with its source. */
  parametersUsed: UsedParameter[];
  notes: string[];
}
