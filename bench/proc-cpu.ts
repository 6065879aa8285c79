import { readdirSync, readFileSync } from 'node:fs';

// CPU time from /proc (Linux), for the bench's phase monitor: per process, per process name, and for
// the whole machine. Each answers undefined where /proc cannot tell (another OS, a remote server).

const TICKS_PER_SECOND = 100;

/**
 * A process's name and CPU seconds so far from /proc/<pid>/stat, its reaped children's included;
 * undefined once it has gone. The children count because a PostgreSQL backend that exits
 * mid-phase takes its CPU out of the sum of live processes, and the kernel adds it to the
 * postmaster's: without them, the sum can fall and a phase's PostgreSQL CPU come out negative.
 */
function readProcessStat(pid: number | string): { name: string; cpuSeconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name sits in parentheses and may hold spaces; after it come state, …, utime (14), stime
    // (15), and the reaped children's cutime (16) and cstime (17).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      cpuSeconds: (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds a process (with its reaped children) has used so far. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : readProcessStat(pid)?.cpuSeconds;
}

/** CPU seconds used so far by every process with this name (e.g. postgres); undefined when none runs here. */
export function cpuSecondsOfProcessesNamed(name: string): number | undefined {
  let total: number | undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(entry);
    if (stat?.name === name) total = (total ?? 0) + stat.cpuSeconds;
  }
  return total;
}

/** Busy CPU seconds of the whole machine so far (all cores, everything but idle and I/O wait). */
export function machineBusySeconds(): number | undefined {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return (ticks.reduce((sum, value) => sum + value, 0) - idle) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
