// The programs the veth part of the calibration compiles and runs (calibrateVeth.ts): a UDP
// echo server and a load generator in one C file, and the XDP programs put on the server's
// device between rounds.

/** Requests kept in flight by the calibration's load generator unless the caller says otherwise. */
export const VETH_DEFAULT_INFLIGHT = 32;

/**
 * usage: calveth echo PORT
 *        calveth echo-tcp PORT [OBJECT PROGRAM]
 *        calveth load HOST PORT INFLIGHT SECONDS [PID,...]
 *        calveth load-tcp HOST PORT INFLIGHT SECONDS [PID,...]
 * echo answers every datagram with itself (blocking recvfrom/sendto), the least a userspace
 * server can do. echo-tcp does the same on each accepted TCP connection in turn (read/write);
 * with OBJECT and PROGRAM it first loads PROGRAM of that BPF object, attaches it to the
 * object's sockmap as the sk_skb verdict, and puts every accepted socket in the map.
 * load keeps INFLIGHT 64-byte requests in flight on one connected socket (load-tcp: one TCP
 * connection, TCP_NODELAY, a reply per 64 bytes received) for SECONDS (after a short warm-up)
 * and prints "name value" lines: replies, seconds, its own CPU time (client_ns), the summed CPU
 * time of the listed tasks from /proc/PID/schedstat (tasks_ns: the echo server, the ksoftirqd
 * and kworker threads) and the machine's busy ticks.
 */
export const VETH_BENCHMARK_C = String.raw`#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#ifndef CALVETH_NO_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define MAX_TASKS 512

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long own_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned long long task_ns(int pid)
{
    char path[64];
    unsigned long long ns = 0;
    snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%llu", &ns) != 1)
        ns = 0;
    fclose(f);
    return ns;
}

static unsigned long long busy_ticks(void)
{
    unsigned long long v[8] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    int read = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (read != 8)
        return 0;
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

static int echo(int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("echo: bind");
        return 3;
    }
    char buf[2048];
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t got = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            perror("echo: recvfrom");
            return 4;
        }
        sendto(fd, buf, (size_t)got, 0, (struct sockaddr *)&peer, len);
    }
}

/* Loads PROGRAM alone from OBJECT and attaches it to the object's cal_sock_map as the verdict; the map's fd. */
#ifdef CALVETH_NO_BPF
static int sockmap_with_verdict(const char *object_path, const char *program)
{
    return -1;
}
static int bpf_map_update_elem(int fd, const void *key, const void *value, unsigned long long flags)
{
    return -1;
}
#define BPF_ANY 0
typedef unsigned int __u32;
#else
static int sockmap_with_verdict(const char *object_path, const char *program)
{
    struct bpf_object *object = bpf_object__open_file(object_path, NULL);
    if (!object || libbpf_get_error(object))
        return -1;
    struct bpf_program *p;
    bpf_object__for_each_program(p, object)
        bpf_program__set_autoload(p, strcmp(bpf_program__name(p), program) == 0);
    if (bpf_object__load(object) != 0)
        return -1;
    struct bpf_map *map = bpf_object__find_map_by_name(object, "cal_sock_map");
    struct bpf_program *verdict = bpf_object__find_program_by_name(object, program);
    if (!map || !verdict || bpf_prog_attach(bpf_program__fd(verdict), bpf_map__fd(map), BPF_SK_SKB_VERDICT, 0) != 0)
        return -1;
    return bpf_map__fd(map);
}
#endif

static int echo_tcp(int port, const char *object_path, const char *program)
{
    int sockmap = -1;
    if (object_path && (sockmap = sockmap_with_verdict(object_path, program)) < 0) {
        fprintf(stderr, "echo-tcp: cannot load and attach %s from %s\n", program, object_path);
        return 3;
    }
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 8) != 0) {
        perror("echo-tcp: listen");
        return 3;
    }
    char buf[4096];
    for (;;) {
        int conn = accept(fd, NULL, NULL);
        if (conn < 0)
            continue;
        setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        __u32 key = 0, value = (__u32)conn;
        if (sockmap >= 0 && bpf_map_update_elem(sockmap, &key, &value, BPF_ANY) != 0)
            perror("echo-tcp: sockmap update");
        for (;;) {
            ssize_t got = read(conn, buf, sizeof buf);
            /* A socket whose segments a verdict redirects still wakes its reader, and read() then has nothing: wait again. */
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
                struct pollfd wait = { .fd = conn, .events = POLLIN | POLLRDHUP };
                poll(&wait, 1, -1);
                continue;
            }
            if (got <= 0)
                break;
            if (write(conn, buf, (size_t)got) != got)
                break;
        }
        close(conn);
    }
}

/*
 * Keeps inflight requests out until the deadline; a silence of 100 ms writes off what is out.
 * Over TCP replies are counted in 64-byte units (an echo may arrive in other pieces).
 */
static unsigned long long pump(int fd, int inflight, double deadline, int tcp)
{
    char msg[MSG], buf[2048];
    memset(msg, 'c', sizeof msg);
    unsigned long long replies = 0;
    long out = 0;
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    for (;;) {
        int sending = now_s() < deadline;
        while (sending && out < inflight) {
            if (send(fd, msg, sizeof msg, 0) < 0)
                break;
            out++;
        }
        if (!sending && out == 0)
            return replies;
        int ready = poll(&pfd, 1, 100);
        if (ready < 0 && errno != EINTR) {
            perror("load: poll");
            exit(5);
        }
        if (ready == 0) {
            out = 0;
            continue;
        }
        static unsigned long long bytes;
        ssize_t got;
        while ((got = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
            long answers = 1;
            if (tcp) {
                bytes += (unsigned long long)got;
                answers = (long)(bytes / MSG);
                bytes %= MSG;
            }
            replies += (unsigned long long)answers;
            out = out > answers ? out - answers : 0;
        }
    }
}

static int load(const char *host, int port, int inflight, double seconds, const char *pid_list, int tcp)
{
    int pids[MAX_TASKS], count = 0;
    for (const char *p = pid_list; p && *p && count < MAX_TASKS;) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        if (pid > 0)
            pids[count++] = (int)pid;
        p = *end == ',' ? end + 1 : end;
    }
    int one = 1, fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (tcp)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0 || inet_pton(AF_INET, host, &addr.sin_addr) != 1 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("load: connect");
        return 3;
    }
    pump(fd, inflight, now_s() + 0.2, tcp);
    unsigned long long tasks0 = 0, tasks1 = 0;
    for (int i = 0; i < count; i++)
        tasks0 += task_ns(pids[i]);
    unsigned long long own0 = own_ns(), busy0 = busy_ticks();
    double start = now_s();
    unsigned long long replies = pump(fd, inflight, start + seconds, tcp);
    double elapsed = now_s() - start;
    unsigned long long own1 = own_ns(), busy1 = busy_ticks();
    for (int i = 0; i < count; i++)
        tasks1 += task_ns(pids[i]);
    printf("replies %llu\nseconds %.6f\nclient_ns %llu\ntasks_ns %llu\nbusy_ticks %llu\nticks_per_second %ld\n", replies, elapsed, own1 - own0,
           tasks1 >= tasks0 ? tasks1 - tasks0 : 0, busy1 - busy0, sysconf(_SC_CLK_TCK));
    return replies > 0 ? 0 : 6;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "echo") == 0)
        return echo(atoi(argv[2]));
    if ((argc == 3 || argc == 5) && strcmp(argv[1], "echo-tcp") == 0)
        return echo_tcp(atoi(argv[2]), argc == 5 ? argv[3] : NULL, argc == 5 ? argv[4] : NULL);
    if ((argc == 6 || argc == 7) && (strcmp(argv[1], "load") == 0 || strcmp(argv[1], "load-tcp") == 0))
        return load(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), argc == 7 ? argv[6] : "", strcmp(argv[1], "load-tcp") == 0);
    fprintf(stderr, "usage: calveth echo PORT | echo-tcp PORT [OBJECT PROGRAM] | load|load-tcp HOST PORT INFLIGHT SECONDS [PID,...]\n");
    return 2;
}
`;

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
 * sk_skb verdict programs for a TCP echo server's sockets (calveth echo-tcp): cal_sk_pass hands
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
