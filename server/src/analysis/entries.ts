// Where requests enter a server, found without configuration: a loop that receives from a
// socket (and the function the received buffer is handed to), or a callback an event loop
// calls. `// bpf-offload: entry` comments and the `entries` setting replace discovery for the
// program, but keep what discovery learnt about the same function (protocol, port, receive).
import type { SyntaxNode, Tree } from './syntax';
import type { FileSummary, FunctionInfo, Range } from './model';
import type { AnalyzeOptions, ProgramFacts } from './analyze';
import { parameterNames, nodesOfTypes, rangeOf, textOf, walkTypes } from './treeHelpers';

const CALLS: ReadonlySet<string> = new Set(['call_expression']);
const IOVEC_SETTERS: ReadonlySet<string> = new Set(['initializer_pair', 'assignment_expression']);
import { callArguments, calleeName, isSocketFunctionName, SocketFacts, stripWrappers } from './entries/sockets';
import { definitionName, definitionOf, fileDefinitions } from './slices/fileIndex';

export type EntryHow = 'annotation' | 'setting' | 'receive-loop' | 'event-callback';
export type EntryProtocol = 'udp' | 'tcp' | 'unknown';

export interface ReceiveSite {
  /** The receive function called: recvfrom, recvmsg, recv, read, … */
  call: string;
  range: Range;
  /** The expression naming the buffer that receives the packet, e.g. "buf", "c->in". */
  buffer: string;
  /** The variable assigned the received length, when there is one. */
  lengthVar?: string;
}

export interface RequestEntry {
  /** Stable within one analysis: `${name}@${line}` (0-based line of the receive or function). */
  id: string;
  /** The function holding the receive loop or callback (or the annotated/listed function). */
  name: string;
  file: string;
  /** The function's whole definition. */
  range: Range;
  nameRange: Range;
  how: EntryHow;
  protocol: EntryProtocol;
  port?: number;
  /** How the port was found, e.g. "htons(DEFAULT_PORT)" or "DEFAULT_PORT, the default of port". */
  portSource?: string;
  /** Absent for annotated or listed functions whose caller's receive is not visible. */
  receive?: ReceiveSite;
  /** The function the received buffer is handed to, when the handling is not inline. */
  handler?: string;
  /** Functions the buffer passes through (in a containing struct) before reaching the handler. */
  handlerChain?: string[];
  /** One line saying what the analysis concluded (discovery, then slices and cost when known). */
  summary: string;
}

export interface EntryInput {
  file: string;
  tree: Tree;
  text: string;
  summary: FileSummary;
  program: ProgramFacts;
  options: Pick<AnalyzeOptions, 'entries'>;
}

const RECEIVE_CALLS = new Set(['recv', 'recvfrom', 'recvmsg', 'recvmmsg', 'read']);
const POLL_CALLS = new Set(['epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'poll', 'ppoll', 'select', 'pselect', 'event_base_dispatch', 'event_base_loop', 'ev_run', 'ev_loop', 'uv_run']);
/** Event-loop registration calls and the index of the callback argument. */
const CALLBACK_REGISTRATIONS = new Map<string, number>([
  ['ev_io_init', 1],
  ['ev_init', 1],
  ['event_new', 3],
  ['event_assign', 4],
  ['event_set', 3],
  ['bufferevent_setcb', 1],
  ['uv_udp_recv_start', 2],
  ['uv_read_start', 2],
]);
const LOOP_TYPES = new Set(['for_statement', 'while_statement', 'do_statement']);
// Deep enough for a dispatcher between the loop and the handler, shallow enough to stay cheap.
const MAX_HANDLER_DEPTH = 4;

/** Request entries of one file: annotated/listed functions if the program has any, else discovered ones. */
export function discoverEntries(input: EntryInput): RequestEntry[] {
  const discovered = discoverFromCode(input);
  const explicit = explicitEntries(input, discovered);
  return explicit ?? discovered;
}

function explicitEntries(input: EntryInput, discovered: RequestEntry[]): RequestEntry[] | undefined {
  const annotated = new Set<string>();
  let anyInProgram = false;
  for (const s of input.program.summaries.values())
    for (const a of s.annotations)
      if (a.kind === 'entry' && a.functionName) {
        anyInProgram = true;
        if (s.file === input.file) annotated.add(a.functionName);
      }
  const listed = new Set(input.options.entries);
  // Nothing listed (the usual case): no need to look through every function of the program.
  if (listed.size > 0 && !anyInProgram) for (const s of input.program.summaries.values()) if (s.functions.some((f) => listed.has(f.name))) anyInProgram = true;
  if (!anyInProgram) return undefined;
  const entries: RequestEntry[] = [];
  for (const fn of input.summary.functions) {
    const how: EntryHow | undefined = annotated.has(fn.name) ? 'annotation' : listed.has(fn.name) ? 'setting' : undefined;
    if (!how) continue;
    const known = discovered.find((d) => d.handler === fn.name) ?? discovered.find((d) => d.name === fn.name);
    const entry: RequestEntry = {
      id: `${fn.name}@${fn.range.start.line}`,
      name: fn.name,
      file: input.file,
      range: fn.range,
      nameRange: fn.nameRange,
      how,
      protocol: known?.protocol ?? 'unknown',
      summary: '',
    };
    if (known?.port !== undefined) entry.port = known.port;
    if (known?.portSource) entry.portSource = known.portSource;
    // The receive belongs to this entry only when it is in the function itself.
    if (known && known.name === fn.name) {
      if (known.receive) entry.receive = known.receive;
      if (known.handler) entry.handler = known.handler;
      if (known.handlerChain) entry.handlerChain = known.handlerChain;
    }
    entry.summary = discoverySummary(entry, known ? `called with the packet from ${known.name}` : undefined);
    entries.push(entry);
  }
  return entries;
}

function discoverFromCode(input: EntryInput): RequestEntry[] {
  const root = input.tree.rootNode;
  const sockets = SocketFacts.collect(root, input.program);
  // The slices index the same definitions (and their names) of this version: built once, for both.
  const definitions = fileDefinitions(input.tree).all;
  const callbacks = registeredCallbacks(root);
  const polledCallees = calleesOfPollingLoops(definitions);
  const entries: RequestEntry[] = [];
  // By name and line, first of each (as a search in order would find): one lookup per definition, not a scan.
  const byNameAndLine = new Map<string, FunctionInfo>();
  for (const f of input.summary.functions) {
    const key = `${f.name}\0${f.range.start.line}`;
    if (!byNameAndLine.has(key)) byNameAndLine.set(key, f);
  }
  for (const definition of definitions) {
    const name = definitionName(definition);
    const fn = name ? byNameAndLine.get(`${name}\0${definition.startPosition.row}`) : undefined;
    if (!fn) continue;
    const body = definition.childForFieldName('body');
    if (!body) continue;
    const isCallback = callbacks.has(fn.name) || polledCallees.has(fn.name);
    const receives = receiveCallsIn(body).filter((node) => calleeName(node) !== 'read' || sockets.isSocketDescriptor(callArguments(node)[0]));
    for (const call of receives) {
      const loop = enclosingLoop(call, body);
      if (!loop && !isCallback) continue;
      const receive = receiveSite(call, body);
      const handler = findHandler(input, loop ?? body, call, receive.buffer, 0);
      const entry: RequestEntry = {
        id: `${fn.name}@${call.startPosition.row}`,
        name: fn.name,
        file: input.file,
        range: fn.range,
        nameRange: fn.nameRange,
        how: isCallback ? 'event-callback' : 'receive-loop',
        protocol: sockets.protocolOf(callArguments(call)[0], receive.call),
        receive,
        summary: '',
      };
      const port = sockets.port(input);
      if (port) {
        entry.port = port.port;
        entry.portSource = port.source;
      }
      if (handler) {
        entry.handler = handler.name;
        if (handler.chain.length) entry.handlerChain = handler.chain;
      }
      entry.summary = discoverySummary(entry);
      entries.push(entry);
    }
    if (receives.length === 0 && callbacks.has(fn.name)) {
      entries.push({
        id: `${fn.name}@${fn.range.start.line}`,
        name: fn.name,
        file: input.file,
        range: fn.range,
        nameRange: fn.nameRange,
        how: 'event-callback',
        protocol: 'unknown',
        summary: `event callback ${fn.name} (registered with ${callbacks.get(fn.name)}); no receive call visible in it`,
      });
    }
  }
  return entries;
}

function enclosingLoop(node: SyntaxNode, stop: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n && n.id !== stop.id; n = n.parent) if (LOOP_TYPES.has(n.type)) return n;
  return undefined;
}

function receiveSite(call: SyntaxNode, body: SyntaxNode): ReceiveSite {
  const callee = calleeName(call) ?? '';
  const args = callArguments(call);
  let buffer = '';
  if (callee === 'recvmsg' || callee === 'recvmmsg') buffer = iovBase(body) ?? textOf(args[1]);
  else if (args[1]) buffer = bufferExpression(args[1]);
  const site: ReceiveSite = { call: callee, range: rangeOf(call), buffer };
  const lengthVar = assignedName(call);
  if (lengthVar) site.lengthVar = lengthVar;
  return site;
}

/** `buf`, `c->in + c->in_len` → `c->in`, `&msg[0]` → `msg`, `(char *)p` → `p`. */
function bufferExpression(node: SyntaxNode): string {
  let n = stripWrappers(node);
  while (n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '+' && n.childForFieldName('left'))
    n = stripWrappers(n.childForFieldName('left')!);
  if (n.type === 'pointer_expression' && n.childForFieldName('operator')?.text === '&') {
    const arg = n.childForFieldName('argument');
    if (arg?.type === 'subscript_expression' && arg.childForFieldName('argument')) return textOf(arg.childForFieldName('argument'));
    if (arg) return textOf(arg);
  }
  return textOf(n);
}

/** The buffer a recvmsg fills: the `iov_base` of an iovec set up in the same function. */
function iovBase(body: SyntaxNode): string | undefined {
  let found: string | undefined;
  walkTypes(body, IOVEC_SETTERS, (node) => {
    if (node.type === 'initializer_pair') {
      const designator = node.childForFieldName('designator');
      const value = node.childForFieldName('value');
      if (designator && /iov_base/.test(designator.text) && value) found = bufferExpression(value);
    } else if (node.type === 'assignment_expression') {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (left && /\.iov_base$|->iov_base$/.test(textOf(left)) && right) found = bufferExpression(right);
    }
    return true;
  }, () => found !== undefined);
  return found;
}

function assignedName(call: SyntaxNode): string | undefined {
  let n = call.parent;
  while (n && (n.type === 'parenthesized_expression' || n.type === 'cast_expression')) n = n.parent;
  if (n?.type === 'init_declarator') return textOf(n.childForFieldName('declarator'));
  if (n?.type === 'assignment_expression') return textOf(n.childForFieldName('left'));
  return undefined;
}

function mentions(text: string, name: string): boolean {
  if (!name) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s*');
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}($|[^A-Za-z0-9_])`).test(text);
}

/** The root variable of a buffer expression: `c->in` → `c`, `buf` → `buf`. */
function rootName(buffer: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*/.exec(buffer)?.[0] ?? buffer;
}

interface HandlerFound {
  name: string;
  chain: string[];
}

/**
 * The first call after the receive, inside the loop, that is given the buffer and is defined
 * in this file. When only the buffer's container is passed (`process_input(c)` for `c->in`),
 * the search continues inside that function with the parameter standing for the container.
 */
function findHandler(input: EntryInput, scope: SyntaxNode, after: SyntaxNode | undefined, buffer: string, depth: number): HandlerFound | undefined {
  if (!buffer || depth > MAX_HANDLER_DEPTH) return undefined;
  const root = rootName(buffer);
  let result: HandlerFound | undefined;
  walkTypes(scope, CALLS, (node) => {
    if (after && node.startIndex <= after.startIndex) return true;
    const callee = calleeName(node);
    if (!callee || isSocketFunctionName(callee)) return true;
    const definition = definitionOf(input.tree, callee);
    if (!definition) return true;
    const args = callArguments(node);
    const direct = args.findIndex((a) => mentions(textOf(a), buffer));
    if (direct >= 0) {
      result = { name: callee, chain: [] };
      return false;
    }
    const container = root !== buffer ? args.findIndex((a) => textOf(a) === root) : -1;
    if (container >= 0) {
      const param = parameterNames(definition)[container];
      const body = definition.childForFieldName('body');
      if (param && body) {
        const inner = findHandler(input, body, undefined, param + buffer.slice(root.length), depth + 1);
        if (inner) result = { name: inner.name, chain: [callee, ...inner.chain] };
      }
    }
    return true;
  }, () => result !== undefined);
  return result;
}

/**
 * Facts kept per top-level declaration (or per function definition) of a tree: one carried over
 * unchanged from the previous version of the document (plainTreeEdit.ts) is the same object and
 * never changes, so after an edit only re-parsed declarations are read again.
 */
function keptPer<T>(compute: (node: SyntaxNode) => T): (node: SyntaxNode) => T {
  const kept = new WeakMap<SyntaxNode, T>();
  return (node) => {
    let found = kept.get(node);
    if (found === undefined) kept.set(node, (found = compute(node)));
    return found;
  };
}

/** Callback registrations of a subtree, in source order: [callback, registering call]. */
const registrationsIn = keptPer((root: SyntaxNode): [string, string][] => {
  const found: [string, string][] = [];
  for (const node of nodesOfTypes(root, CALLS)) {
    const callee = calleeName(node);
    const index = callee ? CALLBACK_REGISTRATIONS.get(callee) : undefined;
    if (callee && index !== undefined) {
      const arg = callArguments(node)[index];
      const name = arg ? textOf(stripWrappers(arg)).replace(/^&/, '') : '';
      if (/^[A-Za-z_]\w*$/.test(name) && name !== 'NULL') found.push([name, callee]);
    }
  }
  return found;
});

function registeredCallbacks(root: SyntaxNode): Map<string, string> {
  const found = new Map<string, string>();
  const parts = root.parent === null && !CALLS.has(root.type) ? root.children.map(registrationsIn) : [registrationsIn(root)];
  for (const part of parts) for (const [name, callee] of part) found.set(name, callee);
  return found;
}

/** Functions called inside a loop that also waits with epoll_wait/poll/select: hand-written dispatch. */
function calleesOfPollingLoops(definitions: SyntaxNode[]): Set<string> {
  const found = new Set<string>();
  for (const definition of definitions) for (const name of polledCalleesIn(definition)) found.add(name);
  return found;
}

const polledCalleesIn = keptPer((definition: SyntaxNode): string[] => {
  const found: string[] = [];
  walkTypes(definition, LOOP_TYPES, (node) => {
    const calls: string[] = [];
    walkTypes(node, CALLS, (inner) => {
      const name = calleeName(inner);
      if (name) calls.push(name);
      return true;
    });
    if (calls.some((c) => POLL_CALLS.has(c))) for (const c of calls) if (!POLL_CALLS.has(c)) found.push(c);
    return false;
  });
  return found;
});

/** Calls of a receive function in a function's body; `read` only counts on a socket (checked per analysis). */
const receiveCallsIn = keptPer((body: SyntaxNode): SyntaxNode[] =>
  nodesOfTypes(body, CALLS).filter((node) => {
    const callee = calleeName(node);
    return callee !== undefined && RECEIVE_CALLS.has(callee);
  }),
);

export function discoverySummary(entry: RequestEntry, extra?: string): string {
  const proto = entry.protocol === 'unknown' ? 'protocol unknown' : entry.protocol.toUpperCase();
  const port = entry.port !== undefined ? ` port ${entry.port}` : '';
  const how =
    entry.how === 'annotation'
      ? 'entry marked with // bpf-offload: entry'
      : entry.how === 'setting'
        ? 'entry listed in settings'
        : entry.how === 'event-callback'
          ? `event callback receiving with ${entry.receive?.call ?? '?'}`
          : `${entry.receive?.call ?? 'receive'} loop in ${entry.name}`;
  const handler = entry.handler ? ` → ${[...(entry.handlerChain ?? []), entry.handler].join(' → ')}` : entry.receive ? ' (handled inline)' : '';
  return `${proto}${port}: ${how}${handler}${extra ? `, ${extra}` : ''}`;
}
