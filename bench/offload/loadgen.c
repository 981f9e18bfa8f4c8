/*
 * Load generator for the offload benchmark (bench/offload). One thread keeps a fixed number of
 * requests in flight on one connected socket and counts replies; it does not match replies to
 * requests (UDP gives no order guarantee, and only the count matters for CPU per request).
 * With --tcp the socket is one TCP connection (TCP_NODELAY, one send per request, so each
 * request leaves as its own segment) and every "\n" received counts as one reply: the
 * line-based servers it is for answer every request with one line. The machine-wide busy time is read from /proc/stat around the measured interval
 * only, so start-up, the warm-up and the final drain are not charged to the requests.
 *
 * usage: loadgen [--tcp] HOST PORT INFLIGHT MAX_REQUESTS MAX_SECONDS TIMEOUT_MS WARMUP MIXFILE [PID,...]
 * PIDs (the server, the ksoftirqd and kworker threads): their CPU time over the interval is reported too, from
 * /proc/PID/schedstat, beside this process's own; on a machine shared with other work those
 * sums say what the request traffic cost better than the machine's busy time does. Without
 * IRQ time accounting, softirq work (the veth NAPI poll, XDP included) is charged to the task
 * it interrupted, which here is the client or the server, or to ksoftirqd; sk_skb redirects send
 * from a kworker.
 * MIXFILE: one request class per line, "<weight> <hex payload>"; classes are interleaved
 * by smooth weighted round robin, so any prefix of the sequence holds the classes in their
 * weights' proportions (a run cut short by MAX_SECONDS keeps the mix).
 * Prints one JSON object on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLASSES 16
#define MAX_PAYLOAD 2048

struct request_class {
	long weight;
	long credit;
	size_t len;
	unsigned char bytes[MAX_PAYLOAD];
	unsigned long long sent;
};

static struct request_class classes[MAX_CLASSES];
static int class_count;
static int tcp_mode;

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Busy and total ticks of the aggregate cpu line; guest time is already inside user/nice. */
static void cpu_ticks(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long f[8] = { 0 };
	FILE *stat = fopen("/proc/stat", "r");
	if (!stat)
		die("/proc/stat");
	if (fscanf(stat, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]) != 8) {
		fprintf(stderr, "loadgen: /proc/stat has no aggregate cpu line\n");
		exit(2);
	}
	fclose(stat);
	*total = 0;
	for (int i = 0; i < 8; i++)
		*total += f[i];
	*busy = *total - f[3] - f[4];
}

#define MAX_PIDS 512
static int pids[MAX_PIDS];
static int pid_count;

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

static unsigned long long own_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

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
 * Sends until `limit` requests have gone out or `deadline` passes, keeping `inflight` in
 * flight; then waits for the stragglers. A silence of timeout_ms writes off everything in
 * flight as lost, so a server that drops requests slows the run but cannot stall it.
 */
static void run(int fd, int inflight, unsigned long long limit, double deadline, int timeout_ms, struct counters *out)
{
	static unsigned char buffer[65536];
	long outstanding = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	for (;;) {
		int sending = out->sent < limit && now_seconds() < deadline;
		while (sending && outstanding < inflight && out->sent < limit) {
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
		int ready = poll(&pfd, 1, timeout_ms);
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
			if (tcp_mode && got == 0) {
				fprintf(stderr, "loadgen: the server closed the connection\n");
				exit(3);
			}
			long answers = 1;
			if (tcp_mode) {
				answers = 0;
				for (ssize_t i = 0; i < got; i++)
					answers += buffer[i] == '\n';
			}
			out->replies += answers;
			outstanding = outstanding > answers ? outstanding - answers : 0;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--tcp") == 0) {
		tcp_mode = 1;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	if (argc != 9 && argc != 10) {
		fprintf(stderr, "usage: %s [--tcp] HOST PORT INFLIGHT MAX_REQUESTS MAX_SECONDS TIMEOUT_MS WARMUP MIXFILE [PID,...]\n", argv[0]);
		return 2;
	}
	struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
		fprintf(stderr, "loadgen: bad IPv4 address %s\n", argv[1]);
		return 2;
	}
	int inflight = atoi(argv[3]);
	unsigned long long limit = strtoull(argv[4], NULL, 10);
	double seconds = atof(argv[5]);
	int timeout_ms = atoi(argv[6]);
	unsigned long long warmup = strtoull(argv[7], NULL, 10);
	if (inflight <= 0 || limit == 0 || seconds <= 0 || timeout_ms <= 0) {
		fprintf(stderr, "loadgen: INFLIGHT, MAX_REQUESTS, MAX_SECONDS and TIMEOUT_MS must be positive\n");
		return 2;
	}
	read_mix(argv[8]);
	for (char *p = argc == 10 ? argv[9] : ""; *p && pid_count < MAX_PIDS;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0)
			pids[pid_count++] = (int)pid;
		p = *end == ',' ? end + 1 : end;
	}

	int fd = socket(AF_INET, tcp_mode ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	if (tcp_mode) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	if (connect(fd, (struct sockaddr *)&server, sizeof server) < 0)
		die("connect");

	struct counters warm = { 0 };
	if (warmup > 0)
		run(fd, inflight, warmup, now_seconds() + seconds, timeout_ms, &warm);
	for (int i = 0; i < class_count; i++)
		classes[i].sent = 0;

	struct counters measured = { 0 };
	unsigned long long busy0, total0, busy1, total1;
	unsigned long long pid_ns[MAX_PIDS];
	for (int i = 0; i < pid_count; i++)
		pid_ns[i] = task_cpu_ns(pids[i]);
	unsigned long long own0 = own_cpu_ns();
	cpu_ticks(&busy0, &total0);
	double started = now_seconds();
	run(fd, inflight, limit, started + seconds, timeout_ms, &measured);
	double elapsed = now_seconds() - started;
	cpu_ticks(&busy1, &total1);
	unsigned long long own = own_cpu_ns() - own0;
	for (int i = 0; i < pid_count; i++) {
		unsigned long long later = task_cpu_ns(pids[i]);
		pid_ns[i] = later >= pid_ns[i] ? later - pid_ns[i] : 0;
	}

	printf("{\"sent\":%llu,\"replies\":%llu,\"timeouts\":%llu,\"seconds\":%.6f,\"busyTicks\":%llu,\"totalTicks\":%llu,"
	       "\"ticksPerSecond\":%ld,\"warmup\":{\"sent\":%llu,\"replies\":%llu,\"timeouts\":%llu},\"classSent\":[",
	       measured.sent, measured.replies, measured.timeouts, elapsed, busy1 - busy0, total1 - total0, sysconf(_SC_CLK_TCK),
	       warm.sent, warm.replies, warm.timeouts);
	for (int i = 0; i < class_count; i++)
		printf("%s%llu", i ? "," : "", classes[i].sent);
	printf("],\"clientCpuNs\":%llu,\"pidCpuNs\":[", own);
	for (int i = 0; i < pid_count; i++)
		printf("%s%llu", i ? "," : "", pid_ns[i]);
	printf("]}\n");
	close(fd);
	return 0;
}
