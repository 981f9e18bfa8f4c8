// The names both generated halves agree on. The kernel-half generator, the userspace-half
// generator, the loader and the tests read them from here, so the halves cannot drift apart.

/** Files one split produces, for an entry in `<base>.c` (base = source file name without .c). */
export function splitFileNames(base: string) {
  return {
    kernel: `${base}.bpf.c`,
    kernelObject: `${base}.bpf.o`,
    sharedHeader: `${base}.offload.h`,
    userspace: `${base}.split.c`,
    loader: `${base}.loader.c`,
    loaderHeader: `${base}.loader.h`,
    makefile: 'Makefile',
    /** Sidecar line map: generated line → original file and line (see tools/lineMap.ts). */
    lineMap: `${base}.bpf.c.map.json`,
    /** The userspace program `make` builds: named like the original source without .c. */
    program: base,
  };
}

/** Section and program name of the XDP program in the kernel half. */
export const XDP_PROGRAM_NAME = 'bpfo_xdp';
export const SK_SKB_PROGRAM_NAME = 'bpfo_sk_skb';
export const SK_MSG_PROGRAM_NAME = 'bpfo_sk_msg';

/**
 * Single-entry BPF_MAP_TYPE_ARRAY with BPF_F_MMAPABLE whose value is `struct bpfo_state`:
 * every global or static the kernel paths read or write. The userspace half mmaps it and
 * reaches those globals through a pointer, so both halves see the same memory.
 */
export const STATE_MAP_NAME = 'bpfo_state_map';
export const STATE_STRUCT_NAME = 'bpfo_state';
/** Pointer the userspace half uses for the shared globals (points at a static copy when not offloaded). */
export const STATE_POINTER_NAME = 'bpfo_state_ptr';

/** Per-CPU scratch buffers for the request copy and the reply under construction. */
export const SCRATCH_MAP_NAME = 'bpfo_scratch_map';
/** Per-CPU counters: index 0 answered in the kernel, 1 handed to userspace, 2 reply could not be built in place. */
export const STATS_MAP_NAME = 'bpfo_stats_map';
export const STAT_ANSWERED = 0;
export const STAT_HANDED_OVER = 1;
export const STAT_GROW_FAILED = 2;
/** Read-only config the loader sets before load (.rodata): the server's UDP/TCP port in host order. */
export const PORT_CONFIG_NAME = 'bpfo_port';

/** Largest request/reply payload handled in the kernel; longer ones go to userspace. Power of two (indices are masked). */
export const MAX_PAYLOAD = 2048;

/** Environment the loader reads. Without IFACE the program runs exactly as the original. */
export const ENV_IFACE = 'BPF_OFFLOAD_IFACE';
/** Optional path of the .bpf.o (default: beside the executable, then the current directory). */
export const ENV_OBJECT = 'BPF_OFFLOAD_OBJ';
/** Optional port for the kernel half (default: the port of the server's bound socket, then the analysed default). */
export const ENV_PORT = 'BPF_OFFLOAD_PORT';

/** Loader API the userspace half calls: `int bpfo_loader_start(void)` at start-up, `void bpfo_loader_stop(void)` at exit. */
export const LOADER_START = 'bpfo_loader_start';
export const LOADER_STOP = 'bpfo_loader_stop';

/**
 * Socket hooks (sk_skb) have no interface to name: the loader attaches only when this is "1".
 * Without it the program runs exactly as the original (BPF_OFFLOAD_IFACE is for XDP).
 */
export const ENV_ENABLE = 'BPF_OFFLOAD_ENABLE';
/** SOCKHASH of the server's accepted TCP connections, keyed by socket cookie; the sk_skb verdict program is attached to it. */
export const SOCK_MAP_NAME = 'bpfo_sock_map';
/** LRU hash, socket cookie → 1 while userspace holds the start of a line the kernel has not seen end. */
export const CONN_STATE_MAP_NAME = 'bpfo_conn_state';
/** Loader API for socket hooks: `int bpfo_loader_add_socket(int fd)`, called right after accept(). */
export const LOADER_ADD_SOCKET = 'bpfo_loader_add_socket';
