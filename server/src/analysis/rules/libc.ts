// What each libc function means for a BPF port. Functions in this table are never reported as
// unknown callees: the table says what happens to them instead.
import { Severity } from '../model';

/** Cap used when an unbounded string operation is bounded, named in messages and quick fixes. */
export const STRING_BOUND = 256;

export type LibcKind =
  | 'blocking' // blocking-call, Error
  | 'memory' // dynamic-memory, Error
  | 'jump' // setjmp-longjmp, Error
  | 'unsupported' // unsupported-libc, Error
  | 'string' // string-function, Warning, with a bounded replacement
  | 'sized' // byte/string function with an explicit size: inlined-copy when constant, else Warning
  | 'format' // sprintf family: depends on the format and the target kernel
  | 'math' // floating-point, Error
  | 'variadic' // va_start/va_arg/…: variadic-function unless the enclosing definition already is
  | 'safe'; // pure, with a direct BPF lowering: no diagnostic

export interface LibcEntry {
  kind: LibcKind;
  /** Why, in a phrase that follows "name() ". */
  reason: string;
  /** Bounded function to call instead; `boundAt` says where the bound argument goes. */
  replacement?: string;
  boundAt?: 'append' | 'second';
  /** For 'sized': the index of the size argument. */
  sizeArgument?: number;
}

const table = new Map<string, LibcEntry>();
function add(names: string, entry: LibcEntry): void {
  for (const name of names.split(/\s+/).filter(Boolean)) table.set(name, entry);
}

add('socket bind listen accept accept4 connect shutdown setsockopt getsockopt getaddrinfo getnameinfo gethostbyname', { kind: 'blocking', reason: 'is a socket system call' });
add('recv recvfrom recvmsg recvmmsg', { kind: 'blocking', reason: 'blocks until data arrives: in BPF the packet is already in the context, read it from there' });
add('send sendto sendmsg sendmmsg', { kind: 'blocking', reason: 'is a socket system call: in XDP a reply is written over the received packet and sent with XDP_TX' });
add('poll ppoll select pselect epoll_wait epoll_pwait epoll_ctl epoll_create epoll_create1 eventfd', { kind: 'blocking', reason: 'waits for events in the kernel' });
add('open openat creat close read write pread pwrite readv writev lseek fsync fdatasync ftruncate stat fstat lstat unlink rename mkdir ioctl fcntl mmap munmap dup dup2 pipe sendfile splice', { kind: 'blocking', reason: 'is a file-descriptor system call' });
add('fopen fdopen fclose fread fwrite fgets fputs fputc fgetc getc putc fflush fseek ftell printf fprintf dprintf vprintf vfprintf puts putchar getchar scanf fscanf perror syslog vsyslog getline', { kind: 'blocking', reason: 'does buffered file or terminal I/O' });
add('tcgetattr tcsetattr isatty ttyname', { kind: 'blocking', reason: 'does terminal I/O' });
add('sleep usleep nanosleep clock_nanosleep sched_yield pause alarm', { kind: 'blocking', reason: 'sleeps, and a BPF program may not sleep' });
add('time gettimeofday clock_gettime', { kind: 'blocking', reason: 'reads the clock through a system call: in BPF use bpf_ktime_get_ns() (monotonic), whose value differs from wall-clock time' });
add('pthread_mutex_lock pthread_mutex_trylock pthread_mutex_unlock pthread_rwlock_rdlock pthread_rwlock_wrlock pthread_rwlock_unlock pthread_spin_lock pthread_spin_unlock sem_wait sem_trywait sem_post flock lockf', { kind: 'blocking', reason: 'takes or releases a userspace lock: BPF has only bpf_spin_lock inside map values' });
add('pthread_cond_wait pthread_cond_timedwait pthread_cond_signal pthread_cond_broadcast', { kind: 'blocking', reason: 'waits on or signals a condition variable' });
add('pthread_create pthread_join pthread_detach pthread_exit pthread_cancel', { kind: 'blocking', reason: 'creates or manages threads' });
add('fork vfork execve execv execvp execl execlp execle system popen pclose wait waitpid kill raise signal sigaction exit _exit abort', { kind: 'blocking', reason: 'manages processes or signals' });

add('malloc calloc realloc reallocarray free alloca __builtin_alloca posix_memalign aligned_alloc memalign valloc strdup strndup', { kind: 'memory', reason: 'allocates or frees heap memory' });
add('setjmp longjmp sigsetjmp siglongjmp _setjmp _longjmp __builtin_setjmp __builtin_longjmp', { kind: 'jump', reason: 'is a non-local jump' });

add('strtod strtof strtold atof', { kind: 'unsupported', reason: 'parses a floating-point number, and BPF has no floating point' });
add('qsort qsort_r bsearch', { kind: 'unsupported', reason: 'calls a comparison function through a pointer an unbounded number of times' });
add('sscanf vsscanf', { kind: 'unsupported', reason: 'is a general format-driven parser with no bounded BPF equivalent' });
add('vsnprintf vsprintf asprintf vasprintf', { kind: 'unsupported', reason: 'takes a va_list or allocates its result' });
add('getenv secure_getenv getpid getuid geteuid', { kind: 'unsupported', reason: 'reads the process environment or identity, which a BPF program does not have' });
add('sigemptyset sigfillset sigaddset sigdelset sigprocmask pthread_sigmask signalfd timerfd_create timerfd_settime', { kind: 'blocking', reason: 'manages signals or timers of the process' });
add('inet_ntop inet_ntoa inet_pton inet_aton', { kind: 'string', reason: 'converts an address with libc\'s general code: it becomes an inline converter bounded at 46 characters' });
add('strtok', { kind: 'unsupported', reason: 'keeps hidden state between calls in a static pointer into the caller\'s buffer' });

add('strlen', { kind: 'string', reason: 'scans for a terminator with no bound', replacement: 'strnlen', boundAt: 'append' });
add('strcmp', { kind: 'string', reason: 'compares until a terminator with no bound', replacement: 'strncmp', boundAt: 'append' });
add('strcasecmp', { kind: 'string', reason: 'compares until a terminator with no bound', replacement: 'strncasecmp', boundAt: 'append' });
add('strcpy', { kind: 'string', reason: 'copies until a terminator with no bound', replacement: 'strncpy', boundAt: 'append' });
add('strcat', { kind: 'string', reason: 'appends until a terminator with no bound', replacement: 'strncat', boundAt: 'append' });
add('sprintf', { kind: 'format', reason: 'writes with no bound on the output', replacement: 'snprintf', boundAt: 'second' });
add('snprintf', { kind: 'format', reason: 'formats text' });
add('strchr strrchr strstr strpbrk strspn strcspn strtok_r', { kind: 'string', reason: 'scans a string with no bound: it becomes a loop capped at ' + STRING_BOUND + ' bytes' });
add('strtol strtoul strtoll strtoull atoi atol atoll', { kind: 'string', reason: 'parses digits with no bound: it becomes an inline parser capped at 20 digits, overflow and locale handling simplified' });

add('memcpy memmove memset memcmp memchr __builtin_memcpy __builtin_memmove __builtin_memset __builtin_memcmp', { kind: 'sized', reason: 'copies or compares bytes', sizeArgument: 2 });
add('bzero explicit_bzero', { kind: 'sized', reason: 'clears bytes', sizeArgument: 1 });
// strncat bounds only what it appends: it first scans the destination for its end.
table.set('strncat', { kind: 'string', reason: 'scans the destination for its terminator with no bound before appending at most its size argument: it becomes a loop capped at ' + STRING_BOUND + ' bytes' });
add('strncmp strncasecmp strncpy', { kind: 'sized', reason: 'scans at most its size argument', sizeArgument: 2 });
table.set('strnlen', { kind: 'sized', reason: 'scans at most its size argument', sizeArgument: 1 });
table.set('memccpy', { kind: 'sized', reason: 'copies at most its size argument', sizeArgument: 3 });

add('sqrt sqrtf pow powf exp expf exp2 log logf log2 log10 sin cos tan asin acos atan atan2 sinh cosh tanh floor floorf ceil ceilf round roundf trunc fabs fabsf fmod fmodf fmin fmax lround llround rint nearbyint frexp ldexp modf hypot cbrt erf lgamma tgamma isnan isinf isfinite',
  { kind: 'math', reason: 'is a math.h floating-point function' });

add('htons ntohs htonl ntohl htobe16 htobe32 htobe64 be16toh be32toh be64toh htole16 htole32 le16toh le32toh __builtin_bswap16 __builtin_bswap32 __builtin_bswap64 __builtin_expect __builtin_constant_p __builtin_offsetof offsetof __builtin_unreachable __builtin_ctz __builtin_clz __builtin_popcount abs labs assert isdigit isalpha isalnum isspace isxdigit isupper islower isprint ispunct toupper tolower isgraph iscntrl isblank isascii FD_ZERO FD_SET FD_CLR FD_ISSET',
  { kind: 'safe', reason: 'has a direct BPF lowering' });

// Functions and system-header macros found unlisted in real servers (docs/real-code-findings.md).
add('access chdir umask remove opendir readdir closedir utimes mkstemp copy_file_range renameat2 kevent kqueue inotify_add_watch', { kind: 'blocking', reason: 'is a file or process system call' });
add('getsockname getpeername if_nametoindex if_indextoname socketpair', { kind: 'blocking', reason: 'is a socket system call' });
add('ferror feof clearerr ungetc rewind fileno setvbuf', { kind: 'blocking', reason: 'does buffered file or terminal I/O' });
add('freeaddrinfo', { kind: 'memory', reason: 'frees the heap list getaddrinfo() allocated' });
// Setting up or tearing down a lock does not block, but there is no userspace lock in BPF at all.
add('pthread_mutex_init pthread_mutex_destroy pthread_cond_init pthread_cond_destroy pthread_rwlock_init pthread_rwlock_destroy pthread_spin_init pthread_spin_destroy pthread_mutexattr_init pthread_mutexattr_settype pthread_mutexattr_destroy pthread_attr_init pthread_attr_destroy pthread_attr_setstacksize pthread_attr_setdetachstate sem_init sem_destroy',
  { kind: 'unsupported', reason: 'sets up or tears down a userspace lock or thread attribute; it does not block, but BPF has only bpf_spin_lock inside map values' });
add('pthread_self pthread_once pthread_key_create pthread_key_delete pthread_setspecific pthread_getspecific pthread_setname_np pthread_getname_np', { kind: 'unsupported', reason: 'reads or sets per-thread state of the process, which a BPF program does not have' });
add('strerror strerror_r gai_strerror hstrerror strsignal', { kind: 'unsupported', reason: 'looks its text up in libc\'s message tables, which a BPF program does not have' });
add('setenv unsetenv putenv clearenv', { kind: 'unsupported', reason: 'changes the process environment, which a BPF program does not have' });
add('rand srand random srandom rand_r drand48 lrand48', { kind: 'unsupported', reason: 'keeps its generator state in libc; in BPF, bpf_get_prandom_u32() gives random numbers (with no seed)' });
add('strftime localtime localtime_r gmtime gmtime_r mktime timegm tzset', { kind: 'unsupported', reason: 'converts calendar time with libc\'s time-zone and locale data' });
add('dlopen dlsym dlclose dlerror crypt', { kind: 'unsupported', reason: 'needs libc\'s dynamic loader or crypt tables' });
add('difftime', { kind: 'math', reason: 'returns a double' });
add('CMSG_FIRSTHDR CMSG_NXTHDR', { kind: 'unsupported', reason: 'walks the ancillary data of a recvmsg() message, which a BPF program does not receive' });
add('va_start va_arg va_end va_copy __builtin_va_start __builtin_va_arg __builtin_va_end __builtin_va_copy', { kind: 'variadic', reason: 'reads variable arguments through a va_list' });
add('mempcpy', { kind: 'sized', reason: 'copies bytes', sizeArgument: 2 });
add('strcasestr strsep', { kind: 'string', reason: 'scans a string with no bound: it becomes a loop capped at ' + STRING_BOUND + ' bytes' });
// System-header macros that are arithmetic on their arguments: they compile to BPF unchanged.
add('S_ISDIR S_ISREG S_ISLNK S_ISCHR S_ISBLK S_ISFIFO S_ISSOCK CMSG_SPACE CMSG_LEN CMSG_ALIGN CMSG_DATA WEXITSTATUS WIFEXITED WIFSIGNALED WTERMSIG WIFSTOPPED WSTOPSIG WCOREDUMP IN6_ARE_ADDR_EQUAL IN6_IS_ADDR_UNSPECIFIED IN6_IS_ADDR_LOOPBACK IN6_IS_ADDR_LINKLOCAL IN6_IS_ADDR_SITELOCAL IN6_IS_ADDR_MULTICAST IN6_IS_ADDR_V4MAPPED IN6_IS_ADDR_V4COMPAT IN6_IS_ADDR_MC_LINKLOCAL IN6_IS_ADDR_MC_SITELOCAL IN6_IS_ADDR_MC_GLOBAL IN_CLASSA IN_CLASSB IN_CLASSC IN_CLASSD IN_MULTICAST IN_LOOPBACK major minor makedev',
  { kind: 'safe', reason: 'is a system-header macro of plain arithmetic, which BPF runs' });

export function libcEntry(name: string): LibcEntry | undefined {
  return table.get(name);
}

export function severityOfKind(kind: LibcKind): Severity | undefined {
  switch (kind) {
    case 'blocking': case 'memory': case 'jump': case 'unsupported': case 'math': return Severity.Error;
    case 'string': return Severity.Warning;
    case 'variadic': return Severity.Error;
    default: return undefined;
  }
}
