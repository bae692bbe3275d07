import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine a run happened on, as printed in BENCHMARKS.md. */
export interface Machine {
  /** What `nproc` prints: CPUs this process may run on. */
  nproc: number;
  cpuModel: string;
  ramGiB: number;
  node: string;
  kernel: string;
  /** 1-minute load average when the run began: anything well above 0 means the figures were shared with other work. */
  loadAverage: number;
}

export function describeMachine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on every mainstream architecture). */
const CLOCK_TICKS_PER_S = 100;

/** CPU time (user + system) process `pid` has used so far, in ms, from /proc; undefined where there is none. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // After the command name's closing parenthesis: field 3 (state) first, so utime (14) and stime (15) are 11 and 12.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}
