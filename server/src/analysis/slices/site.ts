// How the code around a handler call turns the handler's return into a reply or a drop, and
// which of the handler's parameters hold the packet and the reply.
import type { SyntaxNode, Tree } from '../syntax';
import { parameterNames, textOf, walkTypes } from '../treeHelpers';
import { CALLS, fileDefinitions, namesCalledIn } from './fileIndex';
import { callArguments, calleeName } from '../entries/sockets';

export const SEND_CALLS = new Set(['send', 'sendto', 'sendmsg', 'sendmmsg', 'write', 'writev']);

/**
 * 'zero-is-no-reply': the caller sends only when the result is > 0 (a length);
 * 'nonzero-is-no-reply': the caller sends only when the result == 0 (a status);
 * 'always': the result does not decide (void handlers, unconditional sends).
 */
export type ReplyRule = 'zero-is-no-reply' | 'nonzero-is-no-reply' | 'always';

export interface HandlerSite {
  rule: ReplyRule;
  packetParam?: string;
  replyParam?: string;
  /** The function that calls the handler. */
  caller?: string;
}

const lastComponent = (text: string) => /([A-Za-z_]\w*)\s*$/.exec(text.replace(/\s*\+.*$/, ''))?.[1] ?? text;

/** Finds the first call of `handler` in the file and reads the code around it. */
export function handlerSite(tree: Tree, handler: string, packetBuffer: string | undefined): HandlerSite {
  const { all: definitions } = fileDefinitions(tree);
  const handlerDefinition = definitions.find((d) => functionNameOf(d) === handler);
  const params = handlerDefinition ? parameterNames(handlerDefinition) : [];
  let call: SyntaxNode | undefined;
  let caller: SyntaxNode | undefined;
  for (const definition of definitions) {
    if (!namesCalledIn(definition).has(handler)) continue;
    walkTypes(
      definition,
      CALLS,
      (node) => {
        if (isCallOf(node, handler)) call = node;
      },
      () => call !== undefined,
    );
    if (call) {
      caller = definition;
      break;
    }
  }
  const site: HandlerSite = { rule: 'always' };
  if (!call || !caller) {
    site.packetParam = params[0];
    return site;
  }
  site.caller = functionNameOf(caller);
  const args = callArguments(call).map((a) => textOf(a));
  const packetField = packetBuffer ? lastComponent(packetBuffer) : undefined;
  const packetIndex = packetField ? args.findIndex((a) => new RegExp(`\\b${packetField}\\b`).test(a)) : -1;
  site.packetParam = params[packetIndex >= 0 ? packetIndex : 0];

  const send = firstSendAfter(caller, call);
  if (send) {
    const replyArg = textOf(callArguments(send)[1]);
    const replyIndex = args.findIndex((a) => a === replyArg);
    if (replyIndex >= 0) site.replyParam = params[replyIndex];
    site.rule = replyRule(call, send, caller);
  }
  return site;
}

/** Per definition node: its name depends on its syntax only, so it is kept on the node (carried over by reparses). */
const names = new WeakMap<SyntaxNode, string | null>();

function functionNameOf(definition: SyntaxNode): string | undefined {
  const known = names.get(definition);
  if (known !== undefined) return known ?? undefined;
  let d = definition.childForFieldName('declarator');
  while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
  const name = d?.text;
  names.set(definition, name ?? null);
  return name;
}

function firstSendAfter(scope: SyntaxNode, after: SyntaxNode): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  walkTypes(
    scope,
    CALLS,
    (node) => {
      if (node.startIndex >= after.startIndex && SEND_CALLS.has(calleeName(node) ?? '')) found = node;
    },
    () => found !== undefined,
  );
  return found;
}


/** Whether `node` calls `name` directly (the callee's length is compared before its text is read). */
function isCallOf(node: SyntaxNode, name: string): boolean {
  const callee = node.childForFieldName('function');
  return callee?.type === 'identifier' && callee.endIndex - callee.startIndex === name.length && callee.text === name;
}

function replyRule(call: SyntaxNode, send: SyntaxNode, stop: SyntaxNode): ReplyRule {
  let resultVar: string | undefined;
  const holder = call.parent;
  if (holder?.type === 'init_declarator') resultVar = textOf(holder.childForFieldName('declarator'));
  else if (holder?.type === 'assignment_expression') resultVar = textOf(holder.childForFieldName('left'));
  const callText = textOf(call);
  for (let n = send.parent; n && n.id !== stop.id; n = n.parent) {
    if (n.type !== 'if_statement') continue;
    const condition = textOf(n.childForFieldName('condition'));
    if (condition.includes(callText) && /==\s*0\b/.test(condition.slice(condition.indexOf(callText) + callText.length))) return 'nonzero-is-no-reply';
    if (resultVar && new RegExp(`\\b${resultVar}\\s*(>|!=)\\s*0\\b|^\\(?\\s*${resultVar}\\s*\\)?$`).test(condition)) return 'zero-is-no-reply';
  }
  return 'always';
}
