import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, signInWithPasskey } from '../../test/helpers/accounts';
import { DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { newRecordId, putRecord, storedRecords, tombstoneWrite } from '../../test/helpers/records';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DAY_MS = 86_400_000;

/** Runs the real `npm run purge` CLI in its own process with the given settings. */
async function runPurge(settings: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _url, DATA_DIR: _dir, TOMBSTONE_RETENTION_DAYS: _days, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/cli/purge.ts'], { cwd: REPO_ROOT, env: { ...inherited, ...settings }, timeout: 25_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe.each(DIALECTS)('npm run purge (%s)', (dialect) => {
  let server: TestServer;
  const purge = (env: Record<string, string> = {}) =>
    runPurge({ ...(server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : { DATA_DIR: server.config.dataDir }), ...env });

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('removes tombstones older than TOMBSTONE_RETENTION_DAYS and raises the account\'s watermark', async () => {
    const [live, old, recent] = [newRecordId(), newRecordId(), newRecordId()];
    server.clock.now = Date.now() - 100 * DAY_MS;
    const user = await createAccount(server, 'purged');
    await putRecord(user.client, live, 0); // seq 1
    await putRecord(user.client, old, 0); // seq 2
    await putRecord(user.client, old, 1, tombstoneWrite()); // seq 3, 100 days old
    server.clock.now = Date.now() - 10 * DAY_MS;
    await signInWithPasskey(user);
    await putRecord(user.client, recent, 0, tombstoneWrite()); // seq 4, 10 days old

    const first = await purge();
    expect(first).toMatchObject({ code: 0, stdout: 'record tombstones: purged 1 older than 90 days, from 1 account\n' });
    const kept = await storedRecords(server, user.userId);
    expect(kept.records.map((r) => r.id)).toEqual([live, recent]);
    expect(kept.counters[0]).toMatchObject({ seq: 4, live: 1, purged_seq: 3 });

    const shorter = await purge({ TOMBSTONE_RETENTION_DAYS: '5' });
    expect(shorter.stdout).toBe('record tombstones: purged 1 older than 5 days, from 1 account\n');
    expect((await storedRecords(server, user.userId)).counters[0]).toMatchObject({ live: 1, purged_seq: 4 });
  });
});

it('exits 2 with a one-line message when the database cannot be reached', async () => {
  const result = await runPurge({ DATABASE_URL: 'postgres://keyhold@127.0.0.1:1/none' });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^purge: /);
  expect(result.stdout).toBe('');
});
