/*
 * rate-limiter: a login throttle other services ask before they let a client try a password.
 *
 *   CHECK <key>\n  -> ALLOW <tokens left>\n | DENY\n
 *   STATS\n        -> allowed=<n> denied=<n> tracked=<n> evicted=<n>\n   (admin)
 *   RESET <key>\n  -> OK\n | NOT_FOUND\n                                   (admin)
 *   otherwise      -> ERROR\n
 *
 * Each key (a user name, an address...) has a token bucket: BURST tokens, one more every
 * REFILL_MS milliseconds. Buckets live in a fixed direct-mapped table; a key that lands on a
 * slot owned by another key takes it over with a full bucket (the old key is forgotten).
 *
 * Usage: rate-limiter [port]   (or RATE_LIMITER_PORT; default 10700)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT 10700
#define BURST 5
#define REFILL_MS 12000 /* five attempts a minute once the burst is spent */
#define TABLE_SLOTS 4096
#define KEY_MAX 32

struct bucket {
    uint8_t key_len; /* 0: free */
    char key[KEY_MAX];
    uint32_t tokens;
    uint64_t refilled_at_ns; /* CLOCK_MONOTONIC */
};

static struct bucket buckets[TABLE_SLOTS];
static uint64_t allowed_total, denied_total, evicted_total;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t slot_of(const char *key, size_t len)
{
    uint32_t h = 5381;
    for (size_t i = 0; i < len; i++)
        h = h * 33 + (uint8_t)key[i];
    return h % TABLE_SLOTS;
}

static size_t count_tracked(void)
{
    size_t n = 0;
    for (size_t i = 0; i < TABLE_SLOTS; i++)
        n += buckets[i].key_len != 0;
    return n;
}

int main(int argc, char **argv)
{
    const char *port_text = argc > 1 ? argv[1] : getenv("RATE_LIMITER_PORT");
    int port = port_text ? atoi(port_text) : DEFAULT_PORT;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "rate-limiter: bad port '%s'\n", port_text);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    if (sock < 0) {
        perror("rate-limiter: socket");
        return 1;
    }
    struct sockaddr_in me;
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_addr.s_addr = INADDR_ANY;
    me.sin_port = htons(port);
    if (bind(sock, (struct sockaddr *)&me, sizeof me) != 0) {
        perror("rate-limiter: bind");
        return 1;
    }
    fprintf(stderr, "rate-limiter: listening on 0.0.0.0:%d\n", port);

    char msg[256];
    char out[256];
    while (!stopping) {
        struct sockaddr_in from;
        socklen_t fromlen = sizeof from;
        ssize_t got = recvfrom(sock, msg, sizeof msg - 1, 0, (struct sockaddr *)&from, &fromlen);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            perror("rate-limiter: recvfrom");
            break;
        }
        size_t len = (size_t)got;
        if (len > 0 && msg[len - 1] == '\n')
            len--;
        if (len > 0 && msg[len - 1] == '\r')
            len--;

        int out_len;
        if (len > 6 && memcmp(msg, "CHECK ", 6) == 0 && len - 6 <= KEY_MAX) {
            const char *key = msg + 6;
            size_t key_len = len - 6;
            struct bucket *b = &buckets[slot_of(key, key_len)];
            uint64_t now = now_ns();
            if (b->key_len != key_len || memcmp(b->key, key, key_len) != 0) {
                if (b->key_len != 0)
                    evicted_total++;
                b->key_len = (uint8_t)key_len;
                memcpy(b->key, key, key_len);
                b->tokens = BURST;
                b->refilled_at_ns = now;
            } else {
                uint64_t earned = (now - b->refilled_at_ns) / (REFILL_MS * 1000000ull);
                if (earned > 0) {
                    b->tokens = b->tokens + earned >= BURST ? BURST : b->tokens + (uint32_t)earned;
                    b->refilled_at_ns += earned * (REFILL_MS * 1000000ull);
                }
            }
            if (b->tokens > 0) {
                b->tokens--;
                allowed_total++;
                /* BURST is a single digit, so is what is left of it. */
                memcpy(out, "ALLOW ", 6);
                out[6] = (char)('0' + b->tokens);
                out[7] = '\n';
                out_len = 8;
            } else {
                denied_total++;
                memcpy(out, "DENY\n", 5);
                out_len = 5;
            }
        } else if (len == 5 && memcmp(msg, "STATS", 5) == 0) {
            out_len = snprintf(out, sizeof out, "allowed=%llu denied=%llu tracked=%zu evicted=%llu\n",
                               (unsigned long long)allowed_total, (unsigned long long)denied_total,
                               count_tracked(), (unsigned long long)evicted_total);
        } else if (len > 6 && memcmp(msg, "RESET ", 6) == 0 && len - 6 <= KEY_MAX) {
            msg[len] = '\0';
            const char *key = msg + 6;
            struct bucket *b = &buckets[slot_of(key, len - 6)];
            if (b->key_len == len - 6 && memcmp(b->key, key, len - 6) == 0) {
                memset(b, 0, sizeof *b);
                char from_text[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, &from.sin_addr, from_text, sizeof from_text);
                fprintf(stderr, "rate-limiter: %s reset the bucket of '%s'\n", from_text, key);
                out_len = snprintf(out, sizeof out, "OK\n");
            } else {
                out_len = snprintf(out, sizeof out, "NOT_FOUND\n");
            }
        } else {
            memcpy(out, "ERROR\n", 6);
            out_len = 6;
        }
        sendto(sock, out, (size_t)out_len, 0, (struct sockaddr *)&from, fromlen);
    }
    close(sock);
    fprintf(stderr, "rate-limiter: stopped\n");
    return 0;
}
