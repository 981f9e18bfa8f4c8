/*
 * dns-responder: answers A queries for a handful of fixed names, NXDOMAIN for the rest.
 *
 * The common query (one question, class IN, type A, no EDNS) is answered by a tight path that
 * works on the wire format directly. Everything else - EDNS, other types, several questions,
 * truncated or odd packets - goes through a general decoder that is slower but complete.
 *
 * Usage: dns-responder [port]   (or DNS_PORT in the environment; default 10053)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define DEFAULT_PORT 10053
#define DNS_HEADER_LEN 12
#define DNS_MAX_UDP 512
#define NAME_WIRE_MAX 255
#define ANSWER_LEN 16 /* compressed name pointer, type, class, ttl, rdlength, IPv4 address */
#define ANSWER_TTL 300
#define EDNS_UDP_SIZE 1232

#define FLAG_QR 0x8000
#define FLAG_AA 0x0400
#define FLAG_RD 0x0100
#define OPCODE_MASK 0x7800

#define RCODE_NOERROR 0
#define RCODE_FORMERR 1
#define RCODE_NXDOMAIN 3
#define RCODE_NOTIMP 4
#define RCODE_REFUSED 5

#define TYPE_A 1
#define TYPE_OPT 41
#define CLASS_IN 1

struct zone_entry {
    const char *name;
    uint8_t addr[4];
};

static const struct zone_entry zone[] = {
    { "www.example.test", { 192, 0, 2, 10 } },
    { "api.example.test", { 192, 0, 2, 20 } },
    { "mail.example.test", { 192, 0, 2, 25 } },
    { "ns1.example.test", { 192, 0, 2, 53 } },
};
#define ZONE_SIZE (sizeof zone / sizeof zone[0])

/* The zone names in wire format (length-prefixed labels), built once at start-up. */
struct wire_name {
    uint8_t len;
    uint8_t bytes[NAME_WIRE_MAX];
};
static struct wire_name zone_wire[ZONE_SIZE];

static unsigned long fast_answers, slow_answers;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint8_t fold(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static int build_zone_wire(void)
{
    for (size_t i = 0; i < ZONE_SIZE; i++) {
        const char *name = zone[i].name;
        struct wire_name *w = &zone_wire[i];
        size_t out = 0;
        while (*name) {
            const char *dot = strchr(name, '.');
            size_t label = dot ? (size_t)(dot - name) : strlen(name);
            if (label == 0 || label > 63 || out + 1 + label + 1 > NAME_WIRE_MAX)
                return -1;
            w->bytes[out++] = (uint8_t)label;
            memcpy(&w->bytes[out], name, label);
            out += label;
            name += label + (dot ? 1 : 0);
        }
        w->bytes[out++] = 0;
        w->len = (uint8_t)out;
    }
    return 0;
}

static size_t answer_record(uint8_t *p, const uint8_t addr[4])
{
    put16(p, 0xC000 | DNS_HEADER_LEN); /* the name is the question's */
    put16(p + 2, TYPE_A);
    put16(p + 4, CLASS_IN);
    put32(p + 6, ANSWER_TTL);
    put16(p + 10, 4);
    memcpy(p + 12, addr, 4);
    return ANSWER_LEN;
}

/* Writes "www.example.test" style text; returns the offset after the name, 0 if malformed. */
static size_t decode_name(const uint8_t *pkt, size_t len, size_t pos, char *text, size_t text_cap)
{
    size_t used = 0;
    text[0] = '\0';
    for (;;) {
        if (pos >= len)
            return 0;
        uint8_t label = pkt[pos++];
        if (label == 0)
            break;
        if (label & 0xC0)
            return 0; /* a question has nothing earlier to point at */
        if (pos + label > len)
            return 0;
        for (uint8_t i = 0; i < label; i++) {
            uint8_t c = pkt[pos + i];
            int n = isgraph(c) && c != '.' && c != '\\'
                ? snprintf(text + used, text_cap - used, "%c", c)
                : snprintf(text + used, text_cap - used, "\\%03u", c);
            if (n < 0 || (size_t)n >= text_cap - used)
                return 0;
            used += (size_t)n;
        }
        pos += label;
        if (used + 1 >= text_cap)
            return 0;
        text[used++] = '.';
        text[used] = '\0';
    }
    if (used > 0)
        text[--used] = '\0'; /* no trailing dot */
    return pos;
}

static const struct zone_entry *find_by_text(const char *name)
{
    for (size_t i = 0; i < ZONE_SIZE; i++) {
        if (strcasecmp(zone[i].name, name) == 0)
            return &zone[i];
    }
    return NULL;
}

static size_t error_reply(const uint8_t *q, uint8_t *out, int rcode)
{
    memcpy(out, q, DNS_HEADER_LEN);
    put16(out + 2, (uint16_t)(FLAG_QR | (get16(q + 2) & (OPCODE_MASK | FLAG_RD)) | rcode));
    memset(out + 4, 0, 8);
    return DNS_HEADER_LEN;
}

/*
 * The general path: decodes names to text, understands EDNS (an OPT record in the additional
 * section) and answers every type, even if only with "no data".
 */
static size_t slow_answer(const uint8_t *q, size_t len, uint8_t *out, size_t cap)
{
    slow_answers++;
    uint16_t flags = get16(q + 2);
    if ((flags & OPCODE_MASK) != 0)
        return error_reply(q, out, RCODE_NOTIMP);
    if (get16(q + 4) != 1 || get16(q + 6) != 0 || get16(q + 8) != 0)
        return error_reply(q, out, RCODE_FORMERR);

    char name[4 * NAME_WIRE_MAX + 1];
    size_t pos = decode_name(q, len, DNS_HEADER_LEN, name, sizeof name);
    if (pos == 0 || pos + 4 > len)
        return error_reply(q, out, RCODE_FORMERR);
    uint16_t qtype = get16(q + pos);
    uint16_t qclass = get16(q + pos + 2);
    size_t question_end = pos + 4;

    /* Only an OPT record may follow, and only one. */
    int edns = 0;
    uint16_t arcount = get16(q + 10);
    if (arcount > 1)
        return error_reply(q, out, RCODE_FORMERR);
    if (arcount == 1) {
        if (question_end + 11 > len || q[question_end] != 0 || get16(q + question_end + 1) != TYPE_OPT)
            return error_reply(q, out, RCODE_FORMERR);
        size_t rdlen = get16(q + question_end + 9);
        if (question_end + 11 + rdlen != len)
            return error_reply(q, out, RCODE_FORMERR);
        edns = 1;
    } else if (question_end != len) {
        return error_reply(q, out, RCODE_FORMERR);
    }

    const struct zone_entry *entry = find_by_text(name);
    int rcode = RCODE_NOERROR;
    if (qclass != CLASS_IN)
        rcode = RCODE_REFUSED;
    else if (entry == NULL)
        rcode = RCODE_NXDOMAIN;
    fprintf(stderr, "dns-responder: slow path: %s type %u class %u%s -> rcode %d\n",
            name[0] ? name : ".", qtype, qclass, edns ? " edns" : "", rcode);

    size_t n = question_end;
    if (n + ANSWER_LEN + 11 > cap)
        return error_reply(q, out, RCODE_FORMERR);
    memcpy(out, q, n);
    put16(out + 2, (uint16_t)(FLAG_QR | FLAG_AA | (flags & FLAG_RD) | rcode));
    put16(out + 6, 0);
    put16(out + 10, 0);
    if (rcode == RCODE_NOERROR && qtype == TYPE_A) {
        n += answer_record(out + n, entry->addr);
        put16(out + 6, 1);
    }
    if (edns) {
        out[n] = 0;                       /* root name */
        put16(out + n + 1, TYPE_OPT);
        put16(out + n + 3, EDNS_UDP_SIZE); /* the class field carries our UDP size */
        put32(out + n + 5, 0);            /* extended rcode, version 0, no flags */
        put16(out + n + 9, 0);
        n += 11;
        put16(out + 10, 1);
    }
    return n;
}

/*
 * Answers one query into out (cap bytes). Returns the reply length, 0 to send nothing.
 */
size_t answer_query(const uint8_t *q, size_t len, uint8_t *out, size_t cap)
{
    if (len < DNS_HEADER_LEN)
        return 0;
    uint16_t flags = get16(q + 2);
    if (flags & FLAG_QR)
        return 0; /* a response: never answer those, or two servers could ping-pong */
    if ((flags & OPCODE_MASK) != 0 || get16(q + 4) != 1 || get16(q + 6) != 0 ||
        get16(q + 8) != 0 || get16(q + 10) != 0)
        return slow_answer(q, len, out, cap);

    size_t pos = DNS_HEADER_LEN;
    for (;;) {
        if (pos >= len || pos - DNS_HEADER_LEN >= NAME_WIRE_MAX)
            return slow_answer(q, len, out, cap);
        uint8_t label = q[pos];
        if (label == 0)
            break;
        if (label & 0xC0)
            return slow_answer(q, len, out, cap);
        pos += 1u + label;
    }
    size_t name_len = pos + 1 - DNS_HEADER_LEN;
    size_t question_end = pos + 1 + 4;
    if (question_end != len || get16(q + pos + 1) != TYPE_A || get16(q + pos + 3) != CLASS_IN)
        return slow_answer(q, len, out, cap);
    if (len + ANSWER_LEN > cap)
        return slow_answer(q, len, out, cap);

    const uint8_t *addr = NULL;
    for (size_t i = 0; i < ZONE_SIZE && addr == NULL; i++) {
        if (zone_wire[i].len != name_len)
            continue;
        size_t j = 0;
        while (j < name_len && fold(q[DNS_HEADER_LEN + j]) == fold(zone_wire[i].bytes[j]))
            j++;
        if (j == name_len)
            addr = zone[i].addr;
    }

    fast_answers++;
    memcpy(out, q, len);
    if (addr == NULL) {
        put16(out + 2, (uint16_t)(FLAG_QR | FLAG_AA | (flags & FLAG_RD) | RCODE_NXDOMAIN));
        return len;
    }
    put16(out + 2, (uint16_t)(FLAG_QR | FLAG_AA | (flags & FLAG_RD) | RCODE_NOERROR));
    put16(out + 6, 1);
    return len + answer_record(out + len, addr);
}

static void serve(int fd)
{
    uint8_t query[DNS_MAX_UDP];
    uint8_t reply[DNS_MAX_UDP];
    while (!stopping) {
        struct sockaddr_in peer;
        struct iovec iov = { .iov_base = query, .iov_len = sizeof query };
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_name = &peer;
        msg.msg_namelen = sizeof peer;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;

        ssize_t n = recvmsg(fd, &msg, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("dns-responder: recvmsg");
            return;
        }
        if (msg.msg_flags & MSG_TRUNC)
            continue; /* bigger than any query we accept over UDP */
        size_t reply_len = answer_query(query, (size_t)n, reply, sizeof reply);
        if (reply_len > 0)
            sendto(fd, reply, reply_len, 0, (struct sockaddr *)&peer, msg.msg_namelen);
    }
}

int main(int argc, char **argv)
{
    const char *port_text = argc > 1 ? argv[1] : getenv("DNS_PORT");
    long port = DEFAULT_PORT;
    if (port_text) {
        char *end;
        port = strtol(port_text, &end, 10);
        if (*port_text == '\0' || *end != '\0' || port <= 0 || port > 65535) {
            fprintf(stderr, "dns-responder: bad port '%s'\n", port_text);
            return 2;
        }
    }
    if (build_zone_wire() < 0) {
        fprintf(stderr, "dns-responder: bad name in zone\n");
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("dns-responder: socket");
        return 1;
    }
    struct sockaddr_in addr = { .sin_family = AF_INET };
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("dns-responder: bind");
        return 1;
    }
    fprintf(stderr, "dns-responder: listening on 0.0.0.0:%ld\n", port);
    serve(fd);
    close(fd);
    fprintf(stderr, "dns-responder: stopped after %lu fast and %lu slow answers\n", fast_answers,
            slow_answers);
    return 0;
}
