// A request handled inline in the receive loop (rate-limiter's main) becomes a handler function
// the translator can treat like any other: the loop function's definition is replaced, in a
// copy of the source, by `bpfo_inline_handler` holding the loop body's statements from the
// receive up to the send, on their original lines (so the line map still points at the
// original). The receive becomes the packet length, the send "reply with this length", a
// `continue` of the loop "no reply", and leaving the loop a hand-over.
import type { SyntaxNode, Tree } from '../../syntax';
import type { FunctionInfo } from '../../model';
import { findFunctionDefinition, walk } from '../../treeHelpers';
import { callArguments, calleeName, stripWrappers } from '../../entries/sockets';
import { SEND_CALLS } from '../../slices/site';
import { TranslationError } from './translate';
import { LOOP_TYPES } from './loops';

export const INLINE_HANDLER = 'bpfo_inline_handler';

export interface InlineHandler {
  /** The source with the loop function replaced by the handler, line for line. */
  text: string;
  /** Row (0-based) of the send in the original. */
  sendLine: number;
  /** The receive's capacity argument, e.g. "sizeof msg - 1", with buffer sizes spelt as types. */
  receiveCapacity: string;
  /** True when the reply is sent from the receive buffer. */
  replyFromRequest: boolean;
}

/** Called for an inline entry; throws TranslationError with the reason when the loop has another shape. */
export function inlineHandlerSource(tree: Tree, text: string, loopFunction: string, receiveCall: string, requestBuffer: string, lengthVar: string | undefined, info: FunctionInfo | undefined): InlineHandler {
  const fn = findFunctionDefinition(tree, loopFunction);
  const fnBody = fn?.childForFieldName('body');
  if (!fn || !fnBody) throw new TranslationError(`${loopFunction} is not defined in this file`);
  let receive: SyntaxNode | undefined;
  walk(fnBody, (n) => {
    if (!receive && n.type === 'call_expression' && calleeName(n) === receiveCall) receive = n;
    return !receive;
  });
  if (!receive) throw new TranslationError(`cannot find ${receiveCall} in ${loopFunction}`);
  const receiveStatement = statementIn(receive);
  const loopBody = receiveStatement?.parent;
  const loop = loopBody?.parent;
  if (!receiveStatement || !loopBody || !loop || !LOOP_TYPES.has(loop.type)) throw new TranslationError(`${receiveCall} in ${loopFunction} is not a statement of its receive loop's body`);
  if (!lengthVar) throw new TranslationError(`the length ${receiveCall} returns is not kept in a variable`);
  const statements = loopBody.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
  const receiveIndex = statements.findIndex((s) => s.id === receiveStatement.id);
  const after = statements.slice(receiveIndex + 1);
  const sends: SyntaxNode[] = [];
  for (const s of after) walk(s, (n) => {
    if (n.type === 'call_expression' && SEND_CALLS.has(calleeName(n) ?? '')) sends.push(n);
    return true;
  });
  const send = sends[0];
  const sendStatement = send ? statementIn(send) : undefined;
  if (!send || sends.length !== 1 || sendStatement?.id !== after[after.length - 1]?.id)
    throw new TranslationError(`the receive loop of ${loopFunction} does not end in its only send`);
  const sendArgs = callArguments(send).map((a) => stripWrappers(a).text);
  const replyBuffer = sendArgs[1];
  if (!replyBuffer || !/^[A-Za-z_]\w*$/.test(replyBuffer) || !/^[A-Za-z_]\w*$/.test(requestBuffer))
    throw new TranslationError(`the receive and send buffers of ${loopFunction} are not plain variables`);

  const typeOf = (name: string) => info?.locals.find((l) => l.name === name)?.typeText ?? info?.params.find((p) => p.name === name)?.typeText;
  const elementType = (name: string) => {
    const t = typeOf(name);
    if (!t || !/\[/.test(t)) throw new TranslationError(`${name} in ${loopFunction} is not a local array`);
    return t.slice(0, t.indexOf('[')).trim();
  };
  const buffers = new Map([[requestBuffer, typeOf(requestBuffer)!], [replyBuffer, typeOf(replyBuffer)!]]);
  elementType(requestBuffer);
  elementType(replyBuffer);

  // Edits on the original text, each keeping its line count.
  const edits: { start: number; end: number; text: string }[] = [];
  const blank = (from: number, to: number) => text.slice(from, to).replace(/[^\n]/g, ' ');
  for (const s of statements.slice(0, receiveIndex)) if (s.type !== 'declaration') edits.push({ start: s.startIndex, end: s.endIndex, text: blank(s.startIndex, s.endIndex) });
  edits.push({ start: receive.startIndex, end: receive.endIndex, text: 'bpfo_received' + '\n'.repeat(receive.endPosition.row - receive.startPosition.row) });
  for (const s of after.slice(0, -1)) walk(s, (n) => {
    if ((n.type === 'continue_statement' || n.type === 'break_statement') && ownerLoop(n, n.type === 'break_statement')?.id === loop.id)
      edits.push({ start: n.startIndex, end: n.endIndex, text: n.type === 'continue_statement' ? 'return 1;' : `${LEAVE_LOOP}();` });
    if (n.type === 'sizeof_expression') {
      const operand = n.namedChildren.find((c) => c && c.type !== 'comment');
      let id: SyntaxNode | null | undefined = operand;
      while (id?.type === 'parenthesized_expression') id = id.namedChildren[0];
      if (id?.type === 'identifier' && buffers.has(id.text)) edits.push({ start: n.startIndex, end: n.endIndex, text: `sizeof(${buffers.get(id.text)})` });
      return false;
    }
    return true;
  });
  const length = sendArgs[2] ?? '0';
  edits.push({ start: sendStatement.startIndex, end: sendStatement.endIndex, text: `{ *bpfo_reply_len = ${length}; return 0; }` + '\n'.repeat(sendStatement.endPosition.row - sendStatement.startPosition.row) });
  const header = `int ${INLINE_HANDLER}(${elementType(requestBuffer)} *${requestBuffer}, __u64 bpfo_received, ${elementType(replyBuffer)} *${replyBuffer}, __u64 *bpfo_reply_len) {`;
  edits.sort((a, b) => a.start - b.start);
  let body = '';
  let at = loopBody.startIndex + 1;
  for (const e of edits) {
    if (e.start < at) continue;
    body += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  body += text.slice(at, sendStatement.endIndex);
  const headerRows = loopBody.startPosition.row - fn.startPosition.row;
  const tailRows = fn.endPosition.row - sendStatement.endPosition.row;
  const replacement = `${header}${'\n'.repeat(headerRows)}${' '.repeat(loopBody.startPosition.column + 1)}${body}\n}${'\n'.repeat(Math.max(0, tailRows - 1))}`;
  const capacity = callArguments(receive)[2];
  return {
    text: text.slice(0, fn.startIndex) + replacement + text.slice(fn.endIndex),
    sendLine: send.startPosition.row,
    receiveCapacity: capacity ? sizeOfTypes(stripWrappers(capacity).text, buffers) : `sizeof(${buffers.get(requestBuffer)})`,
    replyFromRequest: replyBuffer === requestBuffer,
  };
}

/** Leaving the receive loop ends the server's loop: only userspace may do that. */
export const LEAVE_LOOP = 'leave_receive_loop';

function sizeOfTypes(expr: string, buffers: Map<string, string>): string {
  return expr.replace(/sizeof\s*\(?\s*([A-Za-z_]\w*)\s*\)?/g, (whole, name: string) => (buffers.has(name) ? `sizeof(${buffers.get(name)})` : whole));
}

function statementIn(node: SyntaxNode): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = node; n; n = n.parent) if (n.parent?.type === 'compound_statement') return n;
  return undefined;
}

function ownerLoop(node: SyntaxNode, switchToo: boolean): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (LOOP_TYPES.has(n.type) || (switchToo && n.type === 'switch_statement')) return n;
  return undefined;
}
