// Per-program run counters: with kernel.bpf_stats_enabled=1 the kernel counts every run of
// every BPF program, and `bpftool prog show` reports run_cnt and run_time_ns. A network test
// reads the counter of the XDP program it attached to see how many packets the kernel half saw.
import { readFileSync, writeFileSync } from 'node:fs';
import { findToolchain } from '../../server/src/tools';
import { runCommand } from './run';

const STATS_SWITCH = '/proc/sys/kernel/bpf_stats_enabled';

export interface ProgramStats {
  id: number;
  name: string;
  runCount: number;
  runTimeNs: number;
}

let holders = 0;
let before: string | undefined;

/**
 * Turns the counters on and returns the function that turns them back off. The switch is
 * global, so it is restored only when the last holder in this process lets go, and only if
 * `othersActive()` (e.g. another test process's namespaces still exist) says nobody else may
 * be counting.
 */
export function enableBpfStats(othersActive: () => boolean = () => false): () => void {
  if (holders++ === 0) {
    before = readFileSync(STATS_SWITCH, 'utf8').trim();
    if (before !== '1') writeFileSync(STATS_SWITCH, '1');
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && before === '0' && !othersActive()) writeFileSync(STATS_SWITCH, '0');
  };
}

export async function programStats(id: number): Promise<ProgramStats> {
  const found = findToolchain();
  if (!found.ok) throw new Error(found.error.message);
  const { stdout } = await runCommand(found.toolchain.bpftool, ['prog', 'show', 'id', String(id), '--json']);
  const info = JSON.parse(stdout) as { id: number; name?: string; run_cnt?: number; run_time_ns?: number };
  if (info.run_cnt === undefined && readFileSync(STATS_SWITCH, 'utf8').trim() !== '1') {
    throw new Error('bpftool shows no run_cnt: kernel.bpf_stats_enabled is 0 (call enableBpfStats first)');
  }
  return { id: info.id, name: info.name ?? '', runCount: info.run_cnt ?? 0, runTimeNs: info.run_time_ns ?? 0 };
}
