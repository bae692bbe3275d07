import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Memory-backed where the machine has it (Linux): an fsync there returns at once. */
const ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/**
 * A fresh directory for a test key server's files (its SQLite database, its pepper). The database
 * keeps its production settings (WAL, synchronous = FULL); on memory its fsyncs, a few ms each on
 * a virtual disk and several per write, cost nothing. That changes nothing a test here proves: a
 * process killed with -9 loses nothing either way (the written pages are in the kernel), and a
 * test of real disk behaviour makes its own directory on disk.
 */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(ROOT, prefix));
}
