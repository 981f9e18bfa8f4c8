// Constructs decided by declarations rather than calls: inline assembly, variable-length
// arrays, variadic definitions, and mutable global or static state.
import type { FileSummary, GlobalInfo } from '../model';
import type { FunctionScope } from './context';
import { kernelAtLeast } from './definitions';
import { rangeOf, walk } from './nodes';

export function checkDeclarations(scope: FunctionScope): void {
  const { fn } = scope;
  if (fn.isVariadic)
    scope.report('variadic-function', fn.nameRange, `${fn.name}() is variadic (\`...\`): clang -target bpf cannot define functions with variable arguments; give it a fixed parameter list, or the path falls back to userspace here.`);
  for (const local of fn.locals)
    if (local.isVariableLength)
      scope.report('variable-length-array', local.range, `\`${local.name}\` (${local.typeText}) is a variable-length array: BPF stack frames have a fixed size. Declare it with its maximum constant size and check the length against it, or the path falls back to userspace here.`);
  if (!scope.body) return;
  walk(scope.body, (n) => {
    if (n.type === 'gnu_asm_expression' || n.type === 'asm_statement' || n.type === 'ms_based_modifier') {
      scope.report('inline-asm', rangeOf(n), `Inline assembly in ${fn.name}() is written for the host CPU and does not assemble for the BPF target; replace it with C or a builtin, or the path falls back to userspace here.`);
      return false;
    }
    return n.type !== 'function_definition';
  }, scope.rule.check);
}

/** Mutable globals visible from `file`, by name (file-scope statics only from their own file). */
export function mutableGlobals(summaries: Iterable<FileSummary>, file: string): Map<string, GlobalInfo> {
  const globals = new Map<string, GlobalInfo>();
  for (const s of summaries)
    for (const g of s.globals)
      if (!g.isConst && (!g.isStatic || s.file === file) && !globals.has(g.name)) globals.set(g.name, g);
  return globals;
}

/** The lookups checkGlobalState makes in mutableGlobals' map (recordedReads.ts records them). */
export interface GlobalLookup {
  get(name: string): GlobalInfo | undefined;
  readonly size: number;
}

export function checkGlobalState(scope: FunctionScope, globals: GlobalLookup): void {
  const { fn } = scope;
  const target = scope.rule.options.targetKernel;
  const globalData = kernelAtLeast(target, 'global-state', '5.2');
  const becomes = globalData
    ? 'it becomes an entry of a BPF array map (.data/.bss) shared with userspace; concurrent updates from several CPUs need atomics, as between threads'
    : `the target kernel ${target} predates global data (5.2), so it becomes an explicit array map looked up at each access`;
  for (const local of fn.locals)
    if (local.isStatic && !local.isConst)
      scope.report('global-state', local.range, `Static local \`${local.name}\` keeps state between requests: ${becomes}.`);
  if (!scope.body || globals.size === 0) return;
  const shadowed = new Set([...fn.params, ...fn.locals].map((v) => v.name));
  const reported = new Set<string>();
  walk(scope.body, (n) => {
    if (n.type !== 'identifier') return;
    const g = globals.get(n.text);
    if (!g || shadowed.has(n.text) || reported.has(n.text)) return;
    if (n.parent?.type === 'call_expression' && n.parent.childForFieldName('function')?.id === n.id) return;
    reported.add(n.text);
    scope.report('global-state', rangeOf(n), `\`${n.text}\` is mutable ${g.isStatic ? 'static' : 'global'} state: ${becomes}.`);
  }, scope.rule.check);
}
