// The fixed parts of an XDP kernel half: the prelude, the maps, and the program that parses
// Ethernet/IPv4/UDP, hands the payload to the translated handler and turns the packet into the
// reply in place. Everything here is boilerplate around the translated code, so none of it is
// line-mapped to the original source.
import { MAX_PAYLOAD, PORT_CONFIG_NAME, SCRATCH_MAP_NAME, STATE_MAP_NAME, STATE_STRUCT_NAME, STATS_MAP_NAME, STAT_ANSWERED, STAT_GROW_FAILED, STAT_HANDED_OVER, XDP_PROGRAM_NAME } from '../contract';

export function xdpPrelude(): string {
  return `#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* The C library's fixed-width and size types, spelt for a BPF target (no libc headers). */
typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s8 int8_t;
typedef __s16 int16_t;
typedef __s32 int32_t;
typedef __s64 int64_t;
typedef unsigned long size_t;
typedef long ssize_t;
typedef int sig_atomic_t;
typedef __u32 socklen_t;
typedef _Bool bool;
/* clock_gettime(CLOCK_MONOTONIC, &ts) is rewritten to fill one from bpf_ktime_get_ns(). */
struct timespec {
\tlong tv_sec;
\tlong tv_nsec;
};
#define true 1
#define false 0
#ifndef NULL
#define NULL ((void *)0)
#endif`;
}

/** Constants and maps; included after the shared header, which may already define the constants. */
export function xdpMaps(defaultPort = 0): string {
  return `#ifndef MAX_PAYLOAD
#define MAX_PAYLOAD ${MAX_PAYLOAD}
#endif
#ifndef STAT_ANSWERED
#define STAT_ANSWERED ${STAT_ANSWERED}
#define STAT_HANDED_OVER ${STAT_HANDED_OVER}
#define STAT_GROW_FAILED ${STAT_GROW_FAILED}
#endif
#define BPFO_MAX_PAYLOAD MAX_PAYLOAD
/* Indices into the request/reply buffers are masked with this; the buffers are 4x as long so
 * that a masked index on top of a masked pointer offset stays inside them. */
#define BPFO_INDEX_MASK (MAX_PAYLOAD - 1)
/* A variable pointer offset masked where it is used: clang would otherwise drop a mask it can
 * prove redundant and reuse a copy spilled before a loop-helper call, whose bounds the verifier
 * may have widened to unknown while it checked the callback. */
#define BPFO_MASKED(x) ({ __u64 bpfo_v = (x); asm volatile("" : "+r"(bpfo_v)); bpfo_v & BPFO_INDEX_MASK; })
#define BPFO_SCRATCH_LEN (4 * MAX_PAYLOAD)
/* Most steps a walk loop run as a loop callback takes before it hands over (the helper's own limit). */
#define BPFO_WALK_LIMIT (1 << 23)

/* The server's UDP port in host order; the loader sets it before loading (default: the server's bind()). */
const volatile __u16 ${PORT_CONFIG_NAME} = ${defaultPort};

struct bpfo_scratch {
\t__u8 request[BPFO_SCRATCH_LEN];
\t__u8 reply[BPFO_SCRATCH_LEN];
};

/* The shared state, followed by slack: a bounded loop may index a field with an index the
 * verifier only knows to be below MAX_PAYLOAD, and that must stay inside the map value even for
 * the last element of an array. Userspace sees struct ${STATE_STRUCT_NAME} at offset 0. */
struct bpfo_state_value {
\tstruct ${STATE_STRUCT_NAME} st;
\t__u8 slack[MAX_PAYLOAD];
};

struct {
\t__uint(type, BPF_MAP_TYPE_ARRAY);
\t__uint(map_flags, BPF_F_MMAPABLE);
\t__uint(max_entries, 1);
\t__type(key, __u32);
\t__type(value, struct bpfo_state_value);
} ${STATE_MAP_NAME} SEC(".maps");

struct {
\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
\t__uint(max_entries, 1);
\t__type(key, __u32);
\t__type(value, struct bpfo_scratch);
} ${SCRATCH_MAP_NAME} SEC(".maps");

struct {
\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
\t__uint(max_entries, 3);
\t__type(key, __u32);
\t__type(value, __u64);
} ${STATS_MAP_NAME} SEC(".maps");

/* What the translated code sees of the packet being handled. */
struct bpfo_ctx {
\tstruct ${STATE_STRUCT_NAME} *st;
\tint handover;
};

enum bpfo_outcome { BPFO_HANDOVER, BPFO_NO_REPLY, BPFO_REPLY_FROM_REQUEST, BPFO_REPLY_FROM_REPLY };

static __always_inline void bpfo_count(__u32 which)
{
\t__u64 *n = bpf_map_lookup_elem(&${STATS_MAP_NAME}, &which);
\tif (n)
\t\t*n += 1;
}`;
}

export interface XdpProgramOptions {
  /** Largest payload the server's receive accepts (longer ones are truncated there: userspace decides). */
  receiveCapacity: string;
  /** Kernel ≥ 5.18 has bpf_xdp_load_bytes/bpf_xdp_store_bytes; older ones get bounded byte loops. */
  hasLoadBytes: boolean;
}

const HEADERS_LEN = 'sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr)';

export function xdpProgram(options: XdpProgramOptions): string {
  const copyIn = options.hasLoadBytes
    ? `\tif (payload_len > 0 && bpf_xdp_load_bytes(ctx, BPFO_HEADERS_LEN, scratch->request, payload_len) < 0)
\t\tgoto hand_over;`
    : `\t{
\t\t__u8 *payload = (void *)(udp + 1);
\t\tfor (__u32 i = 0; i < MAX_PAYLOAD; i++) {
\t\t\tif (i >= payload_len || (void *)(payload + i + 1) > data_end)
\t\t\t\tbreak;
\t\t\tscratch->request[i] = payload[i];
\t\t}
\t}`;
  const copyOut = options.hasLoadBytes
    ? `\tif (reply_len > 0 && bpf_xdp_store_bytes(ctx, BPFO_HEADERS_LEN, reply, reply_len) < 0)
\t\treturn XDP_ABORTED;`
    : `\t{
\t\t__u8 *payload = (void *)(udp + 1);
\t\tfor (__u32 i = 0; i < MAX_PAYLOAD; i++) {
\t\t\tif (i >= reply_len || (void *)(payload + i + 1) > data_end)
\t\t\t\tbreak;
\t\t\tpayload[i] = reply[i];
\t\t}
\t}`;
  return `#define BPFO_HEADERS_LEN (${HEADERS_LEN})
#define BPFO_RECEIVE_CAPACITY (${options.receiveCapacity})

static __always_inline __u16 bpfo_ipv4_checksum(struct iphdr *ip)
{
\t__u32 sum = 0;
\t__u16 *words = (__u16 *)ip;
\tip->check = 0;
\tfor (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
\t\tsum += words[i];
\tsum = (sum & 0xffff) + (sum >> 16);
\tsum = (sum & 0xffff) + (sum >> 16);
\treturn (__u16)~sum;
}

SEC("xdp")
int ${XDP_PROGRAM_NAME}(struct xdp_md *ctx)
{
\tvoid *data = (void *)(long)ctx->data;
\tvoid *data_end = (void *)(long)ctx->data_end;
\tstruct ethhdr *eth = data;
\tif ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
\t\treturn XDP_PASS;
\tstruct iphdr *ip = (void *)(eth + 1);
\t/* IP options, fragments and anything but UDP are userspace's. */
\tif ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->version != 4 || ip->protocol != IPPROTO_UDP)
\t\treturn XDP_PASS;
\tif (ip->frag_off & bpf_htons(0x3fff))
\t\treturn XDP_PASS;
\tstruct udphdr *udp = (void *)(ip + 1);
\tif ((void *)(udp + 1) > data_end || udp->dest != bpf_htons(${PORT_CONFIG_NAME}))
\t\treturn XDP_PASS;
\t__u32 udp_len = bpf_ntohs(udp->len);
\tif (udp_len < sizeof(*udp) || (void *)udp + udp_len > data_end)
\t\treturn XDP_PASS;
\t__u32 payload_len = udp_len - sizeof(*udp);
\t/* Padding after the datagram (short frames) would make the in-place reply wrong. */
\tif ((void *)udp + udp_len != data_end)
\t\tgoto hand_over;
\tif (payload_len >= MAX_PAYLOAD || payload_len > BPFO_RECEIVE_CAPACITY)
\t\tgoto hand_over;

\t__u32 zero = 0;
\tstruct bpfo_scratch *scratch = bpf_map_lookup_elem(&${SCRATCH_MAP_NAME}, &zero);
\tstruct bpfo_state_value *state = bpf_map_lookup_elem(&${STATE_MAP_NAME}, &zero);
\tif (!scratch || !state)
\t\tgoto hand_over;
${copyIn}

\tstruct bpfo_ctx run = { .st = &state->st, .handover = 0 };
\t__u32 reply_out = 0;
\tint outcome = bpfo_handle(&run, scratch, payload_len, &reply_out);
\tif (run.handover || outcome == BPFO_HANDOVER)
\t\tgoto hand_over;
\tif (outcome == BPFO_NO_REPLY) {
\t\t/* The server would have sent nothing: neither does the kernel. */
\t\tbpfo_count(STAT_ANSWERED);
\t\treturn XDP_DROP;
\t}
\t/* One 64-bit register, checked and then used: clang would otherwise pass the handler's
\t * untruncated 64-bit result to the helpers, whose upper half the verifier cannot bound. */
\t__u64 reply_len = reply_out;
\tasm volatile("" : "+r"(reply_len));
\tif (reply_len >= MAX_PAYLOAD)
\t\tgoto hand_over;
\t__u8 *reply = outcome == BPFO_REPLY_FROM_REQUEST ? scratch->request : scratch->reply;

\t/* The reply replaces the payload: shrink or grow the frame to fit it. */
\tint delta = (int)reply_len - (int)payload_len;
\tif (delta != 0 && bpf_xdp_adjust_tail(ctx, delta) < 0) {
\t\t/* No room to grow (e.g. veth without tailroom): the packet goes up untouched. Shared
\t\t * state the handler wrote stays written (see docs/codegen.md). */
\t\tbpfo_count(STAT_GROW_FAILED);
\t\tgoto hand_over;
\t}
\tdata = (void *)(long)ctx->data;
\tdata_end = (void *)(long)ctx->data_end;
\teth = data;
\tip = (void *)(eth + 1);
\tudp = (void *)(ip + 1);
\tif ((void *)(udp + 1) > data_end)
\t\treturn XDP_ABORTED;
${copyOut}

\t/* Back to the sender: swap addresses and ports, fix lengths and the IPv4 checksum. The UDP
\t * checksum is set to 0 ("none"), which IPv4 allows. */
\t__u8 mac[ETH_ALEN];
\t__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
\t__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
\t__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
\t__be32 addr = ip->saddr;
\tip->saddr = ip->daddr;
\tip->daddr = addr;
\t__be16 port = udp->source;
\tudp->source = udp->dest;
\tudp->dest = port;
\tip->tot_len = bpf_htons((__u16)(sizeof(struct iphdr) + sizeof(struct udphdr) + reply_len));
\tip->check = bpfo_ipv4_checksum(ip);
\tudp->len = bpf_htons((__u16)(sizeof(struct udphdr) + reply_len));
\tudp->check = 0;
\tbpfo_count(STAT_ANSWERED);
\treturn XDP_TX;

hand_over:
\tbpfo_count(STAT_HANDED_OVER);
\treturn XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";`;
}
