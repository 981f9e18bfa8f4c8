// The one definition of every rule. docs/rules.md, the diagnostics' codeDescription links and
// the kernel-proof fixtures (test/kernel/fixtures/<code>/) are generated from or checked
// against this list. Codes are stable: never rename one, only add.
import { Severity } from '../model';

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

// Explanations and advice are filled in by the rules work (issue 3); the codes are fixed here
// first so that every part of the project can refer to them.
export const RULES: RuleDefinition[] = [
  { code: 'blocking-call', title: 'Call that blocks or enters the kernel', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'dynamic-memory', title: 'Dynamic memory allocation', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'unknown-callee', title: 'Call to a function with no body in the analysed files', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'floating-point', title: 'Floating-point arithmetic', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'simd', title: 'SIMD intrinsics and vector types', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'unbounded-loop', title: 'Loop whose trip count cannot be bounded', severity: Severity.Warning, explanation: '', advice: '', programTypes: ALL },
  { code: 'bounded-loop', title: 'Loop with an inferred bound', severity: Severity.Information, explanation: '', advice: '', programTypes: ALL },
  { code: 'recursion', title: 'Recursion', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'indirect-call', title: 'Call through a function pointer', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'stack-size', title: 'Stack use over 512 bytes', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'variable-length-array', title: 'Variable-length array', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'inline-asm', title: 'Inline assembly', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'setjmp-longjmp', title: 'setjmp / longjmp', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'variadic-function', title: 'Variadic function', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'too-many-arguments', title: 'More than 5 arguments', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'heap-traversal', title: 'Traversal of a pointer-linked structure', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'string-function', title: 'Unbounded libc string or conversion function', severity: Severity.Warning, explanation: '', advice: '', programTypes: ALL },
  { code: 'unsupported-libc', title: 'libc function with no BPF equivalent', severity: Severity.Error, explanation: '', advice: '', programTypes: ALL },
  { code: 'inlined-copy', title: 'Constant-size byte function inlined', severity: Severity.Information, explanation: '', advice: '', programTypes: ALL },
  { code: 'global-state', title: 'Mutable global or static state becomes a map', severity: Severity.Information, explanation: '', advice: '', programTypes: ALL },
  { code: 'program-size', title: 'Program too large for the verifier', severity: Severity.Warning, explanation: '', advice: '', programTypes: ALL },
];

export function ruleByCode(code: string): RuleDefinition | undefined {
  return RULES.find((r) => r.code === code);
}

export function ruleDocUrl(code: string): string {
  return `${DOCS_BASE_URL}#${code}`;
}
