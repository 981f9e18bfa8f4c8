// floating-point and simd: types, literals, fields and intrinsics inside one function.
import type { SyntaxNode } from '../syntax';
import type { FileSummary } from '../model';
import type { FunctionScope } from './context';
import { declaratorName, rangeOf, walk } from './nodes';

const FLOAT_TYPE = /\b(float|double|_Float\d+|__float128)\b/;
const X86_VECTOR_TYPE = /^__m(64|128|256|512)[idh]?$/;
const NEON_VECTOR_TYPE = /^(u?int|float|poly|bfloat)(8|16|32|64)x\d+(x\d+)?_t$/;
const X86_INTRINSIC = /^_mm(256|512)?_\w+$/;
const NEON_INTRINSIC = /^v[a-z0-9]+q?_(u|s|f|p|bf)(8|16|32|64)$/;

export function isSimdIntrinsic(name: string): boolean {
  return X86_INTRINSIC.test(name) || NEON_INTRINSIC.test(name);
}

export function isFloatLiteral(text: string): boolean {
  const t = text.replace(/'/g, '');
  if (/^0[xX]/.test(t)) return /[pP]/.test(t);
  return /[.eE]/.test(t) || /^[0-9]+[fF]$/.test(t);
}

/** Facts over all files that the per-function walk looks up. */
export interface FloatFacts {
  floatTypedefs: Set<string>;
  vectorTypedefs: Set<string>;
  floatFields: Set<string>;
  floatGlobals: Set<string>;
}

/** The lookups the per-function walk makes in FloatFacts (recordedReads.ts records them). */
export type FloatLookups = { [K in keyof FloatFacts]: { has(name: string): boolean } };

/** Facts over all summaries; `treeVectorTypedefs` are the vector typedefs of the analysed file's tree (vectorTypedefsInTree). */
export function collectFloatFacts(summaries: Iterable<FileSummary>, treeVectorTypedefs: string[]): FloatFacts {
  const facts: FloatFacts = { floatTypedefs: new Set(), vectorTypedefs: new Set(), floatFields: new Set(), floatGlobals: new Set() };
  const all = [...summaries];
  for (const s of all) {
    for (const t of s.typedefs) {
      if (/vector_size/.test(t.typeText)) facts.vectorTypedefs.add(t.name);
      else if (FLOAT_TYPE.test(t.typeText) && !/[*(]/.test(t.typeText)) facts.floatTypedefs.add(t.name);
    }
  }
  // A second pass so typedefs of typedefs (`typedef real score_t;`) are seen too.
  for (const s of all)
    for (const t of s.typedefs) if (facts.floatTypedefs.has(t.typeText.trim())) facts.floatTypedefs.add(t.name);
  const isFloat = (typeText: string) => !/[*(\[]/.test(typeText) && (FLOAT_TYPE.test(typeText) || facts.floatTypedefs.has(typeText.trim()));
  for (const s of all) {
    for (const r of s.records) for (const f of r.fields) if (isFloat(f.typeText)) facts.floatFields.add(f.name);
    for (const g of s.globals) if (isFloat(g.typeText)) facts.floatGlobals.add(g.name);
  }
  for (const name of treeVectorTypedefs) facts.vectorTypedefs.add(name);
  return facts;
}

/** The summary may drop attributes from typedef text: vector_size typedefs are read from the tree too. */
export function vectorTypedefsInTree(root: SyntaxNode): string[] {
  const names: string[] = [];
  walk(root, (n) => {
    if (n.type === 'type_definition' && n.text.includes('vector_size')) {
      const name = declaratorName(n.childForFieldName('declarator'));
      if (name) names.push(name.text);
    }
    return n.type === 'translation_unit' || n.type.startsWith('preproc_') || n.type === 'type_definition';
  });
  return names;
}

export function checkFloatsAndSimd(scope: FunctionScope, facts: FloatLookups): void {
  const fallback = 'the path must fall back to userspace here';
  const locals = new Set([...scope.fn.params, ...scope.fn.locals].map((v) => v.name));
  walk(scope.node, (n) => {
    switch (n.type) {
      case 'sizeof_expression':
        return false; // sizeof(double) computes nothing in floating point
      case 'primitive_type':
        if (FLOAT_TYPE.test(n.text))
          scope.report('floating-point', rangeOf(n), `\`${n.text}\` value in ${scope.fn.name}(): BPF has no floating-point registers or instructions; use scaled integers, or ${fallback}.`);
        return;
      case 'type_identifier':
        if (facts.floatTypedefs.has(n.text))
          scope.report('floating-point', rangeOf(n), `\`${n.text}\` is a floating-point type: BPF has no floating point; use scaled integers, or ${fallback}.`);
        else if (X86_VECTOR_TYPE.test(n.text) || NEON_VECTOR_TYPE.test(n.text) || facts.vectorTypedefs.has(n.text))
          scope.report('simd', rangeOf(n), `\`${n.text}\` is a SIMD vector type: BPF has only 64-bit scalar registers; write the scalar loop, or ${fallback}.`);
        return;
      case 'attribute_specifier':
        if (n.text.includes('vector_size'))
          scope.report('simd', rangeOf(n), `A vector_size attribute declares a SIMD vector type: BPF has only 64-bit scalar registers; ${fallback}.`);
        return false;
      case 'number_literal':
        if (isFloatLiteral(n.text))
          scope.report('floating-point', rangeOf(n), `Floating-point literal \`${n.text}\`: BPF has no floating point; use a scaled integer constant, or ${fallback}.`);
        return;
      case 'field_expression': {
        const field = n.childForFieldName('field');
        if (field && facts.floatFields.has(field.text))
          scope.report('floating-point', rangeOf(n), `\`${n.text}\` reads or writes a floating-point field: BPF has no floating point; store it as a scaled integer, or ${fallback}.`);
        return;
      }
      case 'identifier':
        if (facts.floatGlobals.has(n.text) && !locals.has(n.text) && n.parent?.type !== 'call_expression')
          scope.report('floating-point', rangeOf(n), `Global \`${n.text}\` is floating-point: BPF has no floating point; ${fallback}.`);
        return;
      case 'call_expression': {
        const callee = n.childForFieldName('function');
        if (callee?.type === 'identifier' && isSimdIntrinsic(callee.text))
          scope.report('simd', rangeOf(callee), `${callee.text}() is a SIMD intrinsic, which does not exist for the BPF target: write the scalar loop, or ${fallback}.`);
        return;
      }
    }
    return true;
  });
}
