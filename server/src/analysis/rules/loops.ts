// unbounded-loop, bounded-loop and heap-traversal for the loops of one function.
import type { SyntaxNode } from '../syntax';
import { Severity } from '../model';
import type { FunctionScope } from './context';
import { kernelAtLeast } from './definitions';
import { analyzeLoop, loopKeyword, loopsIn, type LoopVerdict } from './loopBounds';
import { lineStart, rangeOf } from './nodes';
import type { CapLoopFix } from './quickFixes';

/** Cap proposed for loops with no bound: a typical upper limit for items in one datagram. */
export const DEFAULT_LOOP_CAP = 64;

/** The loop's header (`for (...)` / `while (...)` / `do`), where the squiggle goes. */
export function loopHeaderRange(loop: SyntaxNode) {
  const range = rangeOf(loop);
  const body = loop.childForFieldName('body');
  if (loop.type === 'do_statement' || !body) {
    const keyword = loop.child(0);
    return keyword ? rangeOf(keyword) : range;
  }
  const closing = body.previousSibling;
  return { start: range.start, end: closing ? rangeOf(closing).end : rangeOf(body).start };
}

function capFix(scope: FunctionScope, loop: SyntaxNode, index: number): CapLoopFix | undefined {
  const condition = loop.childForFieldName('condition');
  const { position, indent } = lineStart(scope.rule.text, loop);
  const fix: CapLoopFix = { fix: 'cap-loop', bound: DEFAULT_LOOP_CAP, insertAt: position, indent, counterName: index ? `bpf_loop_cap${index}` : 'bpf_loop_cap' };
  // The capped counter must be declared before a `do` body too; its condition is inside parentheses.
  const inner = condition?.type === 'parenthesized_expression' ? condition.namedChild(0) : condition;
  if (inner) fix.condition = rangeOf(inner);
  else if (loop.type === 'for_statement') {
    const semicolons = loop.children.filter((c) => c?.type === ';');
    const first = semicolons[0];
    // With a declaration as initializer the first `;` belongs to it.
    const initializer = loop.childForFieldName('initializer');
    const after = first ?? (initializer?.type === 'declaration' ? initializer : null);
    if (!after) return undefined;
    fix.emptyConditionAt = rangeOf(after).end;
  } else return undefined;
  return fix;
}

export function checkLoops(scope: FunctionScope): Map<SyntaxNode, LoopVerdict> {
  const verdicts = new Map<SyntaxNode, LoopVerdict>();
  if (!scope.body) return verdicts;
  const target = scope.rule.options.targetKernel;
  const loopsAccepted = kernelAtLeast(target, 'unbounded-loop', '5.3');
  const bpfLoop = kernelAtLeast(target, 'unbounded-loop', '5.17');
  let capIndex = 0;
  for (const loop of loopsIn(scope.body)) {
    scope.rule.check();
    const verdict = analyzeLoop(loop, scope.evalScope);
    verdicts.set(loop, verdict);
    const where = loopHeaderRange(loop);
    const kind = loopKeyword(loop);
    if (verdict.heapWalk) {
      scope.report('heap-traversal', where, `This ${kind} loop walks a pointer-linked structure (\`${verdict.heapWalk}\`): the nodes live in the server's heap, which a BPF program cannot read, and the walk has no bound. Keep the looked-up data in a BPF map instead.`);
    } else if (verdict.bound !== undefined) {
      const unrolled = loopsAccepted ? '' : `; the target kernel ${target} predates bounded loops (5.3), so it must be fully unrolled (${verdict.bound} copies of the body)`;
      scope.report('bounded-loop', where, `Loop runs at most ${verdict.bound} time${verdict.bound === 1 ? '' : 's'} (bound from ${verdict.explanation})${unrolled}.`);
    } else {
      const why = verdict.infinite ? `${verdict.explanation}, so its exit depends on run-time data` : verdict.explanation;
      const options = bpfLoop
        ? ` With kernel ${target}, bpf_loop() can run a cap of up to 8,388,608 iterations.`
        : loopsAccepted ? '' : ` The target kernel ${target} predates bounded loops (5.3): the capped loop must also be unrolled.`;
      const fix = capFix(scope, loop, capIndex);
      if (fix) capIndex++;
      scope.report('unbounded-loop', where, `The trip count of this ${kind} loop cannot be bounded: ${why}. Offloading caps it at a constant (${DEFAULT_LOOP_CAP} by the quick fix), so a request needing more iterations must fall back to userspace.${options}`, {
        severity: Severity.Warning,
        fixes: fix ? [fix] : [],
      });
    }
  }
  return verdicts;
}
