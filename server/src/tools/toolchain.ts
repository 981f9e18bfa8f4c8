// Finds clang and bpftool (or takes the configured paths) and tells whether this process may
// load BPF programs. Nothing here runs a program: the tools are found by looking at files.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { ToolError, missingTool } from './exec';

export interface ToolchainOptions {
  /** Path to clang; default: the first clang (or clang-NN, newest first) on PATH. */
  clangPath?: string;
  /** Path to bpftool; default: bpftool on PATH, then /usr/sbin and /sbin. */
  bpftoolPath?: string;
  /** Extra -I directories; the multiarch directory (e.g. /usr/include/x86_64-linux-gnu) is always added. */
  includeDirs?: string[];
}

export interface Toolchain {
  clang: string;
  bpftool: string;
  includeDirs: string[];
}

export type ToolchainResult = { ok: true; toolchain: Toolchain } | { ok: false; error: ToolError };

// Debian and Ubuntu install versioned clang binaries; the unversioned name is only a symlink
// from the `clang` package, which a minimal install may lack.
const CLANG_VERSIONS = Array.from({ length: 14 }, (_, i) => 21 - i);
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(names: string[], extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The multiarch include directory clang -target bpf needs for <asm/types.h> and friends. */
export function multiarchIncludeDir(arch: string = process.arch): string {
  const triple: Record<string, string> = {
    x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf',
    ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu', riscv64: 'riscv64-linux-gnu',
  };
  return `/usr/include/${triple[arch] ?? `${arch}-linux-gnu`}`;
}

function resolveConfigured(tool: 'clang' | 'bpftool', configured: string): string | ToolError {
  // A bare name is looked up on PATH; anything with a slash is taken as a path.
  if (!configured.includes('/') && !isAbsolute(configured)) {
    return searchPath([configured], tool === 'bpftool' ? SBIN_DIRS : []) ?? missingTool(tool, configured);
  }
  return isExecutableFile(configured) ? configured : missingTool(tool, configured);
}

export function findToolchain(options: ToolchainOptions = {}): ToolchainResult {
  const clang = options.clangPath
    ? resolveConfigured('clang', options.clangPath)
    : searchPath(['clang', ...CLANG_VERSIONS.map((v) => `clang-${v}`)]) ?? missingTool('clang', 'clang on PATH');
  if (typeof clang !== 'string') return { ok: false, error: clang };
  const bpftool = options.bpftoolPath
    ? resolveConfigured('bpftool', options.bpftoolPath)
    : searchPath(['bpftool'], SBIN_DIRS) ?? missingTool('bpftool', 'bpftool on PATH, /usr/sbin, /sbin');
  if (typeof bpftool !== 'string') return { ok: false, error: bpftool };
  return { ok: true, toolchain: { clang, bpftool, includeDirs: [multiarchIncludeDir(), ...(options.includeDirs ?? [])] } };
}

export interface Privilege {
  root: boolean;
  /** CAP_BPF (39) in the effective set; kernels before 5.8 need CAP_SYS_ADMIN instead. */
  capBpf: boolean;
  /** CAP_SYS_ADMIN (21): needed to mount the private bpffs and, before 5.8, to load. */
  capSysAdmin: boolean;
  /** Loading XDP/socket programs needs CAP_BPF + CAP_NET_ADMIN, and the private mount CAP_SYS_ADMIN. */
  canLoad: boolean;
  /** Why not, when canLoad is false. */
  reason?: string;
}

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
const CAP_BPF = 39;

function effectiveCapabilities(): bigint | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(status);
    return match ? BigInt(`0x${match[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

export function privilege(): Privilege {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const caps = effectiveCapabilities();
  const has = (bit: number) => (caps === undefined ? root : (caps & (1n << BigInt(bit))) !== 0n);
  const capBpf = has(CAP_BPF);
  const capSysAdmin = has(CAP_SYS_ADMIN);
  const capNetAdmin = has(CAP_NET_ADMIN);
  // CAP_SYS_ADMIN also grants what CAP_BPF does, so it alone suffices for the load itself.
  const canLoad = capSysAdmin && capNetAdmin;
  return {
    root, capBpf, capSysAdmin, canLoad,
    reason: canLoad ? undefined : 'loading needs root (CAP_SYS_ADMIN to mount a private bpffs, CAP_BPF and CAP_NET_ADMIN to load)',
  };
}
