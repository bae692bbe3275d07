import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scratchDir, sweepStaleScratchDirs } from './scratch-dir';

describe('scratch directories', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("sweeps the directories of test processes that have exited and keeps a running one's", () => {
    const mine = scratchDir('kh-test-');
    made.push(mine);
    // A pid that surely belongs to no process any more: a child that has exited and been reaped.
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    const orphan = join(dirname(mine), `kh-test-${exited}-AbC123`);
    mkdirSync(join(orphan, 'db'), { recursive: true });
    made.push(orphan);

    expect(sweepStaleScratchDirs()).toContain(`kh-test-${exited}-AbC123`);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(mine)).toBe(true);
  });
});
