// Loads a BPF object into the running kernel with `bpftool prog loadall` and takes it out
// again. The pins go into a bpffs mounted for this one call under a fresh temporary
// directory, so nothing is left in /sys/fs/bpf and concurrent loads cannot collide; the
// programs are freed when the pins go and bpftool exits.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError, runTool } from './exec';
import { Toolchain, privilege } from './toolchain';
import { VerifierRejection, rejectionFromOutput } from './verifierLog';

export interface LoadResult {
  ok: boolean;
  /** Names of the programs bpftool pinned (they are unpinned again before this returns). */
  programs: string[];
  /** bpftool's combined stdout and stderr, which carries libbpf's messages and the verifier log. */
  output: string;
  /** Why the object did not load (when !ok and the tools ran). */
  rejection?: VerifierRejection;
  /** The tools could not be run, or we may not load (then nothing was attempted). */
  error?: ToolError;
  /** Set if cleaning up failed; the mount point is named so it can be removed by hand. */
  cleanupError?: string;
}

export interface LoadOptions {
  /** Parent of the temporary mount point; default os.tmpdir(). */
  tempRoot?: string;
  timeoutMs?: number;
  /** Paths of mount/umount; default from PATH. */
  mountPath?: string;
  umountPath?: string;
}

export async function loadBpfObject(toolchain: Toolchain, objectPath: string, options: LoadOptions = {}): Promise<LoadResult> {
  const privileges = privilege();
  if (!privileges.canLoad) {
    return {
      ok: false, programs: [], output: '',
      error: { kind: 'not-privileged', tool: 'bpftool', message: privileges.reason ?? 'not privileged', hint: 'Run as root, or with CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN.' },
    };
  }
  const base = mkdtempSync(join(options.tempRoot ?? tmpdir(), 'bpf-offload-load-'));
  const mountPoint = join(base, 'bpffs');
  const pinDir = join(mountPoint, 'progs');
  const state = { mounted: false };
  let result: LoadResult;
  try {
    mkdirSync(mountPoint);
    result = await loadInto(toolchain, objectPath, mountPoint, pinDir, options, state);
  } catch (e) {
    result = { ok: false, programs: [], output: '', error: { kind: 'failed', tool: 'bpftool', message: (e as Error).message, hint: '' } };
  }
  const cleanupError = await cleanUp(base, mountPoint, pinDir, state.mounted, options.umountPath ?? 'umount');
  return cleanupError ? { ...result, cleanupError } : result;
}

async function loadInto(
  toolchain: Toolchain, objectPath: string, mountPoint: string, pinDir: string, options: LoadOptions, state: { mounted: boolean },
): Promise<LoadResult> {
  const mount = await runTool('mount', options.mountPath ?? 'mount', ['-t', 'bpf', 'bpf', mountPoint], { timeoutMs: 10_000 });
  if (mount.error) return { ok: false, programs: [], output: '', error: mount.error };
  if (mount.exitCode !== 0) {
    return {
      ok: false, programs: [], output: mount.stderr,
      error: { kind: 'failed', tool: 'bpffs', message: `could not mount a bpffs at ${mountPoint}: ${mount.stderr.trim()}`, hint: 'Loading needs CAP_SYS_ADMIN.' },
    };
  }
  state.mounted = true;
  const run = await runTool('bpftool', toolchain.bpftool, ['prog', 'loadall', objectPath, pinDir], { timeoutMs: options.timeoutMs ?? 120_000 });
  const output = [run.stdout, run.stderr].filter(Boolean).join('\n');
  if (run.error) return { ok: false, programs: [], output, error: run.error };
  const programs = listPins(pinDir);
  if (run.exitCode === 0) return { ok: true, programs, output };
  const rejection = rejectionFromOutput(output) ?? { stage: 'loader' as const, message: `bpftool exited with ${run.exitCode}` };
  return { ok: false, programs, output, rejection };
}

function listPins(pinDir: string): string[] {
  try {
    return readdirSync(pinDir).sort();
  } catch {
    return [];
  }
}

async function cleanUp(base: string, mountPoint: string, pinDir: string, mounted: boolean, umountPath: string): Promise<string | undefined> {
  const problems: string[] = [];
  if (mounted) {
    // Unpinning drops the last reference bpftool left, so the programs are freed; the
    // unmount would do the same, but an explicit unpin keeps a failed unmount harmless.
    try {
      rmSync(pinDir, { recursive: true, force: true });
    } catch (e) {
      problems.push(`unpin ${pinDir}: ${(e as Error).message}`);
    }
    const umount = await runTool('umount', umountPath, [mountPoint], { timeoutMs: 10_000 });
    if (umount.error || umount.exitCode !== 0) {
      problems.push(`umount ${mountPoint}: ${umount.error?.message ?? umount.stderr.trim()}`);
      return problems.join('; ');
    }
  }
  try {
    rmdirSync(mountPoint);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`rmdir ${mountPoint}: ${(e as Error).message}`);
  }
  try {
    rmdirSync(base);
  } catch (e) {
    problems.push(`rmdir ${base}: ${(e as Error).message}`);
  }
  return problems.length ? problems.join('; ') : undefined;
}
