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
