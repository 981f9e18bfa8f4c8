// Sizes and alignments of types the analysed files use without defining, for the LP64 ABI
// that both x86-64 and BPF follow. System structs are listed with their glibc/Linux UAPI
// layouts so that `struct sockaddr_in addr;` sizes without the headers being indexed.

export interface Layout {
  size: number;
  align: number;
}

const BY_SIZE: [number, string[]][] = [
  [1, ['int8_t', 'uint8_t', 'u_int8_t', '__u8', '__s8', 'u8', 's8', 'bool', '_Bool', 'u_char']],
  [2, ['int16_t', 'uint16_t', 'u_int16_t', '__u16', '__s16', 'u16', 's16', '__be16', '__le16', '__sum16',
    'in_port_t', 'sa_family_t', 'u_short', 'char16_t']],
  [4, ['int32_t', 'uint32_t', 'u_int32_t', '__u32', '__s32', 'u32', 's32', '__be32', '__le32', '__wsum',
    'in_addr_t', 'socklen_t', 'pid_t', 'uid_t', 'gid_t', 'mode_t', 'key_t', 'id_t', 'clockid_t', 'useconds_t',
    'wchar_t', 'char32_t', 'wint_t', 'u_int', 'float', 'sig_atomic_t']],
  [8, ['int64_t', 'uint64_t', 'u_int64_t', '__u64', '__s64', 'u64', 's64', '__be64', '__le64', 'size_t', 'ssize_t',
    'uintptr_t', 'intptr_t', 'ptrdiff_t', 'off_t', 'off64_t', 'loff_t', 'time_t', 'suseconds_t', 'clock_t',
    'ino_t', 'dev_t', 'nlink_t', 'blksize_t', 'blkcnt_t', 'rlim_t', 'intmax_t', 'uintmax_t', 'u_long',
    'double', '__kernel_size_t', 'uint_fast64_t', 'int_fast64_t', 'uint_least64_t', 'int_least64_t']],
  [16, ['__int128', '__uint128_t', '__int128_t', 'long double']],
];

const NAMED = new Map<string, Layout>();
for (const [size, names] of BY_SIZE) for (const name of names) NAMED.set(name, { size, align: size });

const STRUCTS: Record<string, Layout> = {
  'struct in_addr': { size: 4, align: 4 },
  'struct in6_addr': { size: 16, align: 4 },
  'struct sockaddr': { size: 16, align: 2 },
  'struct sockaddr_in': { size: 16, align: 4 },
  'struct sockaddr_in6': { size: 28, align: 4 },
  'struct sockaddr_un': { size: 110, align: 2 },
  'struct sockaddr_storage': { size: 128, align: 8 },
  'struct timeval': { size: 16, align: 8 },
  'struct timespec': { size: 16, align: 8 },
  'struct iovec': { size: 16, align: 8 },
  'struct msghdr': { size: 56, align: 8 },
  'struct pollfd': { size: 8, align: 4 },
  'struct ethhdr': { size: 14, align: 1 },
  'struct iphdr': { size: 20, align: 4 },
  'struct ipv6hdr': { size: 40, align: 4 },
  'struct tcphdr': { size: 20, align: 4 },
  'struct udphdr': { size: 8, align: 2 },
  // glibc x86-64 layouts of common userspace structs (they only matter on the userspace side).
  'struct stat': { size: 144, align: 8 },
  'struct sigaction': { size: 152, align: 8 },
  'struct addrinfo': { size: 48, align: 8 },
  'struct linger': { size: 8, align: 4 },
  'struct rlimit': { size: 16, align: 8 },
  'struct rusage': { size: 144, align: 8 },
  'struct flock': { size: 32, align: 8 },
  'struct epoll_event': { size: 12, align: 1 },
  pthread_t: { size: 8, align: 8 },
  pthread_mutex_t: { size: 40, align: 8 },
  sigset_t: { size: 128, align: 8 },
};

const INTEGER_WORDS = new Set(['signed', 'unsigned', 'char', 'short', 'int', 'long', 'double', 'float', '_Bool', 'void']);

/** Layout of a base type spelled with C keywords ("unsigned long int", "long double"). */
function keywordLayout(name: string): Layout | undefined {
  const words = name.split(' ');
  if (!words.every((w) => INTEGER_WORDS.has(w))) return undefined;
  const count = (w: string) => words.filter((x) => x === w).length;
  if (count('void') > 0) return undefined;
  if (count('double') > 0) return count('long') > 0 ? { size: 16, align: 16 } : { size: 8, align: 8 };
  if (count('float') > 0) return { size: 4, align: 4 };
  if (count('_Bool') > 0) return { size: 1, align: 1 };
  if (count('char') > 0) return { size: 1, align: 1 };
  if (count('short') > 0) return { size: 2, align: 2 };
  if (count('long') > 0) return { size: 8, align: 8 };
  return { size: 4, align: 4 };
}

export function builtinLayout(name: string): Layout | undefined {
  return keywordLayout(name) ?? NAMED.get(name) ?? STRUCTS[name];
}

/** Whether a name is a type without any typedef in the program (for casts in constants). */
export function isBuiltinTypeName(name: string): boolean {
  return NAMED.has(name) || INTEGER_WORDS.has(name);
}
