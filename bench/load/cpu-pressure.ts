import { readFileSync } from 'node:fs';

/**
 * Microseconds, since boot, during which at least one task on the machine waited for a CPU
 * (Linux pressure stall information, `some` of /proc/pressure/cpu); `undefined` where the kernel
 * does not expose it. Over a run, its increase / wall time is the share of time the machine's
 * other work (or this bench) left something runnable without a core.
 */
export function cpuPressureUs(): number | undefined {
  try {
    const some = readFileSync('/proc/pressure/cpu', 'utf8').split('\n').find((l) => l.startsWith('some '));
    const total = some?.match(/total=(\d+)/)?.[1];
    return total === undefined ? undefined : Number(total);
  } catch {
    return undefined;
  }
}

/** Share of the time since `mark` (taken with cpuPressureUs and performance.now) that some task waited for a CPU, 0–1. */
export function cpuPressureSince(mark: { us: number | undefined; at: number }): number {
  const now = cpuPressureUs();
  if (now === undefined || mark.us === undefined) return Number.NaN;
  return (now - mark.us) / ((performance.now() - mark.at) * 1000);
}
