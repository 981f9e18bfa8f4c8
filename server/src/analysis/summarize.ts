// One pass over a parsed file → FileSummary (plain data, no syntax nodes kept). Extraction is
// best effort: a construct too broken to read is skipped, never allowed to throw, because the
// summary is rebuilt on every edit of a half-typed file.
import type { SyntaxNode, Tree } from './syntax';
import type { Annotation, AnnotationKind, FileSummary, FunctionInfo, GlobalInfo, Range } from './model';
import { ownFunctionDeclarator, rangeOf, textOf, walkNodes } from './treeHelpers';
import { defineFrom, fileScope } from './summarize/fileScope';
import { specifiersOf, variableFrom, withoutInitializer, type SummaryContext } from './summarize/declarations';
import { isVariadicList, summarizeFunction, type FunctionNodes } from './summarize/functions';
import { isListedStatement, keptPartOf, OPAQUE } from './summarize/statementMemo';
import { keptEnumFrom, keptRecordFrom, typedefsFrom } from './summarize/types';
import { addDeclarationOnce, type DeclarationParts } from './summarize/declarationMemo';
import { answersSame, findReusable, recordingContext, shiftFunction, shiftRange, FileSummaryMemo, type ContextQuery, type RememberedFunction, type Reuse, type SummaryMemo } from './summarize/functionMemo';

/** One file-level function definition, walked now or taken from the previous summary. */
interface FunctionSlot extends FunctionNodes {
  /** Set when the previous summary's result fits; the walk then skipped the inside. */
  reuse?: Reuse;
  /** Whether something inside goes to the file's own lists (#define, struct body…): then it is not remembered. */
  contributesOutside: boolean;
}

interface CollectedNodes {
  comments: SyntaxNode[];
  includes: SyntaxNode[];
  defines: SyntaxNode[];
  records: SyntaxNode[];
  enums: SyntaxNode[];
  typeDefinitions: SyntaxNode[];
  functions: FunctionSlot[];
  fileScopeDeclarations: SyntaxNode[];
}


/**
 * What collect finds in each top-level declaration, walked without a memo (every definition
 * walked into). Kept per declaration: one carried over unchanged from the previous version of
 * the document (plainTreeEdit.ts) is the same object and never changes, so after an edit only
 * the re-parsed declarations are walked. The lists must not be changed.
 */
const collectedByDeclaration = new WeakMap<SyntaxNode, CollectedNodes>();

/**
 * Roots whose own visit in collect adds nothing. tree-sitter's root is a translation_unit, or an
 * ERROR when recovery had to give up at file level — memcached.c's was, because an #ifdef inside
 * a function splits an if's braces (such groups are now blanked, conditionalBranches.ts, but an
 * #if left open while it is typed still does it). Such a file is as worth splitting as any other:
 * without it every keystroke walked the whole file.
 */
const SPLIT_ROOTS = new Set(['translation_unit', 'ERROR']);

/**
 * The nodes the summary reads, for a whole tree from what each top-level declaration holds (a
 * function definition never spans two of them, so a walk of the tree is the walks of its
 * children one after another; the root adds nothing, see SPLIT_ROOTS). A definition `memo` can
 * stand for gets its `reuse`, and the comments inside it are left out, as a walk that skipped it
 * would have.
 */
function collectTree(root: SyntaxNode, memo?: FileSummaryMemo): CollectedNodes {
  if (root.parent !== null || !SPLIT_ROOTS.has(root.type)) return collect(root, memo);
  const nodes: CollectedNodes = {
    comments: [], includes: [], defines: [], records: [], enums: [], typeDefinitions: [], functions: [], fileScopeDeclarations: [],
  };
  for (const child of root.children) {
    let part = collectedByDeclaration.get(child);
    if (!part) {
      // Walked with the memo, so that definitions it stands for are skipped as before; kept only
      // when none was (then it is the walk without a memo).
      const walked = collect(child, memo);
      if (walked.functions.some((slot) => slot.reuse)) {
        appendCollected(nodes, walked);
        continue;
      }
      collectedByDeclaration.set(child, (part = walked));
    }
    let skipped: SyntaxNode[] | undefined;
    const functions = part.functions.map((slot): FunctionSlot => {
      // One that puts something on the file's lists keeps its insides, collected in `part` (so
      // on those lists) and read again should its remembered result not fit (walkAgain).
      const reuse = findReusable(memo, slot.definition, slot.contributesOutside);
      if (!reuse) return slot;
      if (slot.contributesOutside) return withReuse(slot, reuse);
      // What a walk skipping the definition gives: nothing inside it is collected.
      (skipped ??= []).push(slot.definition);
      return skippedSlot(slot.definition, reuse);
    });
    const comments = skipped ? part.comments.filter((c) => !skipped!.some((d) => c.startIndex >= d.startIndex && c.startIndex < d.endIndex)) : part.comments;
    appendCollected(nodes, { ...part, functions, comments });
  }
  return nodes;
}

/** Appends each list of `part` to `into`'s (a loop, not a spread: a list may be huge). */
function appendCollected(into: CollectedNodes, part: CollectedNodes): void {
  for (const key of Object.keys(into) as (keyof CollectedNodes)[]) {
    const list = into[key] as unknown[];
    for (const item of part[key]) list.push(item);
  }
}

/**
 * How many syntax nodes the summary's walks have visited in this process: what a re-summary after
 * a small edit costs is the growth of this count, so a test can tell reuse from a walk of the file.
 */
export const summaryWalks = { nodesVisited: 0 };

/** `memo`: the previous summary of the file; a definition it can stand for is not walked into. */
function collect(root: SyntaxNode, memo?: FileSummaryMemo): CollectedNodes {
  const nodes: CollectedNodes = {
    comments: [], includes: [], defines: [], records: [], enums: [], typeDefinitions: [], functions: [], fileScopeDeclarations: [],
  };
  let current: FunctionSlot | undefined;
  let currentEnd = -1;
  const fileLevel = (list: SyntaxNode[], item: SyntaxNode) => {
    list.push(item);
    if (!current) return;
    current.contributesOutside = true;
    current.outside.push(item);
  };
  walkNodes(root, (node) => {
    summaryWalks.nodesVisited++;
    if (!node.isNamed) return false;
    if (current && node.startIndex >= currentEnd) current = undefined;
    if (current && isListedStatement(node)) {
      // A statement whose part is kept is read from it (statementMemo.ts), comments included.
      const part = keptPartOf(node);
      if (part) {
        current.keptStatements.push(node);
        for (const comment of part.comments) {
          nodes.comments.push(comment);
          current.comments.push(comment);
        }
        return false;
      }
      current.walkedStatements.push(node);
    }
    const type = node.type;
    switch (type) {
      case 'comment':
        nodes.comments.push(node);
        current?.comments.push(node);
        return false;
      case 'preproc_include':
        fileLevel(nodes.includes, node);
        return false;
      case 'preproc_def':
      case 'preproc_function_def':
        fileLevel(nodes.defines, node);
        return false;
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier': {
        if (node.childForFieldName('body')) fileLevel(type === 'enum_specifier' ? nodes.enums : nodes.records, node);
        return true;
      }
      case 'type_definition':
        fileLevel(nodes.typeDefinitions, node);
        return true;
      case 'function_definition': {
        // GNU nested functions (or mis-parses that look like them) stay part of the outer one.
        if (current) return true;
        const reuse = findReusable(memo, node);
        const slot = reuse ? skippedSlot(node, reuse) : withReuse(skippedSlot(node, undefined), undefined);
        nodes.functions.push(slot);
        if (reuse) return false;
        current = slot;
        currentEnd = node.endIndex;
        return true;
      }
      case 'declaration':
        if (current) current.declarations.push(node);
        else nodes.fileScopeDeclarations.push(node);
        return true;
      case 'call_expression':
        current?.calls.push(node);
        return true;
      default:
        return !OPAQUE.has(type);
    }
  });
  return nodes;
}

/** The lists of a slot whose definition is not walked into: shared, and never added to. */
const NOTHING: SyntaxNode[] = Object.freeze([]) as unknown as SyntaxNode[];

// Slots are made here only, all with the same fields in the same order: the summary reads
// hundreds of them per keystroke, and objects of one shape are read faster.

/** A slot for a definition whose insides are not walked (`reuse` stands for them, or none is needed). */
function skippedSlot(definition: SyntaxNode, reuse: Reuse | undefined): FunctionSlot {
  const none = NOTHING;
  return { definition, declarations: none, calls: none, keptStatements: none, walkedStatements: none, outside: none, comments: none, contributesOutside: false, reuse };
}

/** `slot` with its own lists (new ones when it had none) and `reuse`. */
function withReuse(slot: FunctionSlot, reuse: Reuse | undefined): FunctionSlot {
  const own = (list: SyntaxNode[]) => (list === NOTHING ? [] : list);
  return {
    definition: slot.definition,
    declarations: own(slot.declarations),
    calls: own(slot.calls),
    keptStatements: own(slot.keptStatements),
    walkedStatements: own(slot.walkedStatements),
    outside: own(slot.outside),
    comments: own(slot.comments),
    contributesOutside: slot.contributesOutside,
    reuse,
  };
}

/** Runs one item's extraction; a malformed item is dropped rather than failing the file. */
function attempt<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch {
    return undefined;
  }
}

const ANNOTATION = /^(?:\/\/\s*bpf-offload:\s*(entry|skip)\s*|\/\*\s*bpf-offload:\s*(entry|skip)\s*\*\/)$/;

interface AnnotationComment {
  kind: AnnotationKind;
  range: Range;
  endIndex: number;
}

function annotationCommentsOf(comments: SyntaxNode[]): AnnotationComment[] {
  const found: AnnotationComment[] = [];
  for (const comment of comments) {
    const match = ANNOTATION.exec(comment.text.trim());
    if (match) found.push({ kind: (match[1] ?? match[2]) as AnnotationKind, range: rangeOf(comment), endIndex: comment.endIndex });
  }
  return found;
}

/** `comments` in source order; each annotation applies to the next function definition. */
function annotationsOf(comments: AnnotationComment[], functions: { start: number; name: string }[]): Annotation[] {
  return comments.map(({ kind, range, endIndex }) => {
    const next = functions.find((f) => f.start >= endIndex);
    return { kind, range, ...(next ? { functionName: next.name } : {}) };
  });
}

/**
 * `memo`, kept from one summary of a file to the next, lets this one take the FunctionInfo of
 * every definition an edit left alone from the previous one (summarize/functionMemo.ts) instead
 * of summarising it again; the result equals a summary made without it.
 */
export function summarizeFile(file: string, tree: Tree, text: string, memo?: SummaryMemo): FileSummary {
  const root = tree.rootNode;
  const summary: FileSummary = {
    file, functions: [], prototypes: [], globals: [], records: [], typedefs: [], enums: [], defines: [],
    annotations: [], includes: [], hasSyntaxErrors: root.hasError,
  };
  if (text.length === 0) {
    memo?.forget(file);
    return summary;
  }
  const previous = memo?.get(file);
  const nodes = collectTree(root, previous);

  for (const node of nodes.includes) {
    const path = node.childForFieldName('path');
    if (path) summary.includes.push(textOf(path));
  }
  for (const node of nodes.defines) {
    const define = attempt(() => defineFrom(node, file));
    if (define) summary.defines.push(define);
  }
  const enumValues = new Map<string, number>();
  const globals = new Set<string>();
  // Asked again for every reused function on every edit (functionMemo.ts): a set, not a scan of the defines.
  const objectLikeDefines = new Set(summary.defines.filter((d) => !d.params).map((d) => d.name));
  const context: SummaryContext = {
    file,
    scope: fileScope(summary.defines, enumValues),
    isConstantName: (name) => enumValues.has(name) || objectLikeDefines.has(name),
    globalVariables: globals,
  };
  for (const node of nodes.enums) {
    const info = attempt(() => keptEnumFrom(node, context, (name, value) => enumValues.set(name, value)));
    if (info) summary.enums.push(info);
  }
  for (const node of nodes.records) {
    const record = attempt(() => keptRecordFrom(node, context));
    if (record) summary.records.push(record);
  }
  for (const node of nodes.typeDefinitions) summary.typedefs.push(...(attempt(() => typedefsFrom(node, context)) ?? []));
  for (const declaration of nodes.fileScopeDeclarations) {
    if (!memo) attempt(() => addFileScopeDeclaration(declaration, context, globals, summary));
    else attempt(() => addDeclarationOnce(declaration, context, globals, summary, (asked, into) => addFileScopeDeclaration(declaration, asked, globals, into)));
  }

  // A remembered definition whose questions to the file get other answers now is walked after all.
  const walkedAgain = new Set<FunctionSlot>();
  const slots = nodes.functions.map((slot) => {
    if (!slot.reuse || answersSame(slot.reuse.remembered.queries, context)) return slot;
    const again = walkAgain(slot, nodes.comments);
    walkedAgain.add(again);
    return again;
  });

  const comments = annotationCommentsOf(nodes.comments);
  const remembered = new FileSummaryMemo();
  const definitions: { start: number; name: string }[] = [];
  for (const slot of slots) {
    const start = slot.definition.startIndex;
    let info: FunctionInfo | undefined;
    let inside: RememberedFunction['comments'];
    let queries = slot.reuse?.remembered.queries ?? [];
    if (slot.reuse) {
      const { remembered: earlier, rowShift } = slot.reuse;
      info = earlier.info && rowShift !== 0 ? shiftFunction(earlier.info, rowShift) : earlier.info;
      inside = rowShift === 0 ? earlier.comments : earlier.comments.map((c) => ({ ...c, range: shiftRange(c.range, rowShift) }));
      for (const c of inside) comments.push({ kind: c.kind, range: c.range, endIndex: start + c.endOffset });
    } else {
      const asked: ContextQuery[] = (queries = []);
      // A definition edited since the previous summary keeps its statements' parts for the next
      // edit (most likely in it again); the first summary of a file, and the functions walked
      // again only because a constant or global changed, keep none.
      const keepParts = previous !== undefined && !walkedAgain.has(slot);
      info = attempt(() => summarizeFunction(slot, memo ? recordingContext(context, asked) : context, keepParts));
      // The comments inside one that contributes outside stay in the file's list even when it is reused.
      inside = slot.contributesOutside ? [] : annotationCommentsOf(slot.comments).map((c) => ({ kind: c.kind, range: c.range, endOffset: c.endIndex - start }));
    }
    if (memo) remember(remembered, slot, info, inside, queries);
    if (!info) continue;
    summary.functions.push(info);
    definitions.push({ start, name: info.name });
  }
  // Comments never overlap, so end order is source order (remembered ones were added last).
  comments.sort((a, b) => a.endIndex - b.endIndex);
  summary.annotations = annotationsOf(comments, definitions);
  memo?.set(file, remembered);
  return summary;
}

/** A slot whose remembered result does not fit after all (the file around it changed): walked now. */
function walkAgain(slot: FunctionSlot, comments: SyntaxNode[]): FunctionSlot {
  // Its insides were collected (collectTree), its comments with the file's.
  if (slot.contributesOutside) return withReuse(slot, undefined);
  const inner = collect(slot.definition);
  comments.push(...inner.comments);
  return inner.functions[0];
}

function remember(
  into: FileSummaryMemo,
  slot: FunctionSlot,
  info: FunctionInfo | undefined,
  comments: RememberedFunction['comments'],
  queries: ContextQuery[],
): void {
  const { definition, contributesOutside } = slot;
  // The current text (not the earlier one), so that no older version of the file's text stays alive.
  const text = definition.text;
  const { row, column } = definition.startPosition;
  into.add(definition, { text, row, column, parentType: definition.parent?.type, info, comments, queries, contributesOutside });
}

function addFileScopeDeclaration(declaration: SyntaxNode, context: SummaryContext, globals: Set<string>, summary: DeclarationParts): void {
  const specifiers = specifiersOf(declaration, context.file);
  for (const declarator of declaration.childrenForFieldName('declarator')) {
    if (!declarator) continue;
    const functionDeclarator = ownFunctionDeclarator(withoutInitializer(declarator));
    const info = variableFrom(declarator, specifiers, context, new Set());
    if (!info.name) continue;
    if (functionDeclarator) {
      summary.prototypes.push({
        name: info.name,
        range: rangeOf(declaration),
        isVariadic: isVariadicList(functionDeclarator.childForFieldName('parameters')),
      });
      continue;
    }
    const global: GlobalInfo = {
      ...info,
      file: context.file,
      isStatic: specifiers.storage.has('static'),
      isConst: info.isConst === true,
      isExtern: specifiers.storage.has('extern'),
    };
    globals.add(global.name);
    summary.globals.push(global);
  }
}
