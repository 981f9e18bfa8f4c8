// Readings from /proc: a process's memory high-water mark, and the whole machine's CPU busy time
// (for the offload section, which divides busy time by requests answered).
import { readFileSync } from 'node:fs';

/** The number a line of /proc/PID/status starts with ("VmHWM:  1234 kB" gives 1234), if it has that line. */
function statusNumber(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

/** A field of /proc/PID/status in kibibytes ("VmHWM", "VmRSS"). */
export function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS' | 'VmPeak' | 'VmSize'): number {
  const kib = statusNumber(readFileSync(`/proc/${pid}/status`, 'utf8'), field);
  if (kib === undefined) throw new Error(`/proc/${pid}/status has no ${field} line`);
  return kib;
}

/** Peak resident set size of a live process, in mebibytes. */
export function peakRssMiB(pid: number): number {
  return statusKiB(pid, 'VmHWM') / 1024;
}

/**
 * How many times a task has given up the CPU to wait (voluntary_ctxt_switches of
 * /proc/PID/status: the thread's own count, the main thread's for a process id): for a server
 * blocked on its socket, how often it went to sleep. Undefined once the task is gone.
 */
export function voluntarySwitches(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  return statusNumber(status, 'voluntary_ctxt_switches');
}

export function currentRssMiB(pid: number): number {
  return statusKiB(pid, 'VmRSS') / 1024;
}

export interface CpuTimes {
  /** Clock ticks spent doing anything but idle and iowait, over all CPUs. */
  busy: number;
  total: number;
}

/** The aggregate "cpu" line of /proc/stat. Differences of two readings give busy ticks. */
export function machineCpuTimes(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
  // counted in user and nice, so only the first eight fields are summed.
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const [, , , idle, iowait] = fields;
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle - iowait, total };
}

/** Clock ticks per second as /proc/stat counts them (USER_HZ, 100 on every Linux port in use). */
export const USER_HZ = 100;

/** CPU time a process has used (user + system, all threads), in clock ticks. */
export function processCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses; fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * CPU time of this process and of its children that have ended and been waited for (utime,
 * stime, cutime, cstime of /proc/self/stat), in clock ticks: the benchmark's own work, the
 * servers it started and stopped included.
 */
export function ownCpuTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}
