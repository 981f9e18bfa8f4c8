/*
 * stats-counter: named 64-bit counters that applications bump over UDP.
 *
 *   INCR <name>\n  -> <new value>\n            (an unknown name is registered first)
 *   GET <name>\n   -> <value>\n | NOT_FOUND\n
 *   DUMP\n         -> <name> <value>\n ... END\n  (every counter, in registration order)
 *   otherwise      -> ERROR <reason>\n
 *
 * Usage: stats-counter [port]   (or STATS_COUNTER_PORT; default 18125)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT 18125
#define MAX_COUNTERS 64
#define NAME_MAX_LEN 24
#define REQUEST_MAX 128
#define REPLY_MAX 4096 /* a full DUMP: 64 * (24 + 1 + 20 + 1) + 4 bytes */

enum command { CMD_INCR, CMD_GET, CMD_DUMP, CMD_UNKNOWN };

struct counter {
    char name[NAME_MAX_LEN + 1];
    uint8_t name_len;
    uint64_t value;
};

static struct counter counters[MAX_COUNTERS];
static unsigned counter_count;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static struct counter *find_counter(const char *name, size_t len)
{
    for (unsigned i = 0; i < MAX_COUNTERS; i++) {
        if (i >= counter_count)
            break;
        if (counters[i].name_len == len && memcmp(counters[i].name, name, len) == 0)
            return &counters[i];
    }
    return NULL;
}

static struct counter *register_counter(const char *name, size_t len)
{
    if (counter_count >= MAX_COUNTERS) {
        fprintf(stderr, "stats-counter: table full, refusing '%.*s'\n", (int)len, name);
        return NULL;
    }
    struct counter *c = &counters[counter_count++];
    memcpy(c->name, name, len);
    c->name[len] = '\0';
    c->name_len = (uint8_t)len;
    c->value = 0;
    fprintf(stderr, "stats-counter: new counter '%s' (%u of %d)\n", c->name, counter_count,
            MAX_COUNTERS);
    return c;
}

static size_t format_u64(char *out, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < sizeof digits);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return n;
}

static size_t reply_value(char *reply, uint64_t v)
{
    size_t n = format_u64(reply, v);
    reply[n++] = '\n';
    return n;
}

static size_t reply_text(char *reply, const char *text)
{
    size_t n = strlen(text);
    memcpy(reply, text, n);
    return n;
}

static int valid_name(const char *name, size_t len)
{
    if (len == 0 || len > NAME_MAX_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static size_t cmd_incr(const char *name, size_t len, char *reply)
{
    struct counter *c = find_counter(name, len);
    if (c == NULL)
        c = register_counter(name, len);
    if (c == NULL)
        return reply_text(reply, "ERROR full\n");
    c->value++;
    return reply_value(reply, c->value);
}

static size_t cmd_get(const char *name, size_t len, char *reply)
{
    struct counter *c = find_counter(name, len);
    if (c == NULL)
        return reply_text(reply, "NOT_FOUND\n");
    return reply_value(reply, c->value);
}

static size_t cmd_dump(char *reply)
{
    size_t used = 0;
    for (unsigned i = 0; i < counter_count; i++) {
        used += (size_t)sprintf(reply + used, "%s %llu\n", counters[i].name,
                                (unsigned long long)counters[i].value);
    }
    used += (size_t)sprintf(reply + used, "END\n");
    return used;
}

static enum command parse_command(const char *req, size_t len, const char **arg, size_t *arg_len)
{
    *arg = NULL;
    *arg_len = 0;
    if (len == 4 && memcmp(req, "DUMP", 4) == 0)
        return CMD_DUMP;
    if (len > 5 && memcmp(req, "INCR ", 5) == 0) {
        *arg = req + 5;
        *arg_len = len - 5;
        return CMD_INCR;
    }
    if (len > 4 && memcmp(req, "GET ", 4) == 0) {
        *arg = req + 4;
        *arg_len = len - 4;
        return CMD_GET;
    }
    return CMD_UNKNOWN;
}

/* Answers one datagram; returns the length of the reply written to reply (REPLY_MAX bytes). */
size_t dispatch(const char *req, size_t len, char *reply)
{
    if (len > 0 && req[len - 1] == '\n')
        len--;
    const char *arg;
    size_t arg_len;
    enum command cmd = parse_command(req, len, &arg, &arg_len);
    if ((cmd == CMD_INCR || cmd == CMD_GET) && !valid_name(arg, arg_len))
        return reply_text(reply, "ERROR bad name\n");

    switch (cmd) {
    case CMD_INCR:
        return cmd_incr(arg, arg_len, reply);
    case CMD_GET:
        return cmd_get(arg, arg_len, reply);
    case CMD_DUMP:
        return cmd_dump(reply);
    case CMD_UNKNOWN:
        break;
    }
    return reply_text(reply, "ERROR unknown command\n");
}

int main(int argc, char **argv)
{
    const char *port_text = argc > 1 ? argv[1] : getenv("STATS_COUNTER_PORT");
    int port = port_text ? atoi(port_text) : DEFAULT_PORT;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "stats-counter: bad port '%s'\n", port_text);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((uint16_t)port);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("stats-counter: socket/bind");
        return 1;
    }
    /* The counters every web front end reports, so they never take the registration path. */
    register_counter("http.requests", strlen("http.requests"));
    register_counter("http.errors", strlen("http.errors"));
    register_counter("logins", strlen("logins"));
    fprintf(stderr, "stats-counter: listening on 0.0.0.0:%d\n", port);

    static char request[REQUEST_MAX];
    static char reply[REPLY_MAX];
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    while (!stopping) {
        /* A timeout, so a signal arriving just before poll() still ends the loop soon. */
        int ready = poll(&pfd, 1, 500);
        if (ready < 0 && errno != EINTR) {
            perror("stats-counter: poll");
            break;
        }
        if (ready <= 0 || !(pfd.revents & POLLIN))
            continue;

        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        ssize_t n = recvfrom(fd, request, sizeof request, MSG_DONTWAIT, (struct sockaddr *)&peer,
                             &peer_len);
        if (n < 0)
            continue;
        size_t reply_len = dispatch(request, (size_t)n, reply);
        sendto(fd, reply, reply_len, 0, (struct sockaddr *)&peer, peer_len);
    }
    close(fd);
    fprintf(stderr, "stats-counter: stopped with %u counters\n", counter_count);
    return 0;
}
