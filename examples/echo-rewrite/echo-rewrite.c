/*
 * echo-rewrite: the reflector of a latency probe. Each probe carries a small binary header;
 * the reply carries the same payload back with the header rewritten: REPLY flag, sequence
 * number + 1, and a checksum of the payload so the prober can tell corruption from loss.
 *
 * Usage: echo-rewrite [port]   (or ECHO_PORT; default 17007)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

#define DEFAULT_PORT 17007
#define BUFFER_SIZE 2048

static volatile sig_atomic_t stopping;
static unsigned long probes_echoed, probes_rejected;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* RFC 1071 style: 16-bit ones' complement sum, a trailing odd byte padded with zero. */
static uint16_t payload_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    size_t i;
    for (i = 0; i + 1 < len && i < PROBE_MAX_PAYLOAD; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (i < len && i < PROBE_MAX_PAYLOAD)
        sum += (uint32_t)(p[i] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void trace_probe(const struct probe_header *h, const uint8_t *payload, size_t len)
{
    char hex[3 * 16 + 1] = "";
    size_t shown = len < 16 ? len : 16;
    for (size_t i = 0; i < shown; i++)
        snprintf(hex + 3 * i, sizeof hex - 3 * i, "%02x ", payload[i]);
    fprintf(stderr, "echo-rewrite: trace seq=%u len=%zu payload: %s%s\n", ntohl(h->seq), len, hex,
            len > shown ? "..." : "");
}

/* Replaces the probe with an error reply whose payload says what was wrong. */
static size_t reject(uint8_t *pkt, size_t cap, const struct probe_header *h, const char *fmt,
                     unsigned a, unsigned b)
{
    struct probe_header reply = *h;
    char text[128];
    int n = snprintf(text, sizeof text, fmt, a, b);
    if (n < 0)
        return 0;
    size_t text_len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    if (sizeof reply + text_len > cap)
        return 0;
    reply.version = PROBE_VERSION;
    reply.flags = PROBE_FLAG_REPLY | PROBE_FLAG_ERROR;
    reply.payload_len = htons((uint16_t)text_len);
    reply.seq = htonl(ntohl(h->seq) + 1);
    reply.checksum = htons(payload_checksum((const uint8_t *)text, text_len));
    reply.reserved = 0;
    memcpy(pkt, &reply, sizeof reply);
    memcpy(pkt + sizeof reply, text, text_len);
    probes_rejected++;
    return sizeof reply + text_len;
}

/*
 * Turns the probe in pkt (len bytes, buffer of cap bytes) into its reply, in place.
 * Returns the reply length, or 0 when nothing should be sent back.
 */
size_t rewrite_packet(uint8_t *pkt, size_t len, size_t cap)
{
    struct probe_header h;
    if (len < sizeof h)
        return 0;
    memcpy(&h, pkt, sizeof h);
    if (!(h.flags & PROBE_FLAG_REQUEST))
        return 0; /* replies are never answered: two reflectors would loop forever */

    size_t payload_len = len - sizeof h;
    if (h.version != PROBE_VERSION)
        return reject(pkt, cap, &h, "unsupported version %u (want %u)", h.version, PROBE_VERSION);
    if (ntohs(h.payload_len) != payload_len)
        return reject(pkt, cap, &h, "length mismatch: header %u, datagram %u", ntohs(h.payload_len),
                      (unsigned)payload_len);
    if (payload_len > PROBE_MAX_PAYLOAD)
        return reject(pkt, cap, &h, "payload too large: %u > %u", (unsigned)payload_len,
                      PROBE_MAX_PAYLOAD);
    if (h.flags & ~(PROBE_FLAG_REQUEST | PROBE_FLAG_TRACE))
        return reject(pkt, cap, &h, "unknown flags 0x%02x (known 0x%02x)", h.flags,
                      PROBE_FLAG_REQUEST | PROBE_FLAG_TRACE);

    const uint8_t *payload = pkt + sizeof h;
    if (h.flags & PROBE_FLAG_TRACE)
        trace_probe(&h, payload, payload_len);

    h.flags = (uint8_t)((h.flags & PROBE_FLAG_TRACE) | PROBE_FLAG_REPLY);
    h.seq = htonl(ntohl(h.seq) + 1);
    h.checksum = htons(payload_checksum(payload, payload_len));
    h.reserved = 0;
    memcpy(pkt, &h, sizeof h);
    probes_echoed++;
    return len;
}

int main(int argc, char **argv)
{
    const char *port_text = argc > 1 ? argv[1] : getenv("ECHO_PORT");
    int port = port_text ? atoi(port_text) : DEFAULT_PORT;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "echo-rewrite: bad port '%s'\n", port_text ? port_text : "");
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || fd >= FD_SETSIZE) {
        perror("echo-rewrite: socket");
        return 1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("echo-rewrite: bind");
        return 1;
    }
    fprintf(stderr, "echo-rewrite: listening on 0.0.0.0:%d\n", port);

    static uint8_t packet[BUFFER_SIZE];
    while (!stopping) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        struct timeval tick = { .tv_sec = 1, .tv_usec = 0 };
        int ready = select(fd + 1, &readable, NULL, NULL, &tick);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            perror("echo-rewrite: select");
            break;
        }
        if (ready == 0 || !FD_ISSET(fd, &readable))
            continue;

        struct sockaddr_in peer;
        socklen_t peer_len = sizeof peer;
        ssize_t n = recvfrom(fd, packet, sizeof packet, 0, (struct sockaddr *)&peer, &peer_len);
        if (n < 0)
            continue;
        size_t reply_len = rewrite_packet(packet, (size_t)n, sizeof packet);
        if (reply_len > 0)
            sendto(fd, packet, reply_len, 0, (struct sockaddr *)&peer, peer_len);
    }
    close(fd);
    fprintf(stderr, "echo-rewrite: stopped (%lu echoed, %lu rejected)\n", probes_echoed,
            probes_rejected);
    return 0;
}
