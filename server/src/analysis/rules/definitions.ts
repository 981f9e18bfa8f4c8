// The one definition of every rule. docs/rules.md, the diagnostics' codeDescription links and
// the kernel-proof fixtures (test/kernel/fixtures/<code>/) are generated from or checked
// against this list. Codes are stable: never rename one, only add.
import { Severity } from '../model';
import { BYTE_STAND_INS } from '../codegen/kernel/libc';

export type ProgramType = 'xdp' | 'sk_msg' | 'sk_skb';

export interface RuleDefinition {
  code: string;
  title: string;
  /** The usual severity; a checker may report a lower one when it proves more (documented in `explanation`). */
  severity: Severity;
  /** Why the verifier or clang refuses this, in one or two sentences of markdown. */
  explanation: string;
  /** What to do instead. */
  advice: string;
  programTypes: ProgramType[];
  /** Kernel versions where the rule's verdict changes, with what changes. */
  kernelBoundaries?: { version: string; change: string }[];
}

export const DOCS_BASE_URL = 'https://github.com/bpf-offload/bpf-offload/blob/main/docs/rules.md';

const ALL: ProgramType[] = ['xdp', 'sk_msg', 'sk_skb'];

// Kernel versions below are those of the upstream commits that changed the verifier or added
// the helper; the checks in this directory read them through `kernelBoundary()` so the
// documentation and the verdicts cannot drift apart.
export const RULES: RuleDefinition[] = [
  {
    code: 'blocking-call', title: 'Call that blocks or enters the kernel', severity: Severity.Error, programTypes: ALL,
    explanation: 'A BPF program runs inside the network stack with preemption or softirqs constraining it and may not sleep or make system calls. Socket, file and terminal I/O, sleeping, locks, condition variables, thread creation and fork/exec all need the process context the program does not have. Compiled for BPF, such a call is an unresolved external symbol, which libbpf refuses before the verifier runs ("failed to find BTF for extern").',
    advice: 'End the kernel part before this call: hand the packet to userspace (XDP_PASS / SK_PASS) at this point, or move the call out of the request path. Replies that only need the packet can be built in place and sent with XDP_TX instead of sendto().',
  },
  {
    code: 'dynamic-memory', title: 'Dynamic memory allocation', severity: Severity.Error, programTypes: ALL,
    explanation: 'BPF programs have no heap they can allocate from with malloc semantics: memory is the 512-byte stack, the packet, and maps whose size is fixed at load time. malloc, calloc, realloc, free, alloca and strdup have no equivalent.',
    advice: 'Use a fixed-size buffer on the stack (small) or a per-CPU array map entry (large) sized for the largest request, or fall back to userspace on this path.',
  },
  {
    code: 'unknown-callee', title: 'Call to a function with no body in the analysed files', severity: Severity.Error, programTypes: ALL,
    explanation: 'Everything a BPF program executes must be compiled into it (or be a kernel helper). A function whose body is not in the analysed files cannot be checked or translated, so the analysis has to assume the path falls back here.',
    advice: 'Add the file that defines the function to the workspace, or mark the caller `// bpf-offload: skip` if this path is meant to stay in userspace.',
  },
  {
    code: 'floating-point', title: 'Floating-point arithmetic', severity: Severity.Error, programTypes: ALL,
    explanation: 'The BPF instruction set has no floating-point registers or instructions, and the kernel does not save FPU state around BPF programs. clang -target bpf lowers float operations to soft-float library calls that the BPF backend refuses.',
    advice: 'Use fixed-point integers (e.g. values scaled by 1000, or 16.16 fixed point) and integer arithmetic; keep floating-point formatting and statistics in userspace.',
  },
  {
    code: 'simd', title: 'SIMD intrinsics and vector types', severity: Severity.Error, programTypes: ALL,
    explanation: 'BPF has only 64-bit scalar registers. x86 (`_mm*`, `__m128`…) and Arm NEON intrinsics do not exist for the BPF target, and clang compiles GCC/clang vector types for BPF only by scalarising them, and the result branches so much that the verifier gives up at its 1,000,000-instruction limit (measured on 6.18 with clang 14: test/kernel/fixtures/simd/vector-type).',
    advice: 'Write the scalar loop (with a constant bound) instead of the intrinsic; process 8 bytes at a time with `__u64` loads where alignment allows.',
  },
  {
    code: 'unbounded-loop', title: 'Loop whose trip count cannot be bounded', severity: Severity.Warning, programTypes: ALL,
    explanation: 'The verifier must prove every program terminates. Before 5.3 it rejects any back-edge, so loops must be fully unrolled; since 5.3 it accepts loops it can walk to the end, which needs a bound it can see. A loop whose bound depends on data (a length read from the packet, a `while (1)` waiting for an event) is rejected, so offloading it means capping it at a constant, which changes behaviour for longer inputs.',
    advice: 'Cap the loop with a constant, e.g. `for (i = 0; i < len && i < MAX_ITEMS; i++)`, and fall back to userspace when the cap is reached. Since 5.17 `bpf_loop()` runs up to 8,388,608 iterations of a callback with a much lower verification cost.',
    kernelBoundaries: [
      { version: '5.3', change: 'Bounded loops accepted by the verifier; before, every loop must be unrolled by the compiler (`#pragma unroll`) and a cap must be small.' },
      { version: '5.17', change: '`bpf_loop()` helper: a capped loop can use it instead of being verified iteration by iteration, so caps up to 1<<23 are practical.' },
    ],
  },
  {
    code: 'bounded-loop', title: 'Loop with an inferred bound', severity: Severity.Information, programTypes: ALL,
    explanation: 'The loop has a constant trip-count bound (a literal, `#define`, enum or `sizeof`, possibly as one side of an `&&`). The verifier accepts it unchanged since 5.3; before 5.3 it is fully unrolled, which does not change behaviour but multiplies the program size by the bound.',
    advice: 'Nothing to do for small bounds. The verifier walks each iteration, so a large constant bound (thousands of iterations with a branch inside) still fails on the jump-sequence or instruction limit: move such a loop body into a `bpf_loop()` callback (5.17+).',
    kernelBoundaries: [
      { version: '5.3', change: 'Before 5.3 the loop must be fully unrolled (`#pragma unroll`); from 5.3 it is verified as a loop.' },
    ],
  },
  {
    code: 'recursion', title: 'Recursion', severity: Severity.Error, programTypes: ALL,
    explanation: 'The verifier must bound the stack and the call depth (at most 8 frames), so BPF-to-BPF calls that form a cycle are rejected: older kernels say "recursive call", 6.x kernels "the call stack of 9 frames is too deep". Recursion through several functions is rejected the same way.',
    advice: 'Rewrite the recursion as a loop with an explicit, fixed-size stack array and a constant iteration cap, or keep this path in userspace.',
  },
  {
    code: 'indirect-call', title: 'Call through a function pointer', severity: Severity.Error, programTypes: ALL,
    explanation: 'BPF programs may only call functions known at load time: other BPF functions, helpers and kfuncs. There is no verified indirect call; callback tables and function-pointer dispatch cannot be expressed.',
    advice: 'Replace the pointer dispatch with a `switch` on the value that selects the function, calling each target directly.',
  },
  {
    code: 'stack-size', title: 'Stack use over 512 bytes', severity: Severity.Error, programTypes: ALL,
    explanation: 'A BPF program has a 512-byte stack, shared by every frame on a BPF-to-BPF call chain: the verifier sums the frames along the deepest chain and rejects the program above 512 bytes ("combined stack size"). Sizes here are of the locals as declared; the compiler may use more for spills.',
    advice: 'Move large buffers to a per-CPU array map (one entry, looked up once at entry) or work on the packet in place instead of copying it.',
  },
  {
    code: 'variable-length-array', title: 'Variable-length array', severity: Severity.Error, programTypes: ALL,
    explanation: 'BPF stack frames have a fixed size known at compile time; clang -target bpf refuses dynamic stack allocation.',
    advice: 'Declare the array with its maximum constant size and check the run-time length against it.',
  },
  {
    code: 'inline-asm', title: 'Inline assembly', severity: Severity.Error, programTypes: ALL,
    explanation: 'Inline assembly written for the host CPU (x86, Arm) does not assemble for the BPF target.',
    advice: 'Replace it with portable C (builtins such as `__builtin_bswap32` have BPF lowerings), or keep this path in userspace.',
  },
  {
    code: 'setjmp-longjmp', title: 'setjmp / longjmp', severity: Severity.Error, programTypes: ALL,
    explanation: 'Non-local jumps save and restore registers and the stack pointer, which the BPF machine does not expose; there is no setjmp/longjmp for BPF.',
    advice: 'Return error codes up the call chain instead of jumping.',
  },
  {
    code: 'variadic-function', title: 'Variadic function', severity: Severity.Error, programTypes: ALL,
    explanation: 'clang -target bpf does not support defining or calling variadic functions: arguments are passed only in registers R1–R5 and there is no va_list.',
    advice: 'Give the function a fixed parameter list (pass an array or a struct pointer for the variable part).',
  },
  {
    code: 'too-many-arguments', title: 'More than 5 arguments', severity: Severity.Error, programTypes: ALL,
    explanation: 'BPF passes function arguments in registers R1–R5 only; clang -target bpf refuses a call with more than 5 arguments to a function it does not inline ("too many args"). A call to a variadic function is reported once, as `variadic-function`, whose message gives the argument count.',
    advice: 'Pass the extra arguments in a struct by pointer, or make the callee `static __always_inline`.',
  },
  {
    code: 'heap-traversal', title: 'Traversal of a pointer-linked structure', severity: Severity.Error, programTypes: ALL,
    explanation: 'Lists and trees in the server live in its userspace heap, which a BPF program cannot read, and walking `p = p->next` has no bound the verifier can see.',
    advice: 'Keep the data the fast path needs in a BPF map (hash or array) that userspace updates, and look it up by key instead of walking pointers.',
  },
  {
    code: 'string-function', title: 'Unbounded libc string or conversion function', severity: Severity.Warning, programTypes: ALL,
    explanation: 'The function has no BPF helper, but a bounded version can be inlined: strlen, strcmp, strcpy and strcat become loops capped at a constant length, strtol/atoi a bounded digit parser, memcpy/memset/memcmp with a run-time size a capped byte loop, snprintf without %f the `bpf_snprintf` helper. Inputs longer than the cap behave differently (the message names the cap). The kernel\'s `bpf_strtol` helper exists only for cgroup sysctl programs, not for network hooks. '
      + `These are what the verifier accepts; the split generator has kernel stand-ins only for ${BYTE_STAND_INS.map((n) => `\`${n}\``).join(', ')} today: for the others (snprintf and sprintf among them) it hands the request over to userspace at the call, and the message says so.`,
    advice: 'Use the bounded form (strnlen, strncmp, a parser with a digit limit) with a constant bound, and fall back when the bound is reached.',
    kernelBoundaries: [
      { version: '5.13', change: '`bpf_snprintf()` helper: snprintf with integer and string conversions can be offloaded (Warning); before 5.13 it is an Error.' },
      { version: '5.17', change: '`bpf_strncmp()` helper: string comparison against a constant string no longer needs an inline loop.' },
    ],
  },
  {
    code: 'unsupported-libc', title: 'libc function with no BPF equivalent', severity: Severity.Error, programTypes: ALL,
    explanation: 'Some libc functions need what BPF lacks: floating point (strtod, atof, printf-style %f), callbacks through function pointers with unbounded work (qsort, bsearch), or a general format parser (sscanf). No bounded transformation keeps their behaviour.',
    advice: 'Write the specific, bounded operation the path needs (parse the one integer field, compare against a sorted constant table with a capped binary search), or keep this path in userspace.',
  },
  {
    code: 'inlined-copy', title: 'Constant-size byte function inlined', severity: Severity.Information, programTypes: ALL,
    explanation: 'memcpy, memmove, memset and memcmp with a size known at compile time are lowered by clang to inline loads and stores (`__builtin_memcpy`), which the verifier accepts: no behaviour changes.',
    advice: 'Nothing to do. Keep such copies small: they are unrolled into individual instructions.',
  },
  {
    code: 'monotonic-clock', title: 'Monotonic clock read rewritten to bpf_ktime_get_ns()', severity: Severity.Information, programTypes: ALL,
    explanation: '`clock_gettime(CLOCK_MONOTONIC, &ts)` is a system call that a BPF program cannot make (libbpf refuses the object: "failed to find BTF for extern"), but the kernel\'s monotonic clock is what the helper `bpf_ktime_get_ns()` returns, so the split rewrites the call to fill `ts` from it and the path stays in the kernel: the values are the ones userspace reads. Only `CLOCK_MONOTONIC` with a literal clock id is rewritten; every other clock (`CLOCK_REALTIME`, `CLOCK_BOOTTIME`, a clock held in a variable) and `time()`/`gettimeofday()` remain [blocking-call](#blocking-call) errors.',
    advice: 'Nothing to do. Keep using `CLOCK_MONOTONIC` for intervals and rates; wall-clock time needs userspace.',
  },
  {
    code: 'global-state', title: 'Mutable global or static state becomes a map', severity: Severity.Information, programTypes: ALL,
    explanation: 'Writable globals and `static` locals become entries of a BPF array map (`.data`/`.bss`), shared with userspace, which keeps reading and writing them: behaviour is unchanged, but concurrent updates from several CPUs need atomics or per-CPU maps just as threads would. `const` globals become read-only data and are not reported. Thread-local globals (`__thread`, `_Thread_local`) are the form that fails unchanged: clang refuses thread-local storage for BPF, so they must become per-CPU maps.',
    advice: 'Nothing to do for counters and configuration. For state updated on every request consider a per-CPU map to avoid cache-line contention.',
    kernelBoundaries: [
      { version: '5.2', change: 'Global data sections (`.data`, `.bss`, `.rodata`) are supported; before 5.2 each global must be turned into an explicit array map with a lookup at every access.' },
    ],
  },
  {
    code: 'program-size', title: 'Program too large for the verifier', severity: Severity.Warning, programTypes: ALL,
    explanation: 'The verifier walks every path and gives up after 1,000,000 processed instructions (since 5.2, for privileged loaders, which XDP and socket programs require); before 5.2 a program is limited to 4,096 instructions. The estimate multiplies each statement by the bounds of its enclosing loops and counts callees as inlined, so it is a rough upper guide.',
    advice: 'Lower loop caps, move rarely used paths to userspace, put a repeated scan in a global (non-static) function, which is verified once since 5.6, or split the program with tail calls (`bpf_tail_call`) so each part is verified separately.',
    kernelBoundaries: [
      { version: '5.2', change: 'Limit raised from 4,096 instructions to 1,000,000 processed instructions for privileged programs.' },
    ],
  },
];

export function ruleByCode(code: string): RuleDefinition | undefined {
  return RULES.find((r) => r.code === code);
}

export function ruleDocUrl(code: string): string {
  return `${DOCS_BASE_URL}#${code}`;
}

/** Parses "major.minor[.patch]" into a comparable number (major * 1000 + minor); NaN when malformed. */
export function kernelVersionNumber(version: string): number {
  const m = /^\s*(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : NaN;
}

/**
 * True when `targetKernel` is at or after the boundary `version` listed for `code`. Throws for a
 * boundary that is not in the definitions, so a check cannot silently use an undocumented one.
 */
export function kernelAtLeast(targetKernel: string, code: string, version: string): boolean {
  const boundary = ruleByCode(code)?.kernelBoundaries?.find((b) => b.version === version);
  if (!boundary) throw new Error(`rule ${code} documents no kernel boundary ${version}`);
  const target = kernelVersionNumber(targetKernel);
  // An unparsable setting means "a current kernel" rather than the oldest one.
  return Number.isNaN(target) || target >= kernelVersionNumber(version);
}
