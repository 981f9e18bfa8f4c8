// Whether other work shared the machine with a section's run. The one-minute load average after
// a run mostly counts the run's own processes (two servers and a client on two cores keep it near
// 2), so it cannot say that; what can is the machine's busy time over the run (/proc/stat) minus
// the CPU time of the benchmark and the children it started and waited for (/proc/self/stat).
import { machineCpuTimes, ownCpuTicks } from './procfs';

/** CPU time over one section's run, in clock ticks. */
export interface RunCpu {
  /** Every CPU's busy time (not idle, not iowait). */
  machineBusy: number;
  /** Every CPU's time, idle included: the run's length times the number of CPUs. */
  machineTotal: number;
  /** This process and its ended children. */
  own: number;
}

/** Share of the machine's CPU time above which the report says that other work shared it. */
export const OTHER_WORK_SHARE = 0.1;

/** Starts counting; the function returned gives the counts since. */
export function startCpuCount(): () => RunCpu {
  const machine = machineCpuTimes();
  const own = ownCpuTicks();
  return () => {
    const now = machineCpuTimes();
    return { machineBusy: now.busy - machine.busy, machineTotal: now.total - machine.total, own: ownCpuTicks() - own };
  };
}

/** The share of the machine's CPU time over the run that went to anything but the benchmark's processes. */
export function otherWorkShare(cpu: RunCpu): number {
  if (cpu.machineTotal <= 0) return 0;
  return Math.max(0, cpu.machineBusy - cpu.own) / cpu.machineTotal;
}

/**
 * The report's warning, when other work took more than OTHER_WORK_SHARE of the machine; kernel
 * threads count as other work, and some of them (softirq, kworkers) may be doing the
 * benchmark's network traffic. Records from before this was counted judge by the load average.
 */
export function otherWorkWarning(record: { cpu?: RunCpu; load?: { before: number; after: number }; machine: { cores: number } }): string[] {
  const { cpu, load } = record;
  if (cpu) {
    const share = otherWorkShare(cpu);
    if (share <= OTHER_WORK_SHARE) return [];
    const loadBefore = load ? `; load average ${load.before.toFixed(1)} before the run` : '';
    return [
      `> **Other work shared the machine during this run:** ${(share * 100).toFixed(0)}% of its CPU time over the run went to processes other than the benchmark's and the servers it ran (kernel threads included, some of which may carry the benchmark's own network traffic)${loadBefore}. Absolute times are inflated; ratios between servers measured in the same run suffer less.`,
      '',
    ];
  }
  if (!load || Math.max(load.before, load.after) <= record.machine.cores) return [];
  return [
    `> **The machine was busy during this run** (load average ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after, on ${record.machine.cores} cores; the load after includes the run's own processes): absolute times are inflated; ratios between servers measured in the same run suffer less.`,
    '',
  ];
}
