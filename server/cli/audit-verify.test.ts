import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAccount, registerDevice, type TestUser } from '../../test/helpers/accounts';
import { DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the real `audit:verify` CLI in its own process with the given database settings. */
async function runAuditVerify(settings: { DATA_DIR?: string; DATABASE_URL?: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _url, DATA_DIR: _dir, ...inherited } = process.env;
  const env = { ...inherited, ...settings };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/cli/audit-verify.ts'], { cwd: REPO_ROOT, env, timeout: 25_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The CLI pointed at the test server's database: its SQLite file, or its PostgreSQL URL. */
const verify = (server: TestServer) =>
  runAuditVerify(server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : { DATA_DIR: server.config.dataDir });

describe.each(DIALECTS)('audit:verify (%s)', (dialect) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  const auditRows = () => server.store.db.selectFrom('audit_log').selectAll().orderBy('user_id').orderBy('seq').execute();

  beforeEach(async () => {
    server = await startTestServer(dialect);
    alice = await createAccount(server, 'alice');
    for (const name of ['Phone', 'Laptop', 'Tablet']) await registerDevice(alice, name);
    expect((await alice.client.put('/api/backup/key-bundle', { blob: 'AAAA', expectedVersion: 0 })).status).toBe(200);
    bob = await createAccount(server, 'bob');
    await registerDevice(bob, 'Desktop');
  });
  afterEach(() => server.close());

  it('passes intact chains with exit 0 and OK', async () => {
    const result = await verify(server);
    expect(result.stdout).toBe(`OK: 2 chains, ${(await auditRows()).length} entries, 0 broken\n`);
    expect(result.code).toBe(0);
  });

  it('fails with exit 1 naming the user and seq when a row\'s data is updated', async () => {
    await server.store.db.updateTable('audit_log').set({ data: '{"deviceId":"forged","name":"Phone"}' }).where('user_id', '=', alice.userId).where('seq', '=', 3).execute();
    const result = await verify(server);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=3 reason=hash_mismatch\n`);
    expect(result.stdout).not.toContain(`user=${bob.userId}`);
    expect(result.stdout).toMatch(/^FAILED: 2 chains, \d+ entries, 1 broken$/m);
  });

  it('fails with exit 1 when a middle row is deleted', async () => {
    await server.store.db.deleteFrom('audit_log').where('user_id', '=', alice.userId).where('seq', '=', 3).execute();
    const result = await verify(server);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=4 reason=gap\n`);
  });

  it('fails with exit 1 when two rows are reordered by swapping their seq', async () => {
    const setSeq = (from: number, to: number) =>
      server.store.db.updateTable('audit_log').set({ seq: to }).where('user_id', '=', alice.userId).where('seq', '=', from).execute();
    // Through a free number: (user_id, seq) is the primary key.
    await setSeq(3, 1000);
    await setSeq(4, 3);
    await setSeq(1000, 4);
    const result = await verify(server);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=3 reason=broken_link\n`);
  });

  it('reports every broken chain, not just the first', async () => {
    for (const user of [alice, bob]) {
      await server.store.db.updateTable('audit_log').set({ at: sql<number>`at + 1` }).where('user_id', '=', user.userId).where('seq', '=', 1).execute();
    }
    const result = await verify(server);
    expect(result.code).toBe(1);
    for (const user of [alice, bob]) expect(result.stdout).toContain(`BROKEN user=${user.userId} seq=1 reason=hash_mismatch\n`);
    expect(result.stdout).toMatch(/^FAILED: 2 chains, \d+ entries, 2 broken$/m);
  });

  it('passes an erased account\'s tombstone chain', async () => {
    expect((await alice.client.delete('/api/account')).status).toBe(200);
    const rows = await auditRows();
    expect(rows.filter((r) => r.user_id === alice.userId).map((r) => r.type)).toEqual(['account.erased']);
    const result = await verify(server);
    expect(result.stdout).toBe(`OK: 2 chains, ${rows.length} entries, 0 broken\n`);
    expect(result.code).toBe(0);
  });

  it('fails when an erased account\'s tombstone is altered', async () => {
    expect((await alice.client.delete('/api/account')).status).toBe(200);
    await server.store.db.updateTable('audit_log').set({ data: '{"removedEntries":0}' }).where('user_id', '=', alice.userId).execute();
    const result = await verify(server);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^BROKEN user=${alice.userId} seq=\\d+ reason=hash_mismatch$`, 'm'));
  });
});

it('exits 2 with a one-line message when the database cannot be reached', async () => {
  const result = await runAuditVerify({ DATABASE_URL: 'postgres://keyhold@127.0.0.1:1/none' });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^audit:verify: /);
  expect(result.stdout).toBe('');
});
