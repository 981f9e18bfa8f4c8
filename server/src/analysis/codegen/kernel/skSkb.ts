// The kernel half for a TCP server whose handler answers one request line at a time into the
// connection's output buffer (tcp-kv's `handle_line(c, line, len)` → `queue_reply`): an sk_skb
// verdict program on a SOCKHASH of the server's accepted connections. The handler is translated
// by the same translator as the XDP half (kernel/translate.ts); this file only adds the framing
// around it. See docs/codegen.md, "sk_skb".
//
// Why a verdict program without a stream parser: measured on Linux 6.18, with a stream parser
// the kernel sends a redirected message with the length the parser gave it (strparser's
// full_len), so a reply longer than its request is cut to the request's length and a shorter
// one resets the connection. The parser-less verdict program (BPF_SK_SKB_VERDICT, 5.13+) sees
// each received skb and sends it back with the length the program left it. It must therefore
// do the line framing itself: only an skb that is exactly one complete line, arriving while
// userspace holds no unfinished line of that connection, is answered in the kernel.
import { Severity } from '../../model';
import type { SyntaxNode } from '../../syntax';
import { findFunctionDefinition } from '../../treeHelpers';
import {
  CONN_STATE_MAP_NAME, MAX_PAYLOAD, SCRATCH_MAP_NAME, SK_SKB_PROGRAM_NAME, SOCK_MAP_NAME, STATE_MAP_NAME, splitFileNames,
} from '../contract';
import {
  atLeast, declarationOf, GeneratedText, sharedStateNames, stateFieldOf, userDeclarations, type KernelHalf, type KernelHalfError,
  type KernelHalfInput,
} from '../kernelHalf';
import { libcReplacementSource } from './libc';
import { rodataTable } from './rodataTables';
import { HandlerTranslator, TranslationError } from './translate';
import { xdpMaps, xdpPrelude } from './xdp';

/** How the handler is called and where its reply goes, read from the source. */
interface LineHandlerShape {
  /** Index of each handler parameter: the connection, the line, its length. */
  connection: number;
  line: number;
  length: number;
  /** e.g. "struct endpoint" */
  connectionType: string;
  /** The connection's output buffer and its fill level (`c->out`, `c->out_len`). */
  outField: string;
  outLengthField: string;
  /** Scalar members reset before each line, as for a connection that has queued nothing. */
  scalarFields: string[];
  /** Bytes the server reads into its line buffer at most (a longer line is its error path). */
  receiveCapacity: string;
  stripsCarriageReturn: boolean;
}

export function generateSkSkbKernelHalf(input: KernelHalfInput): KernelHalf | KernelHalfError {
  try {
    return generate(input);
  } catch (e) {
    if (e instanceof TranslationError) return { ok: false, error: e.message };
    throw e;
  }
}

function generate(input: KernelHalfInput): KernelHalf {
  const { entry, slices, tree, text, file } = input;
  if (entry.protocol !== 'tcp') throw new TranslationError(`sk_skb runs on TCP connections; ${entry.name} receives ${entry.protocol}`);
  if (!atLeast(input.targetKernel, 5, 13)) throw new TranslationError(`the sk_skb verdict program without a stream parser needs Linux 5.13 or later (target ${input.targetKernel})`);
  if (!entry.handler || !entry.receive) throw new TranslationError(`${entry.name} has no separate handler function to translate`);
  if (!slices.paths.some((p) => p.endsIn === 'kernel')) throw new TranslationError('no path of this entry can finish in the kernel');
  const summary = input.program.summaries.get(file);
  if (!summary) throw new TranslationError(`${file} was not analysed`);
  const base = input.base ?? file.replace(/^.*\//, '').replace(/\.c$/, '');

  const globals = summary.globals.filter((g) => !g.isExtern);
  const translator = new HandlerTranslator({
    tree, text, file,
    functions: summary.functions,
    stateNames: new Set(globals.map((g) => g.name)),
    globalNames: new Set(globals.map((g) => g.name)),
    errors: input.diagnostics.filter((d) => d.severity === Severity.Error && d.file === file),
  });
  const translated = translator.translateFrom(entry.handler);
  const shape = lineHandlerShape(input, translated.map((f) => f.source).join('\n'));
  translator.usedHelpers.add('bpfo_memchr');

  // Constant string tables move to .rodata; everything else the code names stays in the state map.
  const used = sharedStateNames(translated);
  const tables = globals.filter((g) => g.isConst && used.has(g.name)).map((g) => rodataTable(tree, g.name)).filter((t) => t !== undefined);
  const functions = translated.map((f) => ({ ...f, source: rewriteForSkb(f.source, shape, tables) }));
  // A reply of another length than its request goes to userspace after the handler ran here;
  // a write to shared state would then happen twice.
  const writer = translated.find((f) => /bpfo->st->[\w.\[\]>-]*\s*([-+*\/%&|^]?=(?!=)|\+\+|--)|(\+\+|--)\s*bpfo->st->/.test(f.source));
  if (writer) throw new TranslationError(`${writer.name} writes shared state; the sk_skb half hands replies of another length than their request to userspace after running the handler, so it only translates handlers that do not`);
  const stateFields = globals.filter((g) => used.has(g.name) && !tables.some((t) => t.name === g.name)).map((g) => stateFieldOf(tree, g));

  const out = new GeneratedText();
  out.push(`/* Kernel half of ${base}.c, entry ${entry.handler} (generated by bpf-offload; edit the original, not this file).
 * An sk_skb verdict program on the server's accepted TCP connections: a received segment that is
 * one complete request line the translated handler can finish is turned into the reply and sent
 * back on the same connection; everything else reaches the server's read() unchanged. */`);
  out.push(xdpPrelude());
  out.push(`\n/* Types and macros of ${base}.c and the headers it includes from its own directory. */`);
  for (const piece of userDeclarations(tree, text, file)) out.push(piece.text, piece.line >= 0 ? piece.line : undefined);
  out.push('\n/* Declared only so that macros like sizeof(global) keep working; never referenced at run time. */');
  for (const g of globals.filter((g) => used.has(g.name) && !tables.some((t) => t.name === g.name))) {
    const declaration = declarationOf(g.typeText.replace(/^\s*(const|volatile)\s+/, ''), g.name);
    out.push(`extern ${g.isConst ? 'const ' : ''}${declaration};`);
  }
  out.push(`\n#include "${splitFileNames(base).sharedHeader}"`);
  out.push(xdpMaps(entry.port ?? 0));
  out.push(skSkbMaps(shape));
  for (const t of tables) out.push(`\n${t.source}\n${t.externDeclaration}`);
  const helpers = libcReplacementSource(translator.usedHelpers, { bpfLoop: atLeast(input.targetKernel, 5, 17) });
  if (helpers) out.push(`\n/* Bounded stand-ins for the C library's byte functions. */\n${helpers}`);
  for (const f of functions) {
    out.push(`\n/* ${f.name}: translated from ${base}.c:${f.originalLine + 1} */`);
    out.push(f.source, f.originalLine);
  }
  out.push(verdictProgram(entry.handler, shape, `${base}.c:${handlerCallLine(input) + 1}`));

  const notes = [...translator.notes];
  notes.push(`sk_skb: a segment is answered in the kernel only when it is exactly one complete line (${shape.stripsCarriageReturn ? 'CR LF or LF' : 'LF'}) and userspace holds no unfinished line of that connection; pipelined or split requests go to userspace`);
  notes.push(`sk_skb: the kernel answers as if the connection's ${shape.outField} were empty; a reply it sends can overtake one userspace has not written yet`);
  for (const t of tables) notes.push(`${t.name}: a constant table of strings, copied into the kernel half's .rodata`);
  return { ok: true, source: out.text(), lineMap: out.lineMap(file), stateFields, notes };
}

/** Reads the handler's parameters, the output buffer it queues into and the framing of its caller. */
function lineHandlerShape(input: KernelHalfInput, translated: string): LineHandlerShape {
  const { entry, tree } = input;
  const summary = input.program.summaries.get(input.file)!;
  const handler = summary.functions.find((f) => f.name === entry.handler)!;
  const params = handler.params;
  const connection = params.findIndex((p) => /^\s*struct\s+\w+\s*\*\s*$/.test(p.typeText));
  const line = params.findIndex((p) => /^\s*(const\s+)?(unsigned\s+)?char\s*\*\s*$|^\s*(const\s+)?(uint8_t|__u8)\s*\*\s*$/.test(p.typeText));
  const length = params.findIndex((p, i) => i !== connection && i !== line && /^\s*(const\s+)?(size_t|unsigned|unsigned int|int|long|unsigned long|ssize_t|uint32_t|__u32)\s*$/.test(p.typeText));
  if (params.length !== 3 || connection < 0 || line < 0 || length < 0) {
    throw new TranslationError(`${entry.handler} is not a line handler (connection, line, length): only that shape is generated for sk_skb so far`);
  }
  const connectionType = params[connection].typeText.replace(/\*/g, '').trim();
  const c = params[connection].name;
  const queue = new RegExp(`bpfo_memcpy\\(\\s*(\\w+)->(\\w+)\\s*\\+\\s*\\1->(\\w+)`).exec(translated);
  if (!queue) throw new TranslationError(`cannot find where ${entry.handler} queues its reply (memcpy(${c}->out + ${c}->out_len, …))`);
  const record = recordBody(tree.rootNode, connectionType.replace(/^struct\s+/, ''));
  if (!record) throw new TranslationError(`${connectionType} is not defined in this file`);
  const scalarFields: string[] = [];
  for (const field of record.namedChildren) {
    if (field?.type !== 'field_declaration') continue;
    for (const d of field.childrenForFieldName('declarator')) if (d?.type === 'field_identifier') scalarFields.push(d.text);
  }
  // The caller that splits the stream into lines tells the framing (tcp-kv: process_input).
  const framer = entry.handlerChain?.length ? findFunctionDefinition(tree, entry.handlerChain[entry.handlerChain.length - 1]) : undefined;
  const framerText = framer?.text ?? '';
  if (!/'\\n'/.test(framerText)) throw new TranslationError(`${entry.handlerChain?.join(' → ') ?? entry.name} does not split the stream at '\\n': only line-framed requests are generated for sk_skb so far`);
  const buffer = entry.receive!.buffer.replace(/^\(*|\)*$/g, '');
  const member = /^\w+\s*->\s*(\w+)$/.exec(buffer);
  const receiveCapacity = member ? `sizeof(((${connectionType} *)0)->${member[1]})` : String(MAX_PAYLOAD);
  return {
    connection, line, length, connectionType, outField: queue[2], outLengthField: queue[3], scalarFields,
    receiveCapacity, stripsCarriageReturn: /'\\r'/.test(framerText),
  };
}

function recordBody(root: SyntaxNode, tag: string): SyntaxNode | undefined {
  for (const node of root.namedChildren) {
    const spec = node?.type === 'struct_specifier' ? node : node?.childForFieldName('type');
    if (spec?.type === 'struct_specifier' && spec.childForFieldName('name')?.text === tag && spec.childForFieldName('body')) return spec.childForFieldName('body')!;
  }
  return undefined;
}

function handlerCallLine(input: KernelHalfInput): number {
  const caller = input.entry.handlerChain?.length ? findFunctionDefinition(input.tree, input.entry.handlerChain[input.entry.handlerChain.length - 1]) : undefined;
  return caller?.startPosition.row ?? input.entry.range.start.line;
}

/**
 * The translator masks offsets into byte buffers that are parameters or locals; the connection's
 * output buffer is a member, so its fill level is masked here the same way (the verdict program
 * hands over before the level could reach MAX_PAYLOAD). Constant tables are read from .rodata.
 */
function rewriteForSkb(source: string, shape: LineHandlerShape, tables: { name: string; access: string }[]): string {
  let result = source.replace(new RegExp(`(\\w+)->${shape.outField}\\s*\\+\\s*\\1->${shape.outLengthField}\\b`, 'g'),
    (_, c: string) => `${c}->${shape.outField} + (${c}->${shape.outLengthField} & BPFO_INDEX_MASK)`);
  for (const t of tables) result = result.replace(new RegExp(`bpfo->st->${t.name}\\b`, 'g'), t.access);
  return result;
}

function skSkbMaps(shape: LineHandlerShape): string {
  return `
/* The server's accepted connections (socket cookie → socket); the loader attaches ${SK_SKB_PROGRAM_NAME}
 * to this map and the userspace half adds each connection right after accept(). */
struct {
\t__uint(type, BPF_MAP_TYPE_SOCKHASH);
\t__uint(max_entries, 65536);
\t__type(key, __u64);
\t__type(value, __u64);
} ${SOCK_MAP_NAME} SEC(".maps");

/* Socket cookie → 1 while the bytes handed to userspace end inside a line: the next segment
 * continues that line, so it is userspace's too. */
struct {
\t__uint(type, BPF_MAP_TYPE_LRU_HASH);
\t__uint(max_entries, 65536);
\t__type(key, __u64);
\t__type(value, __u8);
} ${CONN_STATE_MAP_NAME} SEC(".maps");

/* The connection the translated handler queues into, per CPU (too large for the stack). The
 * slack keeps a masked offset into its output buffer inside the map value. */
struct bpfo_connection {
\t${shape.connectionType} c;
\t__u8 slack[2 * MAX_PAYLOAD];
};

struct {
\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
\t__uint(max_entries, 1);
\t__type(key, __u32);
\t__type(value, struct bpfo_connection);
} bpfo_conn_scratch SEC(".maps");`;
}

function verdictProgram(handler: string, shape: LineHandlerShape, callSite: string): string {
  const args = ['&bpfo', '', '', ''];
  args[shape.connection + 1] = '&conn->c';
  args[shape.line + 1] = '(const char *)scratch->request';
  args[shape.length + 1] = 'line_len';
  const reset = shape.scalarFields.map((f) => `\tconn->c.${f} = 0;`).join('\n');
  const stripCr = shape.stripsCarriageReturn
    ? `\tif (line_len > 0 && scratch->request[(line_len - 1) & BPFO_INDEX_MASK] == '\\r')
\t\tline_len--;\n`
    : '';
  return `
/* Whether the bytes of this segment leave userspace inside a line. */
static __always_inline void bpfo_remember_line_state(struct __sk_buff *skb, __u64 *cookie, __u32 len, __u8 *held)
{
\t__u8 last = '\\n';
\tif (len > 0 && bpf_skb_load_bytes(skb, len - 1, &last, 1) != 0)
\t\tlast = 0;
\t__u8 open = last != '\\n';
\tif (held)
\t\t*held = open;
\telse if (open)
\t\tbpf_map_update_elem(&${CONN_STATE_MAP_NAME}, cookie, &open, BPF_ANY);
}

/* One received segment of an accepted connection. As ${callSite} does for each line, the
 * handler runs on it when it is exactly one complete line; its queued reply replaces the
 * segment, which goes back out on the same socket. Anything else is passed to userspace as it
 * arrived (SK_PASS). */
SEC("sk_skb") /* attached as BPF_SK_SKB_VERDICT by the loader (libbpf 1.1 knows no sk_skb/verdict section) */
int ${SK_SKB_PROGRAM_NAME}(struct __sk_buff *skb)
{
\t__u32 zero = 0;
\t__u64 cookie = bpf_get_socket_cookie(skb);
\t__u32 len = skb->len;
\t__u8 *held = bpf_map_lookup_elem(&${CONN_STATE_MAP_NAME}, &cookie);
\tstruct bpfo_scratch *scratch = bpf_map_lookup_elem(&${SCRATCH_MAP_NAME}, &zero);
\tstruct bpfo_connection *conn = bpf_map_lookup_elem(&bpfo_conn_scratch, &zero);
\tstruct bpfo_state_value *state = bpf_map_lookup_elem(&${STATE_MAP_NAME}, &zero);
\tif (!scratch || !conn || !state)
\t\tgoto hand_over;
\tif (held && *held)
\t\tgoto hand_over;
\t/* A 64-bit copy behind a compiler barrier, checked where it is used: the verifier must see
\t * the length bounded in the very register handed to the helpers. */
\t__u64 req_len = len;
\tasm volatile("" : "+r"(req_len));
\tif (req_len < 1 || req_len > ${shape.receiveCapacity} || req_len > MAX_PAYLOAD - 1)
\t\tgoto hand_over;
\tif (bpf_skb_load_bytes(skb, 0, scratch->request, req_len) != 0)
\t\tgoto hand_over;
\tif (scratch->request[(req_len - 1) & BPFO_INDEX_MASK] != '\\n')
\t\tgoto hand_over;
\tif (req_len > 1 && bpfo_memchr(scratch->request, '\\n', req_len - 1))
\t\tgoto hand_over;
\t__u32 line_len = req_len - 1;
${stripCr}${reset}
\tstruct bpfo_ctx bpfo = { .st = &state->st };
\t${handler}(${args.join(', ')});
\tif (bpfo.handover)
\t\tgoto hand_over;
\t__u32 reply_len = (__u32)conn->c.${shape.outLengthField};
\t/* Nothing queued: left to userspace, which also sends nothing for it. */
\tif (reply_len < 1 || reply_len > MAX_PAYLOAD - 1 || reply_len > sizeof(conn->c.${shape.outField}))
\t\tgoto hand_over;
\t/* Only a reply exactly as long as its request is sent from here: Linux (measured on 6.18)
\t * accounts a redirected skb by its length after the program, so a resized one leaves TCP's
\t * copied_seq off by the difference and later segments of the connection stall. */
\tif (reply_len != req_len) {
\t\tbpfo_count(STAT_GROW_FAILED);
\t\tgoto hand_over;
\t}
\tif (bpf_skb_store_bytes(skb, 0, conn->c.${shape.outField}, req_len, 0) != 0)
\t\tgoto hand_over;
\tbpfo_count(STAT_ANSWERED);
\treturn bpf_sk_redirect_hash(skb, &${SOCK_MAP_NAME}, &cookie, 0);
hand_over:
\tbpfo_count(STAT_HANDED_OVER);
\tbpfo_remember_line_state(skb, &cookie, len, held);
\treturn SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";`;
}
