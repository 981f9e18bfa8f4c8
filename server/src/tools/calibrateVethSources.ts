// The programs the veth part of the calibration compiles and runs (calibrateVeth.ts): a UDP
// echo server and a load generator in one C file, and the XDP programs put on the server's
// device between rounds.

/** Requests kept in flight by the calibration's load generator unless the caller says otherwise. */
export const VETH_DEFAULT_INFLIGHT = 32;

/**
 * usage: calveth echo PORT
 *        calveth load HOST PORT INFLIGHT SECONDS [PID,...]
 * echo answers every datagram with itself (blocking recvfrom/sendto), the least a userspace
 * server can do. load keeps INFLIGHT 64-byte requests in flight on one connected socket for
 * SECONDS (after a short warm-up) and prints "name value" lines: replies, seconds, its own CPU
 * time (client_ns), the summed CPU time of the listed tasks from /proc/PID/schedstat
 * (tasks_ns: the echo server, the ksoftirqd threads) and the machine's busy ticks.
 */
export const VETH_BENCHMARK_C = String.raw`#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define MAX_TASKS 64

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
    if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
        return 0;
    fclose(f);
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

/* Keeps inflight requests out until the deadline; a silence of 100 ms writes off what is out. */
static unsigned long long pump(int fd, int inflight, double deadline)
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
        while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
            replies++;
            if (out > 0)
                out--;
        }
    }
}

static int load(const char *host, int port, int inflight, double seconds, const char *pid_list)
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
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (fd < 0 || inet_pton(AF_INET, host, &addr.sin_addr) != 1 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("load: connect");
        return 3;
    }
    pump(fd, inflight, now_s() + 0.2);
    unsigned long long tasks0 = 0, tasks1 = 0;
    for (int i = 0; i < count; i++)
        tasks0 += task_ns(pids[i]);
    unsigned long long own0 = own_ns(), busy0 = busy_ticks();
    double start = now_s();
    unsigned long long replies = pump(fd, inflight, start + seconds);
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
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "load") == 0)
        return load(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), argc == 7 ? argv[6] : "");
    fprintf(stderr, "usage: calveth echo PORT | calveth load HOST PORT INFLIGHT SECONDS [PID,...]\n");
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
