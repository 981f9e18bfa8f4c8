// What the offload benchmark sends to each example server: one request the kernel half can answer
// and one it must hand to userspace, mixed in the swept shares. Each request is picked so that
// its reply is no longer than itself (growing a packet with bpf_xdp_adjust_tail fails on veth,
// see /work/shared/kernel-and-netns.md), so that it leaves the server's state as it found it
// (a run of 100k requests must not fill a table or change a reply's length), and so that the
// analysis puts it on one known request path (matched by the path's description, which names
// the branch conditions and the return statement), for the cost model's shares.
import type { Hook } from '../../server/src/analysis/cost';
import type { SlicePath } from '../../server/src/analysis/slices';

export interface RequestClass {
  /** How the document names it, e.g. "GET hit". */
  label: string;
  payload: Buffer;
  /** Which of the entry's request paths this request takes. */
  onPath: (path: Pick<SlicePath, 'description' | 'endsIn'>) => boolean;
}

export interface Scenario {
  example: string;
  handler: string;
  /** The split's hook; 'xdp' when not given (a UDP server). */
  hook?: Hook;
  /** 'tcp': one connection, requests pipelined, the split switched on with BPF_OFFLOAD_ENABLE=1. */
  transport?: 'udp' | 'tcp';
  kernel: RequestClass;
  /**
   * Requests that should fall back, best first. The bench sends each to the split and takes the
   * first that the kernel half's own counters show handed over to userspace (the analysis may
   * keep a path in userspace that the generated program answers after all, or the other way).
   */
  fallbacks: RequestClass[];
}

const text = (s: string) => Buffer.from(s, 'latin1');
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const describes = (...fragments: string[]) => (path: { description: string }) => fragments.every((f) => path.description.includes(f));

/** The top-level conjuncts of a path's condition (before "→"), split at "&&" outside parentheses. */
export function conjuncts(description: string): string[] {
  const condition = description.split(' → ')[0];
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < condition.length; i++) {
    const c = condition[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && condition.startsWith('&&', i)) {
      parts.push(condition.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  parts.push(condition.slice(start).trim());
  return parts.filter(Boolean);
}

/** Paths on which every fragment appears in a condition that holds (a top-level conjunct not negated with "!("). */
const holds = (...fragments: string[]) => (path: { description: string }) =>
  fragments.every((f) => conjuncts(path.description).some((c) => !c.startsWith('!') && c.includes(f)));

export const SCENARIOS: Scenario[] = [
  {
    example: 'kv-cache',
    handler: 'handle_request',
    // "VALUE alice\r\n" is 13 bytes against the request's 15.
    kernel: { label: 'GET hit (GET user:1001)', payload: text('GET user:1001\r\n'), onPath: describes('s != NULL') },
    // Stores the value the key already holds, so GET hits stay hits; logs one line to stderr.
    fallbacks: [{ label: 'SET (SET user:1002 bob)', payload: text('SET user:1002 bob\r\n'), onPath: describes('return handle_set(') }],
  },
  {
    example: 'dns-responder',
    handler: 'answer_query',
    // NXDOMAIN: the answer is exactly as long as the question (an A answer would add 16 bytes).
    kernel: {
      label: 'A query, NXDOMAIN',
      payload: hex('12360100000100000000000007756e6b6e6f776e076578616d706c6504746573740000010001'),
      onPath: describes('addr == NULL → return len;'),
    },
    // AAAA for a name in the zone: "no data", same length as the question, answered by slow_answer.
    fallbacks: [
      {
        label: 'AAAA query (slow path)',
        payload: hex('20010100000100000000000003777777076578616d706c65047465737400001c0001'),
        onPath: describes('label == 0 && (question_end != len'),
      },
    ],
  },
  {
    example: 'stats-counter',
    handler: 'dispatch',
    // A registered counter that nothing increments: the reply stays "0\n".
    kernel: { label: 'GET of a counter', payload: text('GET http.errors\n'), onPath: describes('case CMD_GET') },
    // INCR of a registered name (c != NULL inside cmd_incr): the generated program answers it, so
    // the probe passes over it; DUMP walks every counter. Replies of fallbacks may be longer than
    // the request: userspace sends them.
    fallbacks: [
      { label: 'INCR of a counter', payload: text('INCR http.requests\n'), onPath: describes('case CMD_INCR', 'c != NULL') },
      { label: 'DUMP', payload: text('DUMP'), onPath: describes('case CMD_DUMP') },
    ],
  },
  {
    example: 'echo-rewrite',
    handler: 'rewrite_packet',
    kernel: {
      label: 'probe (16-byte payload)',
      payload: hex('010100100000002a00000000 74696d657374616d703d313736343038'),
      onPath: (p) => p.endsIn === 'kernel' && p.description.includes('!(h.flags & PROBE_FLAG_TRACE)'),
    },
    // TRACE: logged with fprintf, then answered the same way; the reply is as long as the request.
    fallbacks: [
      {
        label: 'TRACE probe (logged)',
        payload: hex('018100100000002b00000000 74696d657374616d703d313736343038'),
        onPath: (p) => p.description.includes('h.flags & PROBE_FLAG_TRACE → return len'),
      },
    ],
  },
  {
    example: 'rate-limiter',
    handler: 'main',
    // Refilled every 12 s, 5 tokens: a bench run drains a bucket at once; DENY answers are still kernel work.
    kernel: { label: 'CHECK (denied after 5)', payload: text('CHECK alice\n'), onPath: holds('memcmp(msg, "CHECK ", 6) == 0') },
    fallbacks: [
      { label: 'STATS', payload: text('STATS\n'), onPath: holds('memcmp(msg, "STATS", 5) == 0') },
      // RESET of the bucket CHECK uses: the analysis sends it to userspace; CHECK drains it again at once.
      { label: 'RESET alice', payload: text('RESET alice\n'), onPath: holds('memcmp(msg, "RESET ", 6) == 0', 'memcmp(b->key, key, len - 6) == 0') },
    ],
  },
  {
    example: 'tcp-kv',
    handler: 'handle_line',
    hook: 'sk_skb',
    transport: 'tcp',
    // The sk_skb program answers only requests whose reply is exactly as long (docs/codegen.md): PONG for PING.
    kernel: { label: 'PING', payload: text('PING\r\n'), onPath: holds('memcmp(line, "PING", 4) == 0') },
    fallbacks: [{ label: 'INFO', payload: text('INFO\r\n'), onPath: describes('slow_command(') }],
  },
];

/** The swept shares of requests that can finish in the kernel. */
export const KERNEL_SHARES = [0, 0.25, 0.5, 0.9, 1];

/** Integer weights for the load generator's mix file (per mille). */
export function mixWeights(kernelShare: number): { kernel: number; fallback: number } {
  const kernel = Math.round(kernelShare * 1000);
  return { kernel, fallback: 1000 - kernel };
}
