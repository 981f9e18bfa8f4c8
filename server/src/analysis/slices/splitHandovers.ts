// Where the split hands a request over although the rules would let the construct run in BPF:
// a library call the kernel half has no stand-in for yet (snprintf: the verifier accepts
// bpf_snprintf(), the rules only warn), or a read of errno. The slices end paths here as at an
// Error, so the analysis and the cost model call kernel exactly the paths the generated program
// answers in the kernel. What counts comes from the generator itself (codegen/kernel/libc.ts
// splitHandoverReason); these points are never reported as diagnostics of their own, only as
// the fallback point of the paths that reach them.
import type { Tree } from '../syntax';
import { Severity, type AnalysisDiagnostic, type Range } from '../model';
import { functionDefinitions, functionNameOf, rangeOf, walk } from '../treeHelpers';
import { splitHandoverReason } from '../codegen/kernel/libc';

/** The code a path's fallback point carries when the split, not a rule, ends it in userspace. */
export const SPLIT_HANDOVER_CODE = 'no-kernel-stand-in';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (outer: Range, inner: Range) => !before(inner.start, outer.start) && !before(outer.end, inner.end);

/**
 * Hand-over points of the split in the file's functions that no Error of the rules already
 * covers (an Error inside the call ends the path there anyway), in the shape of a diagnostic so
 * the slices treat them like Errors. `diagnostics` are the rules' findings of the file.
 */
export function splitHandovers(file: string, tree: Tree, diagnostics: readonly AnalysisDiagnostic[]): AnalysisDiagnostic[] {
  const definitions = functionDefinitions(tree.rootNode);
  const defined = new Set(definitions.map(functionNameOf).filter((n): n is string => !!n));
  const isDefined = (name: string) => defined.has(name);
  const ofFile = diagnostics.filter((d) => d.file === file);
  const found: AnalysisDiagnostic[] = [];
  for (const definition of definitions) {
    walk(definition, (node) => {
      const reason = splitHandoverReason(node, isDefined);
      if (!reason) return true;
      const whole = rangeOf(node);
      if (ofFile.some((d) => d.severity === Severity.Error && inside(whole, d.range))) return true;
      const at = node.type === 'call_expression' ? rangeOf(node.childForFieldName('function') ?? node) : whole;
      // A Warning or Information of the rules at the same call: say that the rules alone would keep it.
      const rule = ofFile.find((d) => d.severity !== Severity.Error && inside(whole, d.range));
      const rulesSay = rule ? ` (the rules only report ${rule.code} here: the verifier could run a bounded form)` : '';
      found.push({ file, range: at, severity: Severity.Error, code: SPLIT_HANDOVER_CODE, message: `${reason}: the split hands the request over to userspace here${rulesSay}` });
      return true;
    });
  }
  return found;
}
