// Every rule decided at a call site: blocking calls, dynamic memory, libc string/format/
// conversion functions, setjmp/longjmp, math.h, unknown callees, calls through pointers,
// variadic callees, more than 5 arguments, and recursion.
import type { SyntaxNode } from '../syntax';
import type { FunctionInfo } from '../model';
import { Severity } from '../model';
import type { FunctionScope } from './context';
import { evaluateConstant } from './constEval';
import { kernelAtLeast } from './definitions';
import { isSimdIntrinsic } from './floats';
import { libcEntry, STRING_BOUND, type LibcEntry } from './libc';
import { splitHandoverReason } from '../codegen/kernel/libc';
import { descendantsOfType, namedChildren, rangeOf, unparenthesize, walk } from './nodes';
import { functionKey, type CalleeResolver } from './reach';
import type { ReplaceCallFix } from './quickFixes';

export interface CallFacts {
  resolver: CalleeResolver;
  /** Names of function-like macros anywhere in the program: their "calls" are expansions. */
  macros: { has(name: string): boolean };
  /** Names declared by a prototype somewhere in the program. */
  prototypes: { has(name: string): boolean };
  /** Recursive strongly connected components, by functionKey. */
  recursive: { get(key: string): FunctionInfo[] | undefined };
  /** Typedef names of the program and standard type names. */
  isTypeName(name: string): boolean;
}

/**
 * `(rel_time_t) (x)`: tree-sitter cannot tell a cast to a typedef from a call of a
 * parenthesised function name without the typedef, so it builds a call. The program's typedefs
 * decide; a parenthesised name that is no type stays a call.
 */
export function isCastToTypeName(call: SyntaxNode, isTypeName: (name: string) => boolean): boolean {
  const written = call.childForFieldName('function');
  if (written?.type !== 'parenthesized_expression') return false;
  const inner = unparenthesize(written);
  return inner?.type === 'identifier' && isTypeName(inner.text);
}

const FLOAT_CONVERSION = /%[-+ #0-9.*']*(?:hh|h|ll|l|L|j|z|t)?[fFeEgGaA]/;
const MAX_ARGUMENTS = 5;

function argumentsOf(call: SyntaxNode): SyntaxNode[] {
  const list = call.childForFieldName('arguments');
  return list ? namedChildren(list).filter((n) => n.type !== 'comment') : [];
}

function closingParenthesis(call: SyntaxNode) {
  const list = call.childForFieldName('arguments');
  const last = list?.child(list.childCount - 1);
  return last?.type === ')' ? rangeOf(last).start : undefined;
}

/** A bound for a destination buffer: its declared size when it is an array in scope. */
function destinationBound(scope: FunctionScope, dest: SyntaxNode | undefined): string {
  const n = unparenthesize(dest ?? null);
  const type = n?.type === 'identifier' ? scope.evalScope.typeOfVariable(n.text) : undefined;
  return type && /\[[^\]]+\]\s*$/.test(type) ? `sizeof(${n!.text})` : String(STRING_BOUND);
}

/**
 * A size made only of sizeof, literals and arithmetic: the compiler folds it even when the
 * analysis cannot (a struct laid out with a constant from a system header it has not read).
 */
function isCompileTimeSize(node: SyntaxNode): boolean {
  let constant = true;
  walk(node, (n) => {
    if (!constant) return false;
    switch (n.type) {
      case 'sizeof_expression': case 'alignof_expression': case 'number_literal': case 'char_literal':
        return false;
      case 'parenthesized_expression': case 'binary_expression': case 'unary_expression':
        return true;
      default:
        constant = false;
        return false;
    }
  });
  return constant;
}

function checkLibcCall(scope: FunctionScope, call: SyntaxNode, name: string, nameNode: SyntaxNode, entry: LibcEntry): void {
  const at = rangeOf(nameNode);
  const args = argumentsOf(call);
  const fallback = 'the path must fall back to userspace here';
  // What the verifier would accept is not always what the split does: where the generator has
  // no stand-in (codegen/kernel/libc.ts), the transformation is possible, not performed.
  const splitLacks = !!splitHandoverReason(call, () => false);
  const becomes = splitLacks ? 'could become' : 'becomes';
  const splitNote = splitLacks ? ` The split has no kernel stand-in for ${name}() yet: it hands the request over to userspace here.` : '';
  switch (entry.kind) {
    case 'blocking':
      // The split rewrites exactly this form (codegen/kernel/libc.ts isMonotonicClockRead).
      if (name === 'clock_gettime' && args.length === 2 && args[0].text === 'CLOCK_MONOTONIC')
        return scope.report('monotonic-clock', at, `clock_gettime() of CLOCK_MONOTONIC is rewritten to bpf_ktime_get_ns(), which reads the same clock: the path stays in the kernel.`);
      return scope.report('blocking-call', at, `${name}() ${entry.reason}; ${fallback}.`);
    case 'memory':
      return scope.report('dynamic-memory', at, `${name}() ${entry.reason}; BPF has no heap: use a fixed-size buffer or a map entry, or ${fallback}.`);
    case 'jump':
      return scope.report('setjmp-longjmp', at, `${name}() ${entry.reason}, which BPF cannot express: ${fallback}.`);
    case 'unsupported':
      return scope.report('unsupported-libc', at, `${name}() ${entry.reason}: ${fallback}.`);
    case 'math':
      return scope.report('floating-point', at, `${name}() ${entry.reason}; BPF has no floating point: ${fallback}.`);
    case 'safe':
      return;
    case 'variadic':
      // Inside a variadic definition, that definition's own diagnostic already says it all.
      if (scope.fn.isVariadic) return;
      return scope.report('variadic-function', at, `${name}() ${entry.reason}: clang -target bpf cannot pass variable arguments, so ${fallback}.`);
    case 'sized': {
      const sizeNode = args[entry.sizeArgument ?? 2];
      const size = sizeNode ? evaluateConstant(sizeNode, scope.evalScope) : undefined;
      const inlined = `${becomes} an inline ${name.includes('cmp') ? 'comparison' : 'copy'}`;
      if (size !== undefined)
        return scope.report('inlined-copy', at, `${name}() of ${size} byte${size === 1 ? '' : 's'} (constant size) ${inlined}.${splitNote}`);
      if (sizeNode && isCompileTimeSize(sizeNode))
        return scope.report('inlined-copy', at, `${name}() of ${sizeNode.text} bytes (a compile-time constant whose value the analysis could not compute, e.g. a type laid out with a system header's constant) ${inlined}.${splitNote}`);
      return scope.report('string-function', at, `${name}() with a size known only at run time (\`${sizeNode?.text ?? '?'}\`) ${becomes} a byte loop capped at ${STRING_BOUND} bytes: larger sizes must fall back to userspace.${splitNote}`, { severity: Severity.Warning });
    }
    case 'string': {
      const fixes: ReplaceCallFix[] = [];
      const close = closingParenthesis(call);
      if (entry.replacement && close) {
        const bound = name === 'strcpy' || name === 'strcat' ? destinationBound(scope, args[0]) : String(STRING_BOUND);
        fixes.push({ fix: 'replace-call', replacement: entry.replacement, calleeRange: at, insertArgument: { at: close, text: `, ${bound}` } });
      }
      const instead = entry.replacement ? ` ${becomes} ${entry.replacement}() bounded at ${STRING_BOUND} bytes` : '';
      const tail = entry.replacement ? `; longer strings must fall back to userspace${name === 'strcpy' ? ' (strncpy does not terminate a truncated copy)' : ''}` : '';
      const reason = splitLacks ? entry.reason.replace(/: it becomes /, ': it could become ') : entry.reason;
      return scope.report('string-function', at, `${name}() ${reason}${instead ? ':' + instead : ''}${tail}.${splitNote}`, { severity: Severity.Warning, fixes });
    }
    case 'format': {
      const formatIndex = name === 'sprintf' ? 1 : 2;
      const format = unparenthesize(args[formatIndex] ?? null);
      if (!format || (format.type !== 'string_literal' && format.type !== 'concatenated_string'))
        return scope.report('unsupported-libc', at, `${name}() with a format that is not a string literal: bpf_snprintf() needs a constant format in read-only data, so ${fallback}.`);
      if (FLOAT_CONVERSION.test(format.text))
        return scope.report('unsupported-libc', at, `${name}() formats a floating-point value (${FLOAT_CONVERSION.exec(format.text)![0]}), and BPF has no floating point: ${fallback}.`);
      const target = scope.rule.options.targetKernel;
      if (!kernelAtLeast(target, 'string-function', '5.13'))
        return scope.report('unsupported-libc', at, `${name}() needs bpf_snprintf(), available from kernel 5.13; the target is ${target}: ${fallback}.`);
      const fixes: ReplaceCallFix[] = [];
      if (name === 'sprintf' && args[0])
        fixes.push({ fix: 'replace-call', replacement: 'snprintf', calleeRange: at, insertArgument: { at: rangeOf(args[0]).end, text: `, ${destinationBound(scope, args[0])}` } });
      const bounded = name === 'sprintf' ? `${entry.reason}: it ${becomes} bpf_snprintf() bounded by the destination` : `${becomes} bpf_snprintf()`;
      return scope.report('string-function', at, `${name}() ${bounded}, which takes at most 12 arguments and supports only integer, %c, %s and %p conversions; its %s arguments are read up to the output size.${splitNote}`, { severity: Severity.Warning, fixes });
    }
  }
}

function isFunctionVariable(scope: FunctionScope, name: string): boolean {
  return scope.evalScope.typeOfVariable(name) !== undefined;
}

export function checkCalls(scope: FunctionScope, facts: CallFacts): void {
  if (!scope.body) return;
  const { fn } = scope;
  const cycle = facts.recursive.get(functionKey(fn));
  for (const call of descendantsOfType(scope.body, ['call_expression'], scope.rule.check)) {
    const callee = unparenthesize(call.childForFieldName('function'));
    if (!callee || isCastToTypeName(call, facts.isTypeName)) continue;
    const args = argumentsOf(call);
    if (callee.type !== 'identifier' || isFunctionVariable(scope, callee.text)) {
      scope.report('indirect-call', rangeOf(call.childForFieldName('function') ?? call), `\`${callee.text}\` is called through a function pointer; BPF programs can only call functions known at load time. Dispatch with a switch calling each target directly, or the path falls back to userspace here.`);
      continue;
    }
    const name = callee.text;
    const at = rangeOf(callee);
    const target = facts.resolver.resolve(fn.file, name);
    if (target) {
      if (scope.reach.isSkipped(target)) continue;
      // A variadic call cannot be compiled at all, so its argument count is a detail of that one
      // finding rather than a second Error on the same call.
      const tooMany = args.length > MAX_ARGUMENTS;
      if (target.isVariadic) {
        const count = tooMany ? ` It is also called with ${args.length} arguments, more than the ${MAX_ARGUMENTS} BPF passes in registers: the fixed version should take a struct pointer.` : '';
        scope.report('variadic-function', at, `${name}() is variadic (\`...\`): clang -target bpf cannot pass variable arguments, so the path falls back to userspace here unless ${name}() gets a fixed parameter list.${count}`);
      } else if (tooMany)
        scope.report('too-many-arguments', at, `${name}() is called with ${args.length} arguments; BPF passes at most ${MAX_ARGUMENTS} in registers (R1–R5). Pass a struct pointer, or make ${name}() static __always_inline.`);
      if (cycle?.some((f) => functionKey(f) === functionKey(target))) {
        const names = cycle.map((f) => f.name);
        const description = target === fn || functionKey(target) === functionKey(fn) ? `${name}() calls itself` : `${fn.name}() and ${name}() call each other (cycle: ${names.join(', ')})`;
        scope.report('recursion', at, `Recursion: ${description}. The verifier rejects recursive BPF-to-BPF calls; rewrite it as a loop with a fixed-size stack, or the path falls back to userspace here.`);
      }
      continue;
    }
    const entry = libcEntry(name);
    if (entry) {
      checkLibcCall(scope, call, name, callee, entry);
      continue;
    }
    if (facts.macros.has(name) || isSimdIntrinsic(name)) continue;
    const declared = facts.prototypes.has(name) ? 'is declared but its body' : 'has no definition or declaration, and its body';
    scope.report('unknown-callee', at, `${name}() ${declared} is not in the analysed files, so it cannot be checked or compiled into the BPF program: the path falls back to userspace here unless its source is added.`);
  }
}
