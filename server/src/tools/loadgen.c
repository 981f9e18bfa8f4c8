/*
 * The one C load generator of the project, with the echo servers it measures against: the veth
 * part of the calibration (calibrateVeth.ts) and the offload benchmark (bench/offload) compile
 * and run it through loadGenerator.ts. The calibration compiles it on the user's machine with
 * the user's C compiler, so it is shipped as source: scripts/build.mjs copies it beside the
 * bundles (dist/loadgen.c), and loadGenerator.ts finds it there or in the source tree.
 *
 * usage: loadgen echo PORT [SPIN_NS]
 *        loadgen echo-tcp PORT [OBJECT PROGRAM]
 *        loadgen load [--tcp] [--inflight N] [--seconds S] [--max-requests N] [--timeout-ms MS]
 *                     [--warmup-requests N] [--warmup-seconds S] [--reply-bytes N] [--mix FILE]
 *                     [--pids PID,...] HOST PORT
 * echo answers every datagram with itself (blocking recvfrom/sendto), the least a userspace
 * server can do; with SPIN_NS it first runs a loop of about SPIN_NS ns of CPU per datagram (a
 * fixed number of iterations, timed once at start), so that the server and not the load
 * generator is what limits the rate, as in a server with real work per request. echo-tcp does
 * the same (without SPIN_NS) on each accepted TCP connection in turn (read/write), and with
 * OBJECT and PROGRAM first loads PROGRAM of that BPF object, attaches it to the object's
 * cal_sock_map as the sk_skb verdict and puts every accepted socket in the map (built with
 * -DLOADGEN_NO_BPF, without libbpf, it refuses OBJECT).
 * load keeps INFLIGHT (32) requests in flight on one connected socket of one thread and counts
 * replies without matching them to requests (UDP gives no order guarantee; only the count
 * matters for CPU per request). --tcp: one TCP connection with TCP_NODELAY, one send per
 * request, and a reply per "\n" received (line-based servers) or, with --reply-bytes N, per N
 * bytes (an echo). It sends until MAX_REQUESTS (unlimited) have gone out or SECONDS (1) have
 * passed, then waits for the stragglers; a silence of TIMEOUT_MS (100) writes off what is in
 * flight. A warm-up runs first while both WARMUP_REQUESTS (unlimited) and WARMUP_SECONDS (0:
 * none) allow. MIX: one request class per line, "<weight> <hex payload>", interleaved by
 * smooth weighted round robin so that a run cut short keeps the mix; without it, 64 bytes of
 * 'c'. PIDs (a server, the ksoftirqd and kworker threads): their CPU time over the measured
 * interval from /proc/PID/schedstat, beside the generator's own: on a machine shared with
 * other work those sums say what the traffic cost better than the machine's busy time
 * (/proc/stat, around the measured interval only), which is reported too. Prints one JSON
 * object (LoadResult in loadGenerator.ts).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#ifndef LOADGEN_NO_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PAYLOAD 64
#define MAX_CLASSES 16
#define MAX_PAYLOAD 2048
#define MAX_PIDS 512

static void die(const char *what)
{
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void usage_error(const char *message)
{
    fprintf(stderr, "loadgen: %s\nusage: loadgen echo PORT [SPIN_NS] | echo-tcp PORT [OBJECT PROGRAM] | load [OPTION...] HOST PORT\n", message);
    exit(2);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long own_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Nanoseconds a task has run (first field of /proc/PID/schedstat); 0 when it is gone. */
static unsigned long long task_cpu_ns(int pid)
{
    char path[64];
    unsigned long long ns = 0;
    snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    FILE *file = fopen(path, "r");
    if (!file)
        return 0;
    if (fscanf(file, "%llu", &ns) != 1)
        ns = 0;
    fclose(file);
    return ns;
}

/* Busy and total ticks of the aggregate cpu line; guest time is already inside user/nice. */
static void cpu_ticks(unsigned long long *busy, unsigned long long *total)
{
    unsigned long long f[8] = { 0 };
    FILE *stat = fopen("/proc/stat", "r");
    if (!stat)
        die("/proc/stat");
    int fields = fscanf(stat, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]);
    fclose(stat);
    if (fields != 8) {
        fprintf(stderr, "loadgen: /proc/stat has no aggregate cpu line\n");
        exit(2);
    }
    *total = 0;
    for (int i = 0; i < 8; i++)
        *total += f[i];
    *busy = *total - f[3] - f[4];
}

/* ---- echo servers: the least a userspace server can do ---- */

/* A volatile sink, so the compiler keeps every iteration: a fixed amount of work per request. */
static volatile unsigned long spin_sink;

static void spin(long iterations)
{
    for (long i = 0; i < iterations; i++)
        spin_sink += (unsigned long)i;
}

/* Iterations of spin() that take about ns nanoseconds of this thread's CPU, timed over 2^22 of them. */
static long spin_iterations_for(long ns)
{
    const long sample = 1L << 22;
    struct timespec start, end;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    spin(sample);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
    double took = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    return took > 0 ? (long)(ns * (sample / took)) : 0;
}

static void __attribute__((noreturn)) echo_udp(int port, long spin_ns)
{
    long spin_iterations = spin_ns > 0 ? spin_iterations_for(spin_ns) : 0;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        die("echo: bind");
    char buf[2048];
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t got = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            die("echo: recvfrom");
        }
        spin(spin_iterations);
        sendto(fd, buf, (size_t)got, 0, (struct sockaddr *)&peer, len);
    }
}

#ifdef LOADGEN_NO_BPF
static int sockmap_with_verdict(const char *object_path, const char *program)
{
    fprintf(stderr, "loadgen: built without libbpf, cannot attach %s from %s\n", program, object_path);
    return -1;
}
static int add_to_sockmap(int map, int fd)
{
    return -1;
}
#else
/* Loads PROGRAM alone from OBJECT and attaches it to the object's cal_sock_map as the verdict; the map's fd. */
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
static int add_to_sockmap(int map, int fd)
{
    __u32 key = 0, value = (__u32)fd;
    return bpf_map_update_elem(map, &key, &value, BPF_ANY);
}
#endif

static int echo_tcp(int port, const char *object_path, const char *program)
{
    int sockmap = -1;
    if (object_path && (sockmap = sockmap_with_verdict(object_path, program)) < 0) {
        fprintf(stderr, "loadgen: echo-tcp: cannot load and attach %s from %s\n", program, object_path);
        return 3;
    }
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 8) != 0)
        die("echo-tcp: listen");
    char buf[4096];
    for (;;) {
        int conn = accept(fd, NULL, NULL);
        if (conn < 0)
            continue;
        setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (sockmap >= 0 && add_to_sockmap(sockmap, conn) != 0)
            perror("loadgen: echo-tcp: sockmap update");
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

/* ---- the load generator ---- */

struct request_class {
    long weight;
    long credit;
    size_t len;
    unsigned char bytes[MAX_PAYLOAD];
    unsigned long long sent;
};

static struct request_class classes[MAX_CLASSES];
static int class_count;

struct load_options {
    int tcp;
    int inflight;
    double seconds;
    unsigned long long max_requests;
    int timeout_ms;
    unsigned long long warmup_requests;
    double warmup_seconds;
    /* TCP: a reply per this many bytes received; 0: a reply per "\n". */
    long reply_bytes;
    int pids[MAX_PIDS];
    int pid_count;
};

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void read_mix(const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file)
        die(path);
    static char line[2 * MAX_PAYLOAD + 64];
    while (fgets(line, sizeof line, file)) {
        char *hex;
        long weight = strtol(line, &hex, 10);
        if (hex == line || weight <= 0)
            continue;
        if (class_count == MAX_CLASSES) {
            fprintf(stderr, "loadgen: more than %d request classes\n", MAX_CLASSES);
            exit(2);
        }
        struct request_class *c = &classes[class_count];
        while (*hex == ' ')
            hex++;
        size_t n = 0;
        while (hex_value(hex[0]) >= 0 && hex_value(hex[1]) >= 0 && n < MAX_PAYLOAD) {
            c->bytes[n++] = (unsigned char)(hex_value(hex[0]) << 4 | hex_value(hex[1]));
            hex += 2;
        }
        if (n == 0) {
            fprintf(stderr, "loadgen: empty payload in %s\n", path);
            exit(2);
        }
        c->len = n;
        c->weight = weight;
        class_count++;
    }
    fclose(file);
    if (class_count == 0) {
        fprintf(stderr, "loadgen: no request class in %s\n", path);
        exit(2);
    }
}

/* Smooth weighted round robin: any prefix of the sequence holds the classes in their weights' proportions. */
static struct request_class *next_class(void)
{
    long total = 0;
    struct request_class *best = NULL;
    for (int i = 0; i < class_count; i++) {
        classes[i].credit += classes[i].weight;
        total += classes[i].weight;
        if (!best || classes[i].credit > best->credit)
            best = &classes[i];
    }
    best->credit -= total;
    return best;
}

struct counters {
    unsigned long long sent, replies, timeouts;
};

/*
 * Sends until limit requests have gone out or the deadline passes, keeping o->inflight in
 * flight; then waits for the stragglers. A silence of timeout_ms writes off everything in
 * flight as lost, so a server that drops requests slows the run but cannot stall it.
 */
static void pump(int fd, const struct load_options *o, unsigned long long limit, double deadline, struct counters *out)
{
    static unsigned char buffer[65536];
    static unsigned long long partial_bytes; /* TCP with reply_bytes: the start of a reply not yet complete */
    long outstanding = 0;
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    for (;;) {
        int sending = out->sent < limit && now_seconds() < deadline;
        while (sending && outstanding < o->inflight && out->sent < limit) {
            struct request_class *c = next_class();
            if (send(fd, c->bytes, c->len, 0) < 0) {
                if (errno == EAGAIN || errno == ENOBUFS || errno == ECONNREFUSED)
                    break;
                die("send");
            }
            c->sent++;
            out->sent++;
            outstanding++;
        }
        if (!sending && outstanding == 0)
            return;
        int ready = poll(&pfd, 1, o->timeout_ms);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (ready == 0) {
            out->timeouts += outstanding;
            outstanding = 0;
            continue;
        }
        for (;;) {
            ssize_t got = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (got < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                if (errno == ECONNREFUSED) /* an ICMP port unreachable: the server is gone */
                    break;
                die("recv");
            }
            if (o->tcp && got == 0) {
                fprintf(stderr, "loadgen: the server closed the connection\n");
                exit(3);
            }
            long answers = 1;
            if (o->tcp && o->reply_bytes > 0) {
                partial_bytes += (unsigned long long)got;
                answers = (long)(partial_bytes / (unsigned long long)o->reply_bytes);
                partial_bytes %= (unsigned long long)o->reply_bytes;
            } else if (o->tcp) {
                answers = 0;
                for (ssize_t i = 0; i < got; i++)
                    answers += buffer[i] == '\n';
            }
            out->replies += answers;
            outstanding = outstanding > answers ? outstanding - answers : 0;
        }
    }
}

static void parse_pids(struct load_options *o, const char *list)
{
    for (const char *p = list; *p && o->pid_count < MAX_PIDS;) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        if (pid > 0)
            o->pids[o->pid_count++] = (int)pid;
        p = *end == ',' ? end + 1 : end;
    }
}

static int load(int argc, char **argv)
{
    struct load_options o = { .inflight = 32, .seconds = 1, .max_requests = ~0ull, .timeout_ms = 100, .warmup_requests = ~0ull };
    const char *mix = NULL;
    int i = 2;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *name = argv[i];
        if (strcmp(name, "--tcp") == 0) {
            o.tcp = 1;
            continue;
        }
        if (i + 1 == argc)
            usage_error("a load option has no value");
        const char *value = argv[++i];
        if (strcmp(name, "--inflight") == 0)
            o.inflight = atoi(value);
        else if (strcmp(name, "--seconds") == 0)
            o.seconds = atof(value);
        else if (strcmp(name, "--max-requests") == 0)
            o.max_requests = strtoull(value, NULL, 10);
        else if (strcmp(name, "--timeout-ms") == 0)
            o.timeout_ms = atoi(value);
        else if (strcmp(name, "--warmup-requests") == 0)
            o.warmup_requests = strtoull(value, NULL, 10);
        else if (strcmp(name, "--warmup-seconds") == 0)
            o.warmup_seconds = atof(value);
        else if (strcmp(name, "--reply-bytes") == 0)
            o.reply_bytes = atol(value);
        else if (strcmp(name, "--mix") == 0)
            mix = value;
        else if (strcmp(name, "--pids") == 0)
            parse_pids(&o, value);
        else
            usage_error("unknown load option");
    }
    if (argc - i != 2)
        usage_error("load needs HOST and PORT after its options");
    if (o.inflight <= 0 || o.max_requests == 0 || o.seconds <= 0 || o.timeout_ms <= 0 || o.reply_bytes < 0)
        usage_error("--inflight, --max-requests, --seconds and --timeout-ms must be positive");
    struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[i + 1])) };
    if (inet_pton(AF_INET, argv[i], &server.sin_addr) != 1)
        usage_error("HOST must be an IPv4 address");
    if (mix) {
        read_mix(mix);
    } else {
        classes[0] = (struct request_class){ .weight = 1, .len = DEFAULT_PAYLOAD };
        memset(classes[0].bytes, 'c', DEFAULT_PAYLOAD);
        class_count = 1;
    }

    int fd = socket(AF_INET, o.tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    int size = 4 << 20, one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (o.tcp)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&server, sizeof server) < 0)
        die("connect");

    struct counters warm = { 0 };
    if (o.warmup_requests > 0 && o.warmup_seconds > 0)
        pump(fd, &o, o.warmup_requests, now_seconds() + o.warmup_seconds, &warm);
    for (int c = 0; c < class_count; c++)
        classes[c].sent = 0;

    struct counters measured = { 0 };
    unsigned long long busy0, total0, busy1, total1, pid_ns[MAX_PIDS];
    for (int p = 0; p < o.pid_count; p++)
        pid_ns[p] = task_cpu_ns(o.pids[p]);
    unsigned long long own0 = own_cpu_ns();
    cpu_ticks(&busy0, &total0);
    double started = now_seconds();
    pump(fd, &o, o.max_requests, started + o.seconds, &measured);
    double elapsed = now_seconds() - started;
    cpu_ticks(&busy1, &total1);
    unsigned long long own = own_cpu_ns() - own0;
    for (int p = 0; p < o.pid_count; p++) {
        unsigned long long later = task_cpu_ns(o.pids[p]);
        pid_ns[p] = later >= pid_ns[p] ? later - pid_ns[p] : 0;
    }

    printf("{\"sent\":%llu,\"replies\":%llu,\"timeouts\":%llu,\"seconds\":%.6f,\"busyTicks\":%llu,\"totalTicks\":%llu,"
           "\"ticksPerSecond\":%ld,\"warmup\":{\"sent\":%llu,\"replies\":%llu,\"timeouts\":%llu},\"classSent\":[",
           measured.sent, measured.replies, measured.timeouts, elapsed, busy1 - busy0, total1 - total0, sysconf(_SC_CLK_TCK),
           warm.sent, warm.replies, warm.timeouts);
    for (int c = 0; c < class_count; c++)
        printf("%s%llu", c ? "," : "", classes[c].sent);
    printf("],\"clientCpuNs\":%llu,\"pidCpuNs\":[", own);
    for (int p = 0; p < o.pid_count; p++)
        printf("%s%llu", p ? "," : "", pid_ns[p]);
    printf("]}\n");
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "echo") == 0)
        echo_udp(atoi(argv[2]), argc == 4 ? atol(argv[3]) : 0);
    if ((argc == 3 || argc == 5) && strcmp(argv[1], "echo-tcp") == 0)
        return echo_tcp(atoi(argv[2]), argc == 5 ? argv[3] : NULL, argc == 5 ? argv[4] : NULL);
    if (argc >= 2 && strcmp(argv[1], "load") == 0)
        return load(argc, argv);
    usage_error("unknown mode");
    return 2;
}
