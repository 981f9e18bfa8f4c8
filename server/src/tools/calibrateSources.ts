// The programs the calibration compiles and runs on the user's machine.

/**
 * Userspace benchmark. argv[1] = repetitions. Prints "name value" lines, values in ns per
 * operation:
 *  getppid   a syscall that does nothing (the bare kernel crossing)
 *  sendto    sendto of a 64-byte datagram over loopback (on loopback the sender's call also
 *            runs the receive path up to the destination socket's queue)
 *  recvfrom  recvfrom of a 64-byte datagram already queued
 *  udp_rtt   a blocking request/response round trip with another process over loopback
 *  clock     the cost of one clock_gettime call (already small; reported for the record)
 */
export const USERSPACE_BENCHMARK_C = String.raw`#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define MSG 64

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bound_udp(struct sockaddr_in *addr)
{
    socklen_t len = sizeof *addr;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
        perror("udp socket");
        exit(3);
    }
    return fd;
}

int main(int argc, char **argv)
{
    long reps = argc > 1 ? atol(argv[1]) : 100000;
    long rounds = reps / BATCH > 0 ? reps / BATCH : 1;
    long rtts = reps / 20 > 10 ? reps / 20 : 10;
    char msg[MSG];
    memset(msg, 'x', sizeof msg);

    double t0 = now_ns();
    for (long i = 0; i < reps; i++)
        syscall(SYS_getppid);
    printf("getppid %.2f\n", (now_ns() - t0) / (double)reps);

    t0 = now_ns();
    for (long i = 0; i < reps; i++)
        now_ns();
    printf("clock %.2f\n", (now_ns() - t0) / (double)reps);

    struct sockaddr_in rx_addr, tx_addr;
    int rx = bound_udp(&rx_addr);
    int tx = bound_udp(&tx_addr);
    double send_total = 0, recv_total = 0;
    for (long r = 0; r < rounds; r++) {
        double a = now_ns();
        for (int k = 0; k < BATCH; k++)
            if (sendto(tx, msg, MSG, 0, (struct sockaddr *)&rx_addr, sizeof rx_addr) != MSG) {
                perror("sendto");
                return 4;
            }
        double b = now_ns();
        for (int k = 0; k < BATCH; k++)
            if (recvfrom(rx, msg, MSG, 0, NULL, NULL) != MSG) {
                perror("recvfrom");
                return 4;
            }
        double c = now_ns();
        send_total += b - a;
        recv_total += c - b;
    }
    printf("sendto %.2f\n", send_total / (double)(rounds * BATCH));
    printf("recvfrom %.2f\n", recv_total / (double)(rounds * BATCH));

    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 5;
    }
    if (child == 0) {
        struct sockaddr_in peer;
        for (long i = 0; i < rtts; i++) {
            socklen_t plen = sizeof peer;
            if (recvfrom(rx, msg, MSG, 0, (struct sockaddr *)&peer, &plen) != MSG)
                _exit(6);
            sendto(rx, msg, MSG, 0, (struct sockaddr *)&peer, plen);
        }
        _exit(0);
    }
    t0 = now_ns();
    for (long i = 0; i < rtts; i++) {
        sendto(tx, msg, MSG, 0, (struct sockaddr *)&rx_addr, sizeof rx_addr);
        if (recvfrom(tx, msg, MSG, 0, NULL, NULL) != MSG) {
            perror("round trip");
            return 7;
        }
    }
    printf("udp_rtt %.2f\n", (now_ns() - t0) / (double)rtts);
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 8;
}
`;

/** Unrolled operations in the XDP programs (so the executed instructions are the listed ones). */
export const XDP_ALU_OPS = 2048;
export const XDP_LOOKUPS = 64;

/**
 * XDP programs for BPF_PROG_TEST_RUN. The empty program is the baseline; the others add a
 * known amount of straight-line work: dependent add/xor pairs (an empty asm statement keeps
 * clang from folding them), and map lookups of a present key with the use of the value.
 */
export const XDP_BENCHMARK_C = String.raw`#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} cal_array SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} cal_hash SEC(".maps");

#define X4(x) x x x x
#define X16(x) X4(X4(x))
#define X64(x) X4(X16(x))
#define X1024(x) X16(X64(x))

SEC("xdp") int cal_empty(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp") int cal_alu(struct xdp_md *ctx)
{
    __u64 v = ctx->data_end - ctx->data;
    X1024(v += 0x1234; asm volatile("" : "+r"(v)); v ^= 0x55; asm volatile("" : "+r"(v));)
    return v == 7 ? XDP_DROP : XDP_PASS;
}

#define LOOKUP(map) p = bpf_map_lookup_elem(&map, &key); if (p) acc += *p;

SEC("xdp") int cal_array_lookup(struct xdp_md *ctx)
{
    __u32 key = (ctx->data_end - ctx->data) & 1;
    __u64 acc = 0, *p;
    X64(LOOKUP(cal_array))
    return acc == 7 ? XDP_DROP : XDP_PASS;
}

SEC("xdp") int cal_hash_lookup(struct xdp_md *ctx)
{
    __u32 key = (ctx->data_end - ctx->data) & 1;
    __u64 acc = 0, *p;
    X64(LOOKUP(cal_hash))
    return acc == 7 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
`;
