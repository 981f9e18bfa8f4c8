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

/**
 * What one subtree's calls, returns and stores say about sockets, read without the rest of the
 * file; SocketFacts.collect replays these steps in source order over the whole file.
 */
interface SocketSteps {
  /** socket()/accept() calls: the kind they open and where the descriptor is stored. */
  opened: { kind: SocketKind; bySocket: boolean; target: string | undefined }[];
  /** `return held;` in a function named `fn`. */
  returns: { fn: string; held: string }[];
  /** `target = value`: the function called for the value, if it is a call, or the name it copies. */
  stores: { callee: string | undefined; held: string | undefined; target: string }[];
  /** htons() calls that set a sin_port, with their argument. */
  portSetters: SyntaxNode[];
}

/**
 * Steps kept per top-level declaration: a declaration carried over unchanged from the previous
 * version of the document (plainTreeEdit.ts) is the same object, and a subtree never changes once
 * built, so after an edit only the re-parsed declarations are read again.
 */
const stepsByDeclaration = new WeakMap<SyntaxNode, SocketSteps>();

function socketStepsOf(root: SyntaxNode): SocketSteps[] {
  if (root.parent !== null || COLLECTED.has(root.type)) return [stepsOf(root)];
  return root.children.map((child) => {
    let steps = stepsByDeclaration.get(child);
    if (!steps) stepsByDeclaration.set(child, (steps = stepsOf(child)));
    return steps;
  });
}

function stepsOf(root: SyntaxNode): SocketSteps {
  const steps: SocketSteps = { opened: [], returns: [], stores: [], portSetters: [] };
  const returns: SyntaxNode[] = [];
  for (const node of nodesOfTypes(root, COLLECTED)) {
    const type = node.type;
    if (type === 'call_expression') {
      const name = calleeName(node);
      if (name === 'socket' || name === 'accept' || name === 'accept4') {
        steps.opened.push({ kind: kindOfSocketCall(node), bySocket: name === 'socket', target: storedInto(node) });
      } else if (name === 'htons' && setsPort(node) && callArguments(node)[0]) steps.portSetters.push(node);
    } else if (type === 'return_statement') returns.push(node);
    else {
      const value = type === 'assignment_expression' ? node.childForFieldName('right') : node.childForFieldName('value');
      if (!value) continue;
      const target = type === 'assignment_expression' ? lastName(node.childForFieldName('left')) : lastName(node.childForFieldName('declarator'));
      if (!target) continue;
      const stripped = stripWrappers(value);
      const callee = stripped.type === 'call_expression' ? (calleeName(stripped) ?? '') : undefined;
      steps.stores.push({ callee, held: lastName(stripped), target });
    }
  }
  // The function holding each return: definitions and returns both come in source order.
  const definitions = functionDefinitions(root);
  let at = 0;
  for (const node of returns) {
    while (at < definitions.length && definitions[at].endIndex <= node.startIndex) at++;
    const definition = definitions[at];
    if (!definition || definition.startIndex > node.startIndex) continue;
    const fn = definition.childForFieldName('declarator')?.text.match(/^[*\s]*([A-Za-z_]\w*)/)?.[1];
    const held = lastName(namedChildrenOf(node)[0]);
    if (fn && held) steps.returns.push({ fn, held });
  }
  return steps;
}

/** Whether an htons() call is what a `sin_port`/`sin6_port` is set to. */
function setsPort(call: SyntaxNode): boolean {
  const target = call.parent;
  return (
    (target?.type === 'assignment_expression' && /sin6?_port$/.test(textOf(target.childForFieldName('left')))) ||
    (target?.type === 'initializer_pair' && /sin6?_port/.test(textOf(target.childForFieldName('designator'))))
  );
}

export class SocketFacts {
  private constructor(
    private readonly root: SyntaxNode,
    /** Descriptor names (variables or fields) → the kind of socket they were seen holding. */
    private readonly descriptors: Map<string, Set<SocketKind>>,
    private readonly socketKinds: Set<SocketKind>,
    private readonly steps: SocketSteps[],
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
    // Three phases over the whole file, each needing the previous one's result.
    const steps = socketStepsOf(root);
    for (const part of steps)
      for (const { kind, bySocket, target } of part.opened) {
        if (bySocket) kinds.add(kind);
        add(target, kind);
      }
    // One step of copying (`c->fd = fd`, `listener.fd = open_listener(port)`) covers the usual
    // hand-over from the accepting or opening code to the connection record.
    for (const part of steps)
      for (const { fn, held } of part.returns) {
        const kind = descriptors.get(held);
        if (kind) returning.set(fn, [...kind][0]);
      }
    for (const part of steps)
      for (const { callee, held, target } of part.stores) {
        const from = callee !== undefined ? returning.get(callee) : undefined;
        const kinds2 = from ? new Set([from]) : held ? descriptors.get(held) : undefined;
        if (kinds2) for (const k of kinds2) add(target, k);
      }
    return new SocketFacts(root, descriptors, kinds, steps);
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
    for (const part of this.steps)
      for (const node of part.portSetters) {
        const value = resolvePort(stripWrappers(callArguments(node)[0]), context.program, enclosingFunction(node), this.root, 0);
        if (value) return value;
      }
    return undefined;
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
