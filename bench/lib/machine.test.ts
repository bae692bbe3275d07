import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { processCpuMs } from './machine';

describe('processCpuMs (the key server CPU line of bench:server)', () => {
  it('reads a process\'s user + system time from /proc, as the process itself counts it', () => {
    const before = processCpuMs(process.pid);
    const ownBefore = process.cpuUsage();
    expect(before).toBeGreaterThan(0);
    // Work until /proc's 10 ms ticks move at least five times.
    let digest = Buffer.alloc(32);
    while (processCpuMs(process.pid)! < before! + 50) for (let i = 0; i < 1000; i++) digest = createHash('sha256').update(digest).digest();
    const spentProc = processCpuMs(process.pid)! - before!;
    const own = process.cpuUsage(ownBefore);
    const spentOwn = (own.user + own.system) / 1000;
    expect(Math.abs(spentProc - spentOwn)).toBeLessThan(40); // each read is rounded to a 10 ms tick
  });

  it('answers undefined for a process that does not exist', () => {
    expect(processCpuMs(2 ** 22 + 1)).toBeUndefined();
  });
});
