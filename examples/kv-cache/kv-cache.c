/*
 * kv-cache: a small UDP key-value cache in front of a (pretend) configuration backend.
 *
 *   GET <key>\r\n          -> VALUE <value>\r\n | NOT_FOUND\r\n
 *   SET <key> <value>\r\n  -> STORED\r\n
 *   anything else          -> ERROR\r\n  (or ERROR too long\r\n)
 *
 * One datagram carries one command. A GET that misses the cache asks the backend, which
 * knows the "cfg:" keys; what it returns is cached, so the next GET of that key is a hit.
 *
 * Usage: kv-cache [port]   (or KV_CACHE_PORT in the environment; default 11311)
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
#include <unistd.h>

#define DEFAULT_PORT 11311
#define CACHE_SLOTS 1024 /* power of two: the hash is masked, not divided */
#define MAX_PROBES 8
#define KEY_MAX 31
#define VALUE_MAX 63
#define DGRAM_MAX 512

struct slot {
    uint8_t used;
    uint8_t key_len;
    uint8_t value_len;
    char key[KEY_MAX + 1];
    char value[VALUE_MAX + 1];
};

static struct slot cache[CACHE_SLOTS];
static unsigned long sets_total;
static volatile sig_atomic_t stopping;

static void on_sigterm(int sig)
{
    (void)sig;
    stopping = 1;
}

/* FNV-1a: cheap, and good enough for short printable keys. */
static uint32_t hash_key(const char *key, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len && i < KEY_MAX; i++) {
        h ^= (uint8_t)key[i];
        h *= 16777619u;
    }
    return h;
}

static struct slot *cache_find(const char *key, size_t len)
{
    uint32_t h = hash_key(key, len);
    for (int probe = 0; probe < MAX_PROBES; probe++) {
        struct slot *s = &cache[(h + probe) & (CACHE_SLOTS - 1)];
        if (!s->used)
            return NULL;
        if (s->key_len == len && memcmp(s->key, key, len) == 0)
            return s;
    }
    return NULL;
}

static void cache_store(const char *key, size_t key_len, const char *value, size_t value_len)
{
    uint32_t h = hash_key(key, key_len);
    struct slot *victim = &cache[h & (CACHE_SLOTS - 1)];
    for (int probe = 0; probe < MAX_PROBES; probe++) {
        struct slot *s = &cache[(h + probe) & (CACHE_SLOTS - 1)];
        if (!s->used || (s->key_len == key_len && memcmp(s->key, key, key_len) == 0)) {
            victim = s;
            break;
        }
    }
    /* When every probe is taken the home slot is evicted: a cache may forget. */
    victim->used = 1;
    victim->key_len = (uint8_t)key_len;
    victim->value_len = (uint8_t)value_len;
    memcpy(victim->key, key, key_len);
    victim->key[key_len] = '\0';
    memcpy(victim->value, value, value_len);
    victim->value[value_len] = '\0';
}

/*
 * The slow source of truth. A real deployment would query a database here; the stub builds
 * its answer on the heap the way such client libraries usually do.
 */
static char *backend_lookup(const char *key)
{
    static const struct { const char *key; const char *value; } settings[] = {
        { "cfg:timeout", "30" },
        { "cfg:retries", "5" },
        { "cfg:region", "eu-west" },
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (strcmp(settings[i].key, key) == 0) {
            char *copy = malloc(strlen(settings[i].value) + 1);
            if (copy)
                strcpy(copy, settings[i].value);
            return copy;
        }
    }
    return NULL;
}

static int valid_key(const char *key, size_t len)
{
    if (len == 0 || len > KEY_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (key[i] <= ' ' || key[i] > '~')
            return 0;
    }
    return 1;
}

static int reply_text(char *reply, size_t *reply_len, const char *text)
{
    size_t n = strlen(text);
    memcpy(reply, text, n);
    *reply_len = n;
    return 0;
}

/* Malformed traffic is logged: it usually means a client library speaks the wrong protocol. */
static int reject(const char *req, size_t len, char *reply, size_t *reply_len)
{
    static unsigned long rejected;
    rejected++;
    if (rejected <= 10 || rejected % 1000 == 0)
        fprintf(stderr, "kv-cache: rejected request #%lu: %zu bytes, starts with 0x%02x\n", rejected,
                len, len ? (unsigned)(unsigned char)req[0] : 0u);
    return reply_text(reply, reply_len, "ERROR\r\n");
}

static int handle_miss(const char *key, size_t key_len, char *reply, size_t *reply_len)
{
    char name[KEY_MAX + 1];
    memcpy(name, key, key_len);
    name[key_len] = '\0';

    char *value = backend_lookup(name);
    if (value == NULL)
        return reply_text(reply, reply_len, "NOT_FOUND\r\n");
    size_t value_len = strlen(value);
    if (value_len > VALUE_MAX)
        value_len = VALUE_MAX;
    cache_store(key, key_len, value, value_len);
    *reply_len = (size_t)snprintf(reply, DGRAM_MAX, "VALUE %.*s\r\n", (int)value_len, value);
    free(value);
    return 0;
}

static int handle_set(const char *args, size_t len, char *reply, size_t *reply_len)
{
    const char *space = memchr(args, ' ', len);
    if (space == NULL)
        return reject(args, len, reply, reply_len);
    size_t key_len = (size_t)(space - args);
    const char *value = space + 1;
    size_t value_len = len - key_len - 1;
    if (!valid_key(args, key_len) || value_len == 0)
        return reject(args, len, reply, reply_len);
    if (value_len > VALUE_MAX)
        return reply_text(reply, reply_len, "ERROR too long\r\n");

    cache_store(args, key_len, value, value_len);
    sets_total++;
    fprintf(stderr, "kv-cache: SET %.*s (%zu bytes), %lu sets so far\n", (int)key_len, args,
            value_len, sets_total);
    return reply_text(reply, reply_len, "STORED\r\n");
}

/*
 * Answers one datagram. The reply buffer holds at least DGRAM_MAX bytes; every reply fits.
 * Returns 0 when *reply_len bytes of reply are ready.
 */
int handle_request(const char *req, size_t len, char *reply, size_t *reply_len)
{
    /* A command is one line: strip "\n" and an optional "\r" before it. */
    if (len == 0 || req[len - 1] != '\n')
        return reject(req, len, reply, reply_len);
    len--;
    if (len > 0 && req[len - 1] == '\r')
        len--;

    if (len > 4 && memcmp(req, "GET ", 4) == 0) {
        const char *key = req + 4;
        size_t key_len = len - 4;
        if (!valid_key(key, key_len))
            return reject(req, len, reply, reply_len);
        struct slot *s = cache_find(key, key_len);
        if (s == NULL)
            return handle_miss(key, key_len, reply, reply_len);
        memcpy(reply, "VALUE ", 6);
        memcpy(reply + 6, s->value, s->value_len);
        memcpy(reply + 6 + s->value_len, "\r\n", 2);
        *reply_len = 6 + s->value_len + 2;
        return 0;
    }
    if (len > 4 && memcmp(req, "SET ", 4) == 0)
        return handle_set(req + 4, len - 4, reply, reply_len);
    return reject(req, len, reply, reply_len);
}

/* The cache starts warm with the keys every client asks for first. */
static void warm_cache(void)
{
    static const char *const defaults[][2] = {
        { "user:1001", "alice" },
        { "user:1002", "bob" },
        { "color", "blue" },
        { "motd", "welcome to the cache, please be gentle" },
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        cache_store(defaults[i][0], strlen(defaults[i][0]), defaults[i][1], strlen(defaults[i][1]));
}

static int parse_port(const char *text)
{
    char *end;
    long port = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || port <= 0 || port > 65535)
        return -1;
    return (int)port;
}

int main(int argc, char **argv)
{
    const char *port_text = argc > 1 ? argv[1] : getenv("KV_CACHE_PORT");
    int port = port_text ? parse_port(port_text) : DEFAULT_PORT;
    if (port < 0) {
        fprintf(stderr, "kv-cache: bad port '%s'\n", port_text);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: recvfrom must return EINTR */
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("kv-cache: socket");
        return 1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("kv-cache: bind");
        return 1;
    }
    warm_cache();
    fprintf(stderr, "kv-cache: listening on 0.0.0.0:%d\n", port);

    char buf[DGRAM_MAX];
    char reply[DGRAM_MAX];
    while (!stopping) {
        struct sockaddr_in peer;
        socklen_t peer_len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &peer_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("kv-cache: recvfrom");
            break;
        }
        size_t reply_len = 0;
        if (handle_request(buf, (size_t)n, reply, &reply_len) == 0 && reply_len > 0)
            sendto(fd, reply, reply_len, 0, (struct sockaddr *)&peer, peer_len);
    }
    close(fd);
    fprintf(stderr, "kv-cache: stopped\n");
    return 0;
}
