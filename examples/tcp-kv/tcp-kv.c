/*
 * tcp-kv: a line-based read-only lookup service over TCP (think of a tiny feature-flag server).
 *
 *   PING\r\n       -> PONG\r\n
 *   GET <key>\r\n  -> VALUE <value>\r\n | NOT_FOUND\r\n
 *   KEYS\r\n       -> KEYS <key> <key> ...\r\n
 *   INFO\r\n       -> INFO connections=<open connections> keys=<n>\r\n
 *   QUIT\r\n       -> BYE\r\n, then the server closes the connection
 *   otherwise      -> ERROR unknown command\r\n
 *
 * Lines end with "\n"; a "\r" before it is ignored. Clients may pipeline. One thread, one
 * epoll loop, non-blocking sockets; SIGTERM arrives through a signalfd in the same loop.
 *
 * Usage: tcp-kv [port]   (or TCP_KV_PORT; default 16380)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT 16380
#define LINE_MAX_LEN 512
#define OUT_MAX 4096
#define MAX_EVENTS 32

enum endpoint_kind { ENDPOINT_LISTENER, ENDPOINT_SIGNALS, ENDPOINT_CLIENT };

struct endpoint {
    enum endpoint_kind kind;
    int fd;
    char in[LINE_MAX_LEN];
    size_t in_len;
    char out[OUT_MAX];
    size_t out_len;
    int close_after_flush;
};

static const struct { const char *key; const char *value; } table[] = {
    { "alpha", "1" },
    { "beta", "22" },
    { "gamma", "333" },
    { "greeting", "hello world" },
    { "version", "tcp-kv/1.0" },
};
#define TABLE_SIZE (sizeof table / sizeof table[0])

static int open_connections;

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL, 0);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Queues bytes for the client; a client that never reads is dropped rather than buffered. */
static void queue_reply(struct endpoint *c, const char *data, size_t len)
{
    if (c->out_len + len > OUT_MAX) {
        c->close_after_flush = 1;
        return;
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
}

static void slow_command(struct endpoint *c, const char *line, size_t len)
{
    char reply[OUT_MAX];
    int n;
    if (len == 4 && memcmp(line, "INFO", 4) == 0) {
        n = snprintf(reply, sizeof reply, "INFO connections=%d keys=%zu\r\n", open_connections,
                     TABLE_SIZE);
    } else if (len == 4 && memcmp(line, "KEYS", 4) == 0) {
        n = snprintf(reply, sizeof reply, "KEYS");
        for (size_t i = 0; i < TABLE_SIZE && n > 0 && (size_t)n < sizeof reply; i++)
            n += snprintf(reply + n, sizeof reply - (size_t)n, " %s", table[i].key);
        if (n > 0 && (size_t)n < sizeof reply - 2)
            n += snprintf(reply + n, sizeof reply - (size_t)n, "\r\n");
    } else if (len == 4 && memcmp(line, "QUIT", 4) == 0) {
        n = snprintf(reply, sizeof reply, "BYE\r\n");
        c->close_after_flush = 1;
    } else {
        fprintf(stderr, "tcp-kv: fd %d sent an unknown command (%zu bytes)\n", c->fd, len);
        n = snprintf(reply, sizeof reply, "ERROR unknown command\r\n");
    }
    if (n > 0)
        queue_reply(c, reply, (size_t)n < sizeof reply ? (size_t)n : sizeof reply - 1);
}

/* Answers one request line (without its line ending). */
void handle_line(struct endpoint *c, const char *line, size_t len)
{
    if (len == 4 && memcmp(line, "PING", 4) == 0) {
        queue_reply(c, "PONG\r\n", 6);
        return;
    }
    if (len > 4 && memcmp(line, "GET ", 4) == 0) {
        const char *key = line + 4;
        size_t key_len = len - 4;
        for (size_t i = 0; i < TABLE_SIZE; i++) {
            size_t n = strlen(table[i].key);
            if (n == key_len && memcmp(table[i].key, key, n) == 0) {
                queue_reply(c, "VALUE ", 6);
                queue_reply(c, table[i].value, strlen(table[i].value));
                queue_reply(c, "\r\n", 2);
                return;
            }
        }
        queue_reply(c, "NOT_FOUND\r\n", 11);
        return;
    }
    slow_command(c, line, len);
}

static void process_input(struct endpoint *c)
{
    size_t start = 0;
    for (size_t i = 0; i < c->in_len && !c->close_after_flush; i++) {
        if (c->in[i] != '\n')
            continue;
        size_t len = i - start;
        if (len > 0 && c->in[start + len - 1] == '\r')
            len--;
        handle_line(c, c->in + start, len);
        start = i + 1;
    }
    memmove(c->in, c->in + start, c->in_len - start);
    c->in_len -= start;
    if (c->in_len == sizeof c->in && !c->close_after_flush) {
        queue_reply(c, "ERROR line too long\r\n", 21);
        c->close_after_flush = 1;
    }
}

static void close_client(int epfd, struct endpoint *c)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
    open_connections--;
}

/* Returns -1 when the connection is finished and has been closed. */
static int flush_output(int epfd, struct endpoint *c)
{
    while (c->out_len > 0) {
        ssize_t n = write(c->fd, c->out, c->out_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            close_client(epfd, c);
            return -1;
        }
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
    if (c->out_len == 0 && c->close_after_flush) {
        close_client(epfd, c);
        return -1;
    }
    struct epoll_event ev = { .events = EPOLLIN | (c->out_len ? EPOLLOUT : 0), .data.ptr = c };
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
}

static void on_client_readable(int epfd, struct endpoint *c)
{
    for (;;) {
        ssize_t n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            close_client(epfd, c);
            return;
        }
        c->in_len += (size_t)n;
        process_input(c);
        if (c->close_after_flush)
            break;
    }
    flush_output(epfd, c);
}

static void accept_clients(int epfd, struct endpoint *listener)
{
    for (;;) {
        int fd = accept(listener->fd, NULL, NULL);
        if (fd < 0)
            return; /* EAGAIN: all accepted; anything else: try again on the next event */
        struct endpoint *c = calloc(1, sizeof *c);
        if (c == NULL || set_nonblocking(fd) < 0) {
            free(c);
            close(fd);
            continue;
        }
        c->kind = ENDPOINT_CLIENT;
        c->fd = fd;
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            free(c);
            close(fd);
            continue;
        }
        open_connections++;
    }
}

static int open_listener(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 128) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    const char *port_text = argc > 1 ? argv[1] : getenv("TCP_KV_PORT");
    int port = port_text ? atoi(port_text) : DEFAULT_PORT;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "tcp-kv: bad port '%s'\n", port_text);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill the server */

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_BLOCK, &stop_signals, NULL);

    static struct endpoint listener = { .kind = ENDPOINT_LISTENER };
    static struct endpoint signals = { .kind = ENDPOINT_SIGNALS };
    listener.fd = open_listener(port);
    signals.fd = signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (listener.fd < 0 || signals.fd < 0 || epfd < 0) {
        perror("tcp-kv: start-up");
        return 1;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listener };
    epoll_ctl(epfd, EPOLL_CTL_ADD, listener.fd, &ev);
    ev.data.ptr = &signals;
    epoll_ctl(epfd, EPOLL_CTL_ADD, signals.fd, &ev);
    fprintf(stderr, "tcp-kv: listening on 0.0.0.0:%d\n", port);

    int running = 1;
    while (running) {
        struct epoll_event events[MAX_EVENTS];
        int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("tcp-kv: epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++) {
            struct endpoint *e = events[i].data.ptr;
            if (e->kind == ENDPOINT_LISTENER) {
                accept_clients(epfd, e);
            } else if (e->kind == ENDPOINT_SIGNALS) {
                running = 0;
            } else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                on_client_readable(epfd, e);
            } else if (events[i].events & EPOLLOUT) {
                flush_output(epfd, e);
            }
        }
    }
    /* Open client connections are closed by the kernel at exit. */
    close(listener.fd);
    close(signals.fd);
    close(epfd);
    fprintf(stderr, "tcp-kv: stopped\n");
    return 0;
}
