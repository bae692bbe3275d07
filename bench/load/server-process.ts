import { readFileSync } from 'node:fs';

/** A key server or the bare server, started by bench/lib/children.ts, whose memory and CPU the soak reads here. */
export type { RunningServer as WatchedServer } from '../lib/children';

/** Resident memory of a process now (`VmRSS` of /proc/<pid>/status), in KiB. */
export function residentKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line.split(/\s+/)[1]);
}

/** Its peak resident memory so far (`VmHWM`), in KiB. */
export function peakResidentKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.split(/\s+/)[1]) : Number.NaN;
}

/** CPU time the process has used (user + system, /proc/<pid>/stat), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which sits in parentheses and may contain spaces: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerS = 100; // USER_HZ on Linux
  return (Number(fields[11]) + Number(fields[12])) / ticksPerS;
}
