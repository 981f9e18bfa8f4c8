// Shared by the kernel tests: where the fixtures are, whether this machine can compile and
// load BPF, and how a test reacts when it cannot (skip locally, fail where CI demands it).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { findToolchain, privilege } from '../../server/src/tools';
import { repoRoot } from '../repoRoot';

export { repoRoot };

export const FIXTURES = join(repoRoot(), 'test', 'kernel', 'fixtures');

export const KERNEL_REQUIRED = process.env.BPF_OFFLOAD_REQUIRE_KERNEL === '1';

/** Why the kernel tests cannot run here, or undefined when they can. */
export function kernelUnavailable(): string | undefined {
  const found = findToolchain();
  if (!found.ok) return `${found.error.message}; ${found.error.hint}`;
  const rights = privilege();
  if (!rights.canLoad) return rights.reason;
  return undefined;
}

/**
 * True when the test may go on. Otherwise the test is skipped with the reason, or fails with
 * it when BPF_OFFLOAD_REQUIRE_KERNEL=1 (CI), so the proof cannot silently stop running.
 */
export function requireKernel(t: TestContext): boolean {
  const problem = kernelUnavailable();
  if (!problem) return true;
  if (KERNEL_REQUIRED) throw new Error(`BPF_OFFLOAD_REQUIRE_KERNEL=1 but the kernel proof cannot run: ${problem}`);
  t.skip(problem);
  return false;
}

/** Mount points of bpffs instances, from /proc/self/mounts. */
export function bpfMounts(): string[] {
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields[2] === 'bpf')
      .map((fields) => fields[1].replace(/\\040/g, ' '));
  } catch {
    return [];
  }
}

/**
 * What the runner left behind under `root` (the test's own temp root, so test files running in
 * parallel do not see each other's work): temporary directories and bpffs mounts.
 */
export function leftovers(root: string): string[] {
  const dirs = readdirSync(root).map((name) => join(root, name));
  const mounts = bpfMounts().filter((point) => point.startsWith(root + '/'));
  return [...dirs, ...mounts];
}

export function sysFsBpfEntries(): string[] {
  try {
    return readdirSync('/sys/fs/bpf').sort();
  } catch {
    return [];
  }
}
