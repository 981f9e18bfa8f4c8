// The BPF programs the veth part of the calibration compiles (calibrateVeth.ts): the XDP
// programs put on the server's device between rounds and the sk_skb verdicts of the TCP echo
// servers. The echo servers and the load generator are loadgen.c.

/** Requests kept in flight by the calibration's load generator unless the caller says otherwise. */
export const VETH_DEFAULT_INFLIGHT = 32;

/**
 * CPU the saturated echo server spends on each request besides echoing it. The plain echo server
 * costs about what the load generator does per request, so neither limits the rate for long; the
 * example servers do more work per request (a few µs of their own against the echo's ~2.5 on
 * the machine this was chosen on) and are what limits it. A microsecond more puts the echo server
 * there too, so that requests queue up at its socket, as at a busy server's.
 */
export const VETH_BUSY_SPIN_NS = 1000;

/**
 * XDP programs for the server's device. cal_veth_pass hands every frame on (the per-packet cost
 * every fallback request pays); cal_veth_reflect answers every UDP datagram itself: it swaps
 * the MAC and IP addresses and the ports (checksums stay valid, a swap does not change a
 * one's-complement sum) and sends the frame back with XDP_TX, the least a kernel answer does.
 * cal_peer_pass goes on the client's device: XDP_TX frames on veth are dropped unless the
 * peer runs an XDP program.
 */
export const VETH_XDP_C = String.raw`#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp") int cal_veth_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp") int cal_peer_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp") int cal_veth_reflect(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = data + sizeof(*eth);
    struct udphdr *udp = data + sizeof(*eth) + sizeof(*ip);
    if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
        return XDP_PASS;
    unsigned char mac[ETH_ALEN];
    __builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, mac, ETH_ALEN);
    __be32 addr = ip->saddr;
    ip->saddr = ip->daddr;
    ip->daddr = addr;
    __be16 port = udp->source;
    udp->source = udp->dest;
    udp->dest = port;
    return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
`;

/**
 * sk_skb verdict programs for a TCP echo server's sockets (loadgen echo-tcp): cal_sk_pass hands
 * every segment to the socket (what a request the kernel half hands over pays); cal_sk_redirect
 * sends every segment back out of the same socket, the least a kernel answer over TCP does.
 */
export const VETH_SK_SKB_C = String.raw`#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_SOCKMAP);
    __uint(max_entries, 1);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} cal_sock_map SEC(".maps");

SEC("sk_skb") int cal_sk_pass(struct __sk_buff *skb)
{
    return SK_PASS;
}

SEC("sk_skb") int cal_sk_redirect(struct __sk_buff *skb)
{
    return bpf_sk_redirect_map(skb, &cal_sock_map, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
`;
