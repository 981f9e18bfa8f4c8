// The locals and call sites of one function body, from the nodes the file walk collected in it
// and the parts kept for the statements it skipped (statementMemo.ts); with `keepParts`, the
// statements it walked into keep theirs for the next summary of the function.
import type { SyntaxNode } from '../syntax';
import type { CallSite, VariableInfo } from '../model';
import { lowerBound, namedChildrenOf, ownFunctionDeclarator, rangeOf, textOf } from '../treeHelpers';
import { specifiersOf, variableFrom, withoutInitializer, type NameSet, type SummaryContext } from './declarations';
import { answersSame, recordingContext, type ContextQuery } from './functionMemo';
import { keepPart, nodesInside, partAt, type KeptCall, type KeptLocal, type StatementPart } from './statementMemo';

/** Nodes inside one function definition, collected in source order by the file walk. */
export interface FunctionNodes {
  definition: SyntaxNode;
  /** `declaration` nodes in the body (including for-initialisers) and K&R parameter declarations. */
  declarations: SyntaxNode[];
  calls: SyntaxNode[];
  /** Statements the walk skipped because a part is kept for them (statementMemo.ts). */
  keptStatements: SyntaxNode[];
  /** Statements of a statement list the walk went into (see isListedStatement). */
  walkedStatements: SyntaxNode[];
  /**
   * What inside goes to the file's own lists. Nodes, not offsets: what collect found in a
   * top-level declaration is kept with it (summarize.ts), which may have moved since.
   */
  outside: SyntaxNode[];
  /** Comments inside, kept statements' included. */
  comments: SyntaxNode[];
}

/** What the body gave, with where each item starts, for the parts of the walked statements. */
class Found {
  readonly locals: KeptLocal[] = [];
  readonly localStarts: number[] = [];
  readonly calls: KeptCall[] = [];
  readonly callStarts: number[] = [];
  commentStarts: number[] = [];
  outsideStarts: number[] = [];
}

const NO_ANSWERS: [string, boolean][] = [];

export function localsAndCalls(
  nodes: FunctionNodes,
  context: SummaryContext,
  params: VariableInfo[],
  keepParts: boolean,
): { locals: VariableInfo[]; calls: CallSite[] } {
  const variables = new Set(params.map((p) => p.name));
  const locals: VariableInfo[] = [];
  const found = keepParts ? new Found() : undefined;
  const file = context.file;

  const addDeclaration = (declaration: SyntaxNode) => {
    if (declaration.parent?.type === 'function_definition') return; // K&R parameter types
    const specifiers = specifiersOf(declaration, file);
    // `extern` inside a body declares storage elsewhere; it takes no stack.
    if (specifiers.storage.has('extern')) return;
    for (const declarator of declaration.childrenForFieldName('declarator')) {
      if (!declarator || ownFunctionDeclarator(withoutInitializer(declarator))) continue;
      if (!found) {
        const info = variableFrom(declarator, specifiers, context, variables);
        if (!info.name) continue;
        variables.add(info.name);
        locals.push(info);
        continue;
      }
      const queries: ContextQuery[] = [];
      let variableAnswers = NO_ANSWERS;
      const asked: NameSet = {
        has(name) {
          const answer = variables.has(name);
          if (variableAnswers === NO_ANSWERS) variableAnswers = [];
          variableAnswers.push([name, answer]);
          return answer;
        },
      };
      const info = variableFrom(declarator, specifiers, recordingContext(context, queries), asked);
      if (!info.name) continue;
      variables.add(info.name);
      locals.push(info);
      found.locals.push({ info, queries, variableAnswers });
      found.localStarts.push(declaration.startIndex);
    }
  };

  // Whether a kept part's locals are what its statement declares here: the same answers to the
  // same questions, its own earlier locals counted among the variables.
  const fits = (part: StatementPart) => {
    for (let i = 0; i < part.locals.length; i++) {
      const local = part.locals[i];
      if (!answersSame(local.queries, context)) return false;
      for (const [name, answer] of local.variableAnswers) {
        if ((variables.has(name) || part.locals.slice(0, i).some((l) => l.info.name === name)) !== answer) return false;
      }
    }
    return true;
  };

  const kept = nodes.keptStatements;
  const used = new Map<SyntaxNode, StatementPart>();
  const expanded = new Map<SyntaxNode, SyntaxNode[]>();
  const declarations = nodes.declarations;
  let d = 0;
  for (let k = 0; k <= kept.length; k++) {
    const statement = kept[k] as SyntaxNode | undefined;
    // An ancestor of the statement (a declaration holding a statement expression) comes first.
    const limit = statement ? statement.startIndex : Infinity;
    for (; d < declarations.length && declarations[d].startIndex <= limit; d++) addDeclaration(declarations[d]);
    if (!statement) break;
    const part = partAt(statement, file);
    if (part && fits(part)) {
      used.set(statement, part);
      part.locals.forEach((local, i) => {
        variables.add(local.info.name);
        locals.push(local.info);
        if (found) {
          found.locals.push(local);
          found.localStarts.push(statement.startIndex + part.localOffsets[i]);
        }
      });
    } else {
      const inside = nodesInside(statement);
      for (const declaration of inside.declarations) addDeclaration(declaration);
      expanded.set(statement, inside.calls);
    }
  }

  const calls: CallSite[] = [];
  const isDirectCall = (target: string | undefined) => target !== undefined && !variables.has(target) && !context.globalVariables.has(target);
  const addCall = (call: SyntaxNode) => {
    const fn = call.childForFieldName('function');
    if (!fn) return;
    const args = call.childForFieldName('arguments');
    const argumentCount = args ? namedChildrenOf(args).filter((a) => a.type !== 'comment').length : 0;
    const target = stripParentheses(fn);
    const name = target.type === 'identifier' ? target.text : undefined;
    // A name that is a parameter, local or global variable holds a function pointer.
    const isDirect = isDirectCall(name);
    const range = rangeOf(call);
    const site: CallSite = {
      ...(isDirect ? { callee: name } : {}),
      calleeText: textOf(fn),
      argumentCount,
      range,
      calleeRange: isDirect ? rangeOf(target) : rangeOf(call),
    };
    calls.push(site);
    if (!found) return;
    found.calls.push(name === undefined ? { site } : { site, target: name, targetRange: isDirect ? site.calleeRange : rangeOf(target) });
    found.callStarts.push(call.startIndex);
  };
  const reuseCall = (call: KeptCall, start: number) => {
    const isDirect = isDirectCall(call.target);
    const site = isDirect === (call.site.callee !== undefined) ? call.site : remade(call, isDirect);
    calls.push(site);
    if (!found) return;
    found.calls.push(site === call.site ? call : { ...call, site });
    found.callStarts.push(start);
  };
  let c = 0;
  for (let k = 0; k <= kept.length; k++) {
    const statement = kept[k] as SyntaxNode | undefined;
    const limit = statement ? statement.startIndex : Infinity;
    for (; c < nodes.calls.length && nodes.calls[c].startIndex <= limit; c++) addCall(nodes.calls[c]);
    if (!statement) break;
    const part = used.get(statement);
    if (part) part.calls.forEach((call, i) => reuseCall(call, statement.startIndex + part.callOffsets[i]));
    else for (const call of expanded.get(statement)!) addCall(call);
  }

  if (found) {
    found.commentStarts = nodes.comments.map((comment) => comment.startIndex);
    found.outsideStarts = nodes.outside.map((node) => node.startIndex);
    for (const statement of nodes.walkedStatements) keepPartOf(statement, nodes, found, file);
    for (const statement of expanded.keys()) keepPartOf(statement, nodes, found, file);
  }
  return { locals, calls };
}

/** `call` as a direct call or not, which it was not when made. */
function remade(call: KeptCall, isDirect: boolean): CallSite {
  const { calleeText, argumentCount, range } = call.site;
  if (isDirect) return { callee: call.target, calleeText, argumentCount, range, calleeRange: call.targetRange! };
  return { calleeText, argumentCount, range, calleeRange: { start: { ...range.start }, end: { ...range.end } } };
}

/** Characters below which a statement that gives nothing keeps no part. */
const SHORT_STATEMENT = 80;

/** Keeps what `statement` gave, unless something inside it goes to the file's lists. */
function keepPartOf(statement: SyntaxNode, nodes: FunctionNodes, found: Found, file: string): void {
  const start = statement.startIndex;
  const end = statement.endIndex;
  const inside = (starts: number[]) => [lowerBound(starts, start), lowerBound(starts, end)];
  const [outsideFrom, outsideTo] = inside(found.outsideStarts);
  if (outsideFrom < outsideTo) return;
  const [localFrom, localTo] = inside(found.localStarts);
  const [callFrom, callTo] = inside(found.callStarts);
  const [commentFrom, commentTo] = inside(found.commentStarts);
  // A short statement giving nothing (`i++;`, `break;`) is walked in less time than a kept part
  // is checked, and most statements are such: keeping nothing for them makes the first edit of a
  // long function, which keeps parts for all the others, cheaper.
  if (localFrom === localTo && callFrom === callTo && commentFrom === commentTo && end - start < SHORT_STATEMENT) return;
  const offsets = (starts: number[], from: number, to: number) => {
    const list: number[] = [];
    for (let i = from; i < to; i++) list.push(starts[i] - start);
    return list;
  };
  const comments = nodes.comments.slice(commentFrom, commentTo);
  const { row, column } = statement.startPosition;
  keepPart(statement, {
    file,
    row,
    column,
    locals: found.locals.slice(localFrom, localTo),
    localOffsets: offsets(found.localStarts, localFrom, localTo),
    calls: found.calls.slice(callFrom, callTo),
    callOffsets: offsets(found.callStarts, callFrom, callTo),
    comments,
  });
}

function stripParentheses(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.type === 'parenthesized_expression') {
    const inner = namedChildrenOf(current).find((c) => c.type !== 'comment');
    if (!inner) break;
    current = inner;
  }
  return current;
}
