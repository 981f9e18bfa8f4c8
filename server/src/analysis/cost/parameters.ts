// The cost model's parameters: nanoseconds of CPU, each with where the number comes from.
// Published figures were measured on different hardware and kernels, so every source names
// both; a calibration file measured on the user's machine replaces them one by one.

export interface CostParameter {
  ns: number;
  /** Paper and table (or "measured on this machine: ..."), with the hardware named. */
  source: string;
  /** True when the value came from a calibration file rather than a published figure. */
  measured?: boolean;
}

export const PARAMETER_NAMES = [
  'recvSyscall',
  'sendSyscall',
  'stackTraversal',
  'wakeup',
  'hookEntryXdp',
  'hookEntryXdpBusy',
  'hookEntrySkSkb',
  'hookEntrySkMsg',
  'bpfInstruction',
  'mapLookupArray',
  'mapLookupHash',
  'mapLookupLruHash',
  'mapUpdateArray',
  'mapUpdateHash',
  'mapUpdateLruHash',
  'userMapAccessArray',
  'userMapAccessHash',
  'bpfCopyPerByte',
  'checksumPerByte',
  'adjustTail',
  'xdpTransmit',
  'skSkbRedirect',
  'tailCall',
] as const;

export type ParameterName = (typeof PARAMETER_NAMES)[number];

/**
 * Parameters a calibration may set below zero: a hook's measured entry cost on a virtual device.
 * Attaching a program changes how veth receives (its own NAPI ring instead of the backlog
 * queue), which can make a request that merely passes through cheaper than with no program.
 */
export const SIGNED_PARAMETERS: readonly ParameterName[] = ['hookEntryXdp', 'hookEntryXdpBusy', 'hookEntrySkSkb'];

export type CostParameters = Record<ParameterName, CostParameter>;

const XRP = "XRP (OSDI'22) Table 1, Intel i5-8500 3 GHz, Linux 5.8, KPTI off";
const DEMYSTIFYING = "\"Demystifying Performance of eBPF Network Applications\" (CoNEXT'25)";
const DEMYSTIFYING_HW = 'Xeon Silver 4310, Linux 6.8';
const XDP_PAPER = "XDP paper (CoNEXT'18), Xeon E5-1650 v4 3.6 GHz with a ConnectX-5 NIC";

// Derived defaults are computed from their inputs here so the arithmetic in the source
// strings and the numbers cannot drift apart.
const CROSSING_NS = 351;
const READ_LAYER_NS = 199;
const SYSCALL_NS = CROSSING_NS + READ_LAYER_NS;
const DRIVER_TO_USER_NS = 5738;
const SK_SKB_REACHED_NS = 1072;
const EBPF_MEMCPY_1K_NS = 340;
// clang 14 compiles a constant 1 KB __builtin_memcpy for BPF into 128 pairs of 8-byte load
// and store (checked with llvm-objdump), so the copy figure prices 256 instructions.
const MEMCPY_1K_INSNS = 256;
const XDP_CONTEXT_NS = 38;
const XDP_DROP_NS = 41.6;
const XDP_TX_NS = 59;

export const DEFAULT_PARAMETERS: CostParameters = {
  recvSyscall: {
    ns: SYSCALL_NS,
    source: `${XRP}: kernel crossing ${CROSSING_NS} ns + read() syscall layer ${READ_LAYER_NS} ns; recvfrom's socket layer assumed comparable to read()'s`,
  },
  sendSyscall: {
    ns: SYSCALL_NS,
    source: `${XRP}: kernel crossing ${CROSSING_NS} ns + syscall layer ${READ_LAYER_NS} ns (read() figure used for sendto, an assumption; the transmit stack below the socket is not included)`,
  },
  stackTraversal: {
    ns: SK_SKB_REACHED_NS,
    source: `${DEMYSTIFYING} Table 1, ${DEMYSTIFYING_HW}: the socket layer (SK_SKB) is reached ${SK_SKB_REACHED_NS} ns after the driver; latency of a path that runs without waiting, used as CPU time`,
  },
  wakeup: {
    ns: DRIVER_TO_USER_NS - SK_SKB_REACHED_NS - SYSCALL_NS,
    source: `${DEMYSTIFYING} Table 1, ${DEMYSTIFYING_HW}: driver → userspace UDP socket latency ${DRIVER_TO_USER_NS} ns minus the stack traversal (${SK_SKB_REACHED_NS} ns) minus the receive syscall (${SYSCALL_NS} ns, XRP); a latency remainder, so it overstates CPU time and does not apply to a busy server whose socket never empties`,
  },
  hookEntryXdp: { ns: XDP_CONTEXT_NS, source: `${DEMYSTIFYING} Table 1, ${DEMYSTIFYING_HW}: XDP context preparation ${XDP_CONTEXT_NS} ns` },
  // Charged instead of hookEntryXdp to a request that falls back to a busy server (serverBusy):
  // on veth, what a passing program adds depends on how loaded the receiving server is.
  hookEntryXdpBusy: {
    ns: XDP_CONTEXT_NS,
    source: `no published figure for a saturated server; the XDP context preparation of a native driver (${XDP_CONTEXT_NS} ns, ${DEMYSTIFYING} Table 1, ${DEMYSTIFYING_HW}) is used, as for one that sleeps, until \`bpf-offload calibrate\` measures it on a veth pair`,
  },
  hookEntrySkSkb: { ns: 1350, source: `${DEMYSTIFYING} Table 1, ${DEMYSTIFYING_HW}: SK_SKB context preparation 1,350 ns` },
  hookEntrySkMsg: {
    ns: 1350,
    source: `no published figure for SK_MSG; assumed equal to SK_SKB's 1,350 ns (${DEMYSTIFYING} Table 1, ${DEMYSTIFYING_HW}), both being socket-level hooks`,
  },
  bpfInstruction: {
    ns: EBPF_MEMCPY_1K_NS / MEMCPY_1K_INSNS,
    source: `derived from ${DEMYSTIFYING} Table 6, ${DEMYSTIFYING_HW}: 1 KB memcpy in eBPF ${EBPF_MEMCPY_1K_NS} ns ÷ ${MEMCPY_1K_INSNS} instructions (clang 14 emits 128 8-byte load/store pairs for it); memory instructions, so ALU-only code runs faster`,
  },
  mapLookupArray: { ns: 3.9, source: `${DEMYSTIFYING} Table 3, ${DEMYSTIFYING_HW}: array map lookup, 4-byte key, 3.9 ns` },
  mapLookupHash: { ns: 18.8, source: `${DEMYSTIFYING} Table 3, ${DEMYSTIFYING_HW}: hash map lookup, 4-byte key, 18.8 ns` },
  mapLookupLruHash: { ns: 19.2, source: `${DEMYSTIFYING} Table 3, ${DEMYSTIFYING_HW}: LRU hash map lookup, 4-byte key, 19.2 ns` },
  mapUpdateArray: {
    ns: 2 * 3.9,
    source: `no published figure; assumed twice the array lookup (3.9 ns, ${DEMYSTIFYING} Table 3, ${DEMYSTIFYING_HW}): an update finds the slot and then writes it`,
  },
  mapUpdateHash: {
    ns: 2 * 18.8,
    source: `no published figure; assumed twice the hash lookup (18.8 ns, ${DEMYSTIFYING} Table 3, ${DEMYSTIFYING_HW}): an update hashes, allocates and links an element`,
  },
  mapUpdateLruHash: {
    ns: 2 * 19.2,
    source: `no published figure; assumed twice the LRU hash lookup (19.2 ns, ${DEMYSTIFYING} Table 3, ${DEMYSTIFYING_HW})`,
  },
  userMapAccessArray: { ns: 485, source: `${DEMYSTIFYING} Table 4, ${DEMYSTIFYING_HW}: array map access from userspace (bpf syscall) 485 ns` },
  userMapAccessHash: { ns: 495, source: `${DEMYSTIFYING} Table 4, ${DEMYSTIFYING_HW}: hash map access from userspace (bpf syscall) 495 ns` },
  bpfCopyPerByte: {
    ns: EBPF_MEMCPY_1K_NS / 1024,
    source: `${DEMYSTIFYING} Table 6, ${DEMYSTIFYING_HW}: 1 KB memcpy in eBPF ${EBPF_MEMCPY_1K_NS} ns, per byte`,
  },
  checksumPerByte: {
    ns: EBPF_MEMCPY_1K_NS / 1024,
    source: `no published figure; assumed equal to the eBPF per-byte copy cost (${DEMYSTIFYING} Table 6): a checksum also reads every byte once`,
  },
  adjustTail: { ns: 22, source: `${DEMYSTIFYING} artifact (raw data), ${DEMYSTIFYING_HW}: bpf_xdp_adjust_tail ~22 ns` },
  xdpTransmit: {
    ns: Math.round((XDP_TX_NS - XDP_DROP_NS) * 10) / 10,
    source: `${XDP_PAPER}: XDP_TX ~${XDP_TX_NS} ns (16.9 Mpps) minus XDP_DROP ${XDP_DROP_NS} ns (24 Mpps) per packet on one core: the extra cost of sending the reply back out`,
  },
  skSkbRedirect: {
    ns: 0,
    source: 'no published figure for sending a reply from SK_SKB with bpf_sk_redirect; 0 (not priced) until `bpf-offload calibrate` measures it on a veth pair',
  },
  tailCall: { ns: 18, source: 'pchaigno blog 2021-03-22 (hardware as described there): a tail call costs ~3–18 ns depending on kernel version and Spectre mitigations; the upper end taken' },
};

// ---------------------------------------------------------------------------------------
// Calibration file: `.bpf-offload/calibration.json` in the workspace.

export const CALIBRATION_FILE_VERSION = 1;

export interface MachineInfo {
  hostname?: string;
  kernel?: string;
  cpuModel?: string;
  cpuCount?: number;
  arch?: string;
}

export interface CalibrationFile {
  version: number;
  machine: MachineInfo;
  /** ISO 8601 time of the measurement. */
  measuredAt: string;
  /** Values that replace defaults, by parameter name. */
  parameters: Partial<Record<ParameterName, CostParameter>>;
  /** Raw measurements that do not map onto one parameter, kept for the record. */
  measurements?: Record<string, { ns: number; source: string }>;
  /** What could not be measured and why (e.g. "XDP: not root"). */
  skipped?: string[];
  /** Filled when parsing: parameter names the model does not know (typos, newer versions). */
  ignoredParameters?: string[];
}

export class CalibrationFormatError extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks a calibration file's text; throws CalibrationFormatError saying what is wrong. */
export function parseCalibrationFile(text: string): CalibrationFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CalibrationFormatError(`calibration file is not JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(raw)) throw new CalibrationFormatError('calibration file must hold a JSON object');
  if (raw.version !== CALIBRATION_FILE_VERSION) {
    throw new CalibrationFormatError(`calibration file version ${String(raw.version)} is not supported (expected ${CALIBRATION_FILE_VERSION})`);
  }
  if (!isPlainObject(raw.parameters)) throw new CalibrationFormatError('calibration file has no "parameters" object');
  const parameters: Partial<Record<ParameterName, CostParameter>> = {};
  const ignoredParameters: string[] = [];
  for (const [name, value] of Object.entries(raw.parameters)) {
    const signed = (SIGNED_PARAMETERS as readonly string[]).includes(name);
    if (!isPlainObject(value) || typeof value.ns !== 'number' || !Number.isFinite(value.ns) || (value.ns < 0 && !signed)) {
      throw new CalibrationFormatError(`calibration parameter "${name}" must be {ns: number${signed ? '' : ' >= 0'}, source: string}`);
    }
    if (!(PARAMETER_NAMES as readonly string[]).includes(name)) {
      ignoredParameters.push(name);
      continue;
    }
    const source = typeof value.source === 'string' && value.source ? value.source : 'calibration file (no source given)';
    parameters[name as ParameterName] = { ns: value.ns, source, measured: true };
  }
  return {
    version: CALIBRATION_FILE_VERSION,
    machine: isPlainObject(raw.machine) ? (raw.machine as MachineInfo) : {},
    measuredAt: typeof raw.measuredAt === 'string' ? raw.measuredAt : '',
    parameters,
    measurements: isPlainObject(raw.measurements) ? (raw.measurements as CalibrationFile['measurements']) : undefined,
    skipped: Array.isArray(raw.skipped) ? raw.skipped.filter((s): s is string => typeof s === 'string') : undefined,
    ignoredParameters,
  };
}

/**
 * The defaults with every parameter the calibration measured replaced. Names in the file that
 * the model does not know are listed in `calibration.ignoredParameters`.
 */
export function applyCalibration(
  calibration: CalibrationFile,
  base: CostParameters = DEFAULT_PARAMETERS,
): { parameters: CostParameters; replaced: ParameterName[] } {
  const parameters: CostParameters = { ...base };
  const replaced: ParameterName[] = [];
  for (const name of PARAMETER_NAMES) {
    const value = calibration.parameters[name];
    if (!value) continue;
    const when = calibration.measuredAt ? ` (${calibration.measuredAt})` : '';
    parameters[name] = { ns: value.ns, source: value.source + when, measured: true };
    replaced.push(name);
  }
  return { parameters, replaced };
}
