import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Memory-backed where the machine has it (Linux): an fsync there returns at once. */
const ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
/** `kh-<kind>-<pid>-<random>`: the pid says whether the test process that made it still runs. */
const SCRATCH_NAME = /^kh-[a-z0-9]+-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A fresh directory for a test key server's files (its SQLite database, its pepper). The database
 * keeps its production settings (WAL, synchronous = FULL); on memory its fsyncs, a few ms each on
 * a virtual disk and several per write, cost nothing. That changes nothing a test here proves: a
 * process killed with -9 loses nothing either way (the written pages are in the kernel), and a
 * test of real disk behaviour makes its own directory on disk.
 */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(ROOT, `${prefix}${process.pid}-`));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/**
 * Removes the scratch directories of test processes that no longer run: a run killed before its
 * teardown leaves them behind, in memory. Called once per test run (test/global-setup.ts).
 */
export function sweepStaleScratchDirs(): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(ROOT)) {
    const pid = SCRATCH_NAME.exec(name)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    rmSync(join(ROOT, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
