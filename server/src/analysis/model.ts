// Plain data produced by the analysis core. Nothing here references a syntax tree, so a
// summary outlives the tree it came from (trees are freed when documents close or are
// evicted) and can be cached per document version and shared across files.
//
// Positions are 0-based; `character` counts UTF-16 code units, as LSP does (web-tree-sitter
// parses JavaScript strings as UTF-16, so its columns already match).

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A place in a file. `file` is whatever identifier the caller used (path or URI). */
export interface Location {
  file: string;
  range: Range;
}

export interface VariableInfo {
  name: string;
  /** The declared type as written, with the declarator's pointers/arrays folded in, e.g. "char [64]". */
  typeText: string;
  range: Range;
  /** True for arrays whose length is not a constant expression (a VLA). */
  isVariableLength?: boolean;
  /** `static` local or global. */
  isStatic?: boolean;
  isConst?: boolean;
}

export interface CallSite {
  /** Name of the called function, or undefined for a call through an expression (function pointer). */
  callee?: string;
  /** For indirect calls: the callee expression's text. */
  calleeText: string;
  argumentCount: number;
  range: Range;
  /** The name's range (the whole call for indirect calls). */
  calleeRange: Range;
}

export type AnnotationKind = 'entry' | 'skip';

export interface Annotation {
  kind: AnnotationKind;
  /** The comment's range. */
  range: Range;
  /** The function the annotation applies to (the next function definition), if any. */
  functionName?: string;
}

export interface FunctionInfo {
  name: string;
  file: string;
  /** The whole definition. */
  range: Range;
  nameRange: Range;
  bodyRange: Range;
  returnType: string;
  params: VariableInfo[];
  locals: VariableInfo[];
  calls: CallSite[];
  isStatic: boolean;
  isVariadic: boolean;
  isInline: boolean;
}

export interface FieldInfo {
  name: string;
  typeText: string;
  /** Array length when the field is an array with a constant length. */
  arrayLength?: number;
  bitWidth?: number;
}

export interface RecordInfo {
  kind: 'struct' | 'union';
  name: string;
  fields: FieldInfo[];
  range: Range;
  file: string;
  /** `__attribute__((packed))`: fields are laid out without padding. */
  isPacked?: boolean;
}

export interface TypedefInfo {
  name: string;
  /** The aliased type as written (for anonymous records, `struct <anon@line:col>`). */
  typeText: string;
  range: Range;
  file: string;
}

export interface EnumInfo {
  name?: string;
  members: { name: string; value: number }[];
  range: Range;
  file: string;
}

export interface DefineInfo {
  name: string;
  /** Parameters of a function-like macro; undefined for object-like macros. */
  params?: string[];
  value: string;
  range: Range;
  file: string;
}

export interface GlobalInfo extends VariableInfo {
  file: string;
  isExtern: boolean;
}

/** Everything the core needs from one file, extracted once per version of its text. */
export interface FileSummary {
  file: string;
  functions: FunctionInfo[];
  /** Prototypes without a body (declarations): name → range. */
  prototypes: { name: string; range: Range; isVariadic: boolean }[];
  globals: GlobalInfo[];
  records: RecordInfo[];
  typedefs: TypedefInfo[];
  enums: EnumInfo[];
  defines: DefineInfo[];
  annotations: Annotation[];
  /** Headers named by #include, as written ("foo.h" or <foo.h>). */
  includes: string[];
  /** True when tree-sitter reported syntax errors (analysis still runs, best effort). */
  hasSyntaxErrors: boolean;
}

// ---------------------------------------------------------------------------------------
// Control flow

export type CfgEdgeKind =
  | 'next' // fall through to the following statement
  | 'true' // condition held
  | 'false' // condition failed
  | 'case' // switch dispatch to a case label
  | 'default' // switch dispatch to default (or past the switch when there is none)
  | 'fallthrough' // end of one case body into the next
  | 'back' // loop back edge
  | 'break'
  | 'continue'
  | 'goto'
  | 'return';

export interface CfgBlock {
  id: number;
  kind: 'entry' | 'exit' | 'statement' | 'condition' | 'label' | 'switch';
  /** Source ranges of the statements (or condition expression) in this block, in order. */
  ranges: Range[];
  /** Label name for 'label' blocks, case text for blocks that start a case. */
  label?: string;
}

export interface CfgEdge {
  from: number;
  to: number;
  kind: CfgEdgeKind;
}

export interface LoopInfo {
  kind: 'for' | 'while' | 'do' | 'goto';
  range: Range;
  /** Block id of the loop header (the condition, or the first body block for `do`/goto loops). */
  header: number;
  /** Block ids inside the loop, header included. */
  body: number[];
}

export interface ControlFlowGraph {
  functionName: string;
  entry: number;
  exit: number;
  blocks: CfgBlock[];
  edges: CfgEdge[];
  loops: LoopInfo[];
}

// ---------------------------------------------------------------------------------------
// Diagnostics (shaped like LSP's, so adapters only rename nothing; no LSP import here)

export enum Severity {
  Error = 1,
  Warning = 2,
  Information = 3,
  Hint = 4,
}

export interface RelatedInformation {
  location: Location;
  message: string;
}

export interface AnalysisDiagnostic {
  file: string;
  range: Range;
  severity: Severity;
  /** Stable rule code, e.g. "blocking-call". */
  code: string;
  message: string;
  /** The call chain from the entry to this place, outermost first. */
  related?: RelatedInformation[];
  /** Data a quick fix needs (bound to the diagnostic through LSP's `data`). */
  data?: unknown;
}
