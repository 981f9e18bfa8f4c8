// What a file says about its sockets: which names hold descriptors from socket()/accept(),
// whether they are datagram or stream sockets, and the port bound when it is visible.
import type { SyntaxNode } from '../syntax';
import type { ProgramFacts } from '../analyze';
import { functionDefinitions, namedChildrenOf, nodesOfTypes, textOf, walkTypes } from '../treeHelpers';

const CALLS: ReadonlySet<string> = new Set(['call_expression']);
const COLLECTED: ReadonlySet<string> = new Set(['call_expression', 'return_statement', 'assignment_expression', 'init_declarator']);
const INITIALIZERS: ReadonlySet<string> = new Set(['init_declarator']);

type SocketKind = 'udp' | 'tcp' | 'unknown';

const SOCKET_FUNCTIONS = new Set([
  'socket', 'accept', 'accept4', 'bind', 'listen', 'connect', 'setsockopt', 'getsockopt', 'close', 'shutdown',
  'recv', 'recvfrom', 'recvmsg', 'recvmmsg', 'read', 'send', 'sendto', 'sendmsg', 'sendmmsg', 'write', 'writev',
  'htons', 'htonl', 'ntohs', 'ntohl', 'memset', 'perror', 'fprintf', 'printf',
]);

export function isSocketFunctionName(name: string): boolean {
  return SOCKET_FUNCTIONS.has(name);
}

export function calleeName(call: SyntaxNode): string | undefined {
  const fn = call.childForFieldName('function');
  return fn?.type === 'identifier' ? fn.text : undefined;
}

export function callArguments(call: SyntaxNode): SyntaxNode[] {
  const args = call.childForFieldName('arguments');
  return args ? namedChildrenOf(args).filter((a) => a.type !== 'comment') : [];
}

/** Looks through casts and parentheses. */
export function stripWrappers(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (;;) {
    if (n.type === 'parenthesized_expression' && namedChildrenOf(n).length === 1) n = namedChildrenOf(n)[0];
    else if (n.type === 'cast_expression' && n.childForFieldName('value')) n = n.childForFieldName('value')!;
    else return n;
  }
}

/** `c->fd` → `fd`, `listener.fd` → `fd`, `sock` → `sock`. */
function lastName(node: SyntaxNode | undefined | null): string | undefined {
  if (!node) return undefined;
  const n = stripWrappers(node);
  if (n.type === 'identifier') return n.text;
  if (n.type === 'field_expression') return n.childForFieldName('field')?.text;
  return undefined;
}

function kindOfSocketCall(call: SyntaxNode): SocketKind {
  const name = calleeName(call);
  if (name === 'accept' || name === 'accept4') return 'tcp';
  const type = callArguments(call)[1]?.text ?? '';
  if (/SOCK_DGRAM/.test(type)) return 'udp';
  if (/SOCK_STREAM/.test(type)) return 'tcp';
  return 'unknown';
}

/** The variable or field a value is stored into: `int fd = X`, `c->fd = X`. */
function storedInto(value: SyntaxNode): string | undefined {
  let n = value.parent;
  while (n && (n.type === 'parenthesized_expression' || n.type === 'cast_expression')) n = n.parent;
  if (n?.type === 'init_declarator') return lastName(n.childForFieldName('declarator'));
  if (n?.type === 'assignment_expression' && n.childForFieldName('right')?.id !== undefined) return lastName(n.childForFieldName('left'));
  return undefined;
}

export class SocketFacts {
  private constructor(
    private readonly root: SyntaxNode,
    /** Descriptor names (variables or fields) → the kind of socket they were seen holding. */
    private readonly descriptors: Map<string, Set<SocketKind>>,
    private readonly socketKinds: Set<SocketKind>,
  ) {}

  static collect(root: SyntaxNode, _program: ProgramFacts): SocketFacts {
    const descriptors = new Map<string, Set<SocketKind>>();
    const kinds = new Set<SocketKind>();
    const add = (name: string | undefined, kind: SocketKind) => {
      if (!name) return;
      const set = descriptors.get(name) ?? new Set();
      set.add(kind);
      descriptors.set(name, set);
    };
    const returning = new Map<string, SocketKind>();
    // One pass collects what the three phases below read (each phase needs the previous one's
    // result, but not another walk of the file).
    const calls: SyntaxNode[] = [];
    const stores: SyntaxNode[] = [];
    const returns: SyntaxNode[] = [];
    for (const node of nodesOfTypes(root, COLLECTED)) {
      const type = node.type;
      if (type === 'call_expression') calls.push(node);
      else if (type === 'return_statement') returns.push(node);
      else stores.push(node);
    }
    for (const node of calls) {
      const name = calleeName(node);
      if (name === 'socket' || name === 'accept' || name === 'accept4') {
        const kind = kindOfSocketCall(node);
        if (name === 'socket') kinds.add(kind);
        add(storedInto(node), kind);
      }
    }
    // One step of copying (`c->fd = fd`, `listener.fd = open_listener(port)`) covers the usual
    // hand-over from the accepting or opening code to the connection record.
    const definitions = functionDefinitions(root);
    let at = 0;
    for (const node of returns) {
      while (at < definitions.length && definitions[at].endIndex <= node.startIndex) at++;
      const definition = definitions[at];
      if (!definition || definition.startIndex > node.startIndex) continue;
      const name = definition.childForFieldName('declarator')?.text.match(/^[*\s]*([A-Za-z_]\w*)/)?.[1];
      const held = lastName(namedChildrenOf(node)[0]);
      const kind = held ? descriptors.get(held) : undefined;
      if (name && kind) returning.set(name, [...kind][0]);
    }
    for (const node of stores) {
      const value = node.type === 'assignment_expression' ? node.childForFieldName('right') : node.childForFieldName('value');
      if (!value) continue;
      const stripped = stripWrappers(value);
      const from = stripped.type === 'call_expression' ? returning.get(calleeName(stripped) ?? '') : undefined;
      const held = lastName(stripped);
      const kinds2 = from ? new Set([from]) : held ? descriptors.get(held) : undefined;
      const target = node.type === 'assignment_expression' ? lastName(node.childForFieldName('left')) : lastName(node.childForFieldName('declarator'));
      if (kinds2 && target) for (const k of kinds2) add(target, k);
    }
    return new SocketFacts(root, descriptors, kinds);
  }

  isSocketDescriptor(node: SyntaxNode | undefined): boolean {
    const name = lastName(node);
    return name !== undefined && this.descriptors.has(name);
  }

  /** recvfrom/recvmsg need a datagram socket or a connected one; accept()ed descriptors are TCP. */
  protocolOf(descriptor: SyntaxNode | undefined, receiveCall: string): SocketKind {
    const name = lastName(descriptor);
    const known = name ? this.descriptors.get(name) : undefined;
    const candidates = known && known.size > 0 ? known : this.socketKinds;
    const definite = [...candidates].filter((k) => k !== 'unknown');
    if (definite.length === 1) return definite[0];
    if (definite.length === 0 && receiveCall === 'recvfrom' && this.socketKinds.size === 0) return 'unknown';
    return 'unknown';
  }

  /**
   * The port given to htons() where a `sin_port`/`sin6_port` is set: a constant, or a variable
   * whose initializer (or caller's argument) contains one — then it is the default the program
   * uses when nothing overrides it.
   */
  port(context: { program: ProgramFacts }): { port: number; source: string } | undefined {
    let found: { port: number; source: string } | undefined;
    for (const node of nodesOfTypes(this.root, CALLS)) {
      if (found) break;
      if (calleeName(node) !== 'htons') continue;
      const target = node.parent;
      const setsPort =
        (target?.type === 'assignment_expression' && /sin6?_port$/.test(textOf(target.childForFieldName('left')))) ||
        (target?.type === 'initializer_pair' && /sin6?_port/.test(textOf(target.childForFieldName('designator'))));
      const arg = callArguments(node)[0];
      if (!setsPort || !arg) continue;
      const value = resolvePort(stripWrappers(arg), context.program, enclosingFunction(node), this.root, 0);
      if (value) found = value;
    }
    return found;
  }
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = node; n; n = n.parent) if (n.type === 'function_definition') return n;
  return undefined;
}

const isPort = (n: number | undefined): n is number => n !== undefined && Number.isInteger(n) && n > 0 && n < 65536;

function resolvePort(expr: SyntaxNode, program: ProgramFacts, fn: SyntaxNode | undefined, root: SyntaxNode, depth: number): { port: number; source: string } | undefined {
  if (depth > 3) return undefined;
  const text = textOf(expr);
  const constant = program.types.evaluate(text);
  if (isPort(constant)) return { port: constant, source: `htons(${text})` };
  if (expr.type === 'conditional_expression') {
    for (const field of ['consequence', 'alternative']) {
      const branch = expr.childForFieldName(field);
      const value = branch ? resolvePort(stripWrappers(branch), program, fn, root, depth + 1) : undefined;
      if (value) return { port: value.port, source: `${textOf(branch)}, the default when nothing overrides it` };
    }
    return undefined;
  }
  if (expr.type !== 'identifier' || !fn) return undefined;
  // A local's initializer, or the argument callers pass for a parameter of that name.
  let result: { port: number; source: string } | undefined;
  walkTypes(fn, INITIALIZERS, (node) => {
    if (textOf(node.childForFieldName('declarator')) === text) {
      const value = node.childForFieldName('value');
      const inner = value ? resolvePort(stripWrappers(value), program, fn, root, depth + 1) : undefined;
      if (inner) result = { port: inner.port, source: `${inner.source.replace(/^htons\((.*)\)$/, '$1')} (initial value of ${text})` };
    }
    return true;
  }, () => result !== undefined);
  if (result) return result;
  const params = fn.childForFieldName('declarator');
  const paramList = params?.type === 'function_declarator' ? params.childForFieldName('parameters') : params?.childForFieldName('declarator')?.childForFieldName('parameters');
  const names = paramList ? namedChildrenOf(paramList).map((p) => p.childForFieldName('declarator')?.text.replace(/^[*\s]+/, '') ?? '') : [];
  const index = names.indexOf(text);
  const fnName = params?.text.match(/^[*\s]*([A-Za-z_]\w*)/)?.[1];
  if (index < 0 || !fnName) return undefined;
  for (const node of nodesOfTypes(root, CALLS)) {
    if (result) break;
    if (calleeName(node) !== fnName) continue;
    const arg = callArguments(node)[index];
    const caller = enclosingFunction(node);
    const inner = arg ? resolvePort(stripWrappers(arg), program, caller, root, depth + 1) : undefined;
    if (inner) result = { port: inner.port, source: `${inner.source} (passed to ${fnName})` };
  }
  return result;
}
