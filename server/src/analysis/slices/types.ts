// Plain data describing the request paths of one entry, from the receive to a reply or a drop.
import type { Range } from '../model';

/** Static estimate of the work a stretch of code does, callees included. */
export interface WorkEstimate {
  /** Statements and conditions evaluated (the path's own, plus those of called functions). */
  statements: number;
  /** Estimated BPF instructions (loops counted at an assumed trip count, see docs/entries-and-slices.md). */
  instructions: number;
  /** Bytes moved by memcpy/memmove/memset (unknown lengths priced at a fixed guess). */
  bytesCopied: number;
  /** Reads and writes of globals and statics: each would be a map access. */
  stateAccesses: number;
  /** Library functions called (which the kernel half must replace or cannot run). */
  libraryCalls: string[];
}

export interface BranchDecision {
  /** The condition as written, or the switch's case label. */
  text: string;
  /** 'true'/'false' for conditions, the case label (or 'default') for switches. */
  outcome: string;
  range: Range;
  /** Set when the branch is inside a called function whose paths the request path runs through. */
  function?: string;
}

export interface StateAccess {
  /** The global's name; statics inside functions are `function::name`. */
  name: string;
  access: 'read' | 'write' | 'read-write';
  /** const globals become read-only maps or constants in the program. */
  isConst: boolean;
}

export interface FallbackPoint {
  file: string;
  /** Where the rule's Error diagnostic is, or the call the split hands over (code no-kernel-stand-in). */
  range: Range;
  code: string;
  message: string;
  /** When the diagnostic is inside a called function: the call on the path that leads there. */
  viaCall?: { callee: string; range: Range };
}

export interface HandoverPoint {
  /** The branch where this path leaves every path that can finish in the kernel. */
  range: Range;
  /** e.g. "when `s == NULL` holds" or "at the start of handle_request". */
  description: string;
  /** Index into `decisions` of the branch (-1 when the hand-over is at the start). */
  decisionIndex: number;
  /** Kernel work done before handing over: paid and thrown away, since userspace starts again. */
  wasted: WorkEstimate;
}

export interface SlicePath {
  /** Unique within the entry: P1, P2, … in enumeration order. */
  id: string;
  /** The branch conditions taken and how the path ends, e.g. `GET && !(s == NULL) → return 0`. */
  description: string;
  decisions: BranchDecision[];
  /** Source ranges the path covers in the analysed function (called functions excluded). */
  ranges: Range[];
  endsIn: 'kernel' | 'userspace';
  end: { kind: 'reply' | 'drop'; range: Range; detail: string };
  /** The buffer holding the packet in the analysed function (a parameter of the handler). */
  packetBuffer: string;
  /** The reply buffer and the statements on the path that write it. */
  reply?: { buffer?: string; builtBy: string[] };
  state: StateAccess[];
  /** Functions called on the path (defined ones and library ones), in order of first call. */
  calls: string[];
  /** Work of the whole path (what userspace does for this request, minus syscalls). */
  work: WorkEstimate;
  /** Paths ending in userspace: the first Error of the rules, or hand-over of the split, on the path. */
  fallback?: FallbackPoint;
  /** Paths ending in userspace: kernel work up to the fallback point (a naive split's waste). */
  workBeforeFallback?: WorkEstimate;
  /** Paths ending in userspace: the earliest point the kernel half can know it must hand over. */
  handover?: HandoverPoint;
  /** Error handling / malformed input / drop: weighted low by the static heuristic. */
  isErrorPath: boolean;
  /** 1-based lines that run once per request taking this path (for profile counts). */
  witnessLines: number[];
}

export interface EntrySlices {
  entryId: string;
  /** The function whose control flow the paths are enumerated over (the handler, or the loop function). */
  function: string;
  file: string;
  mode: 'handler' | 'inline';
  paths: SlicePath[];
  /** True when enumeration stopped at maxPaths; the paths listed are a subset. */
  capped: boolean;
  maxPaths: number;
  /** Union of the ranges of kernel paths and of the functions they call: the part to shade. */
  offloadableRegion: Range[];
  notes: string[];
}
