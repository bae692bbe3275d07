import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAccount, registerDevice, type TestUser } from '../../test/helpers/accounts';
import { databaseOf, runCliInProcess, runCliProcess } from '../../test/helpers/cli';
import { DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { purgeAuditPrefix } from '../store/audit';
import { inTransaction } from '../store/store';
import { auditVerify } from './audit-verify';

/** `audit:verify` on the test server's database, run in this process: its exit code and report. */
const verify = (server: TestServer) => runCliInProcess((write) => auditVerify(databaseOf(server), write));

/** The same, as an operator runs it: `npm run audit:verify` in its own process. */
const verifyInOwnProcess = (server: TestServer) => runCliProcess('audit-verify', databaseOf(server));

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

  it('passes intact chains with exit 0 and OK (as its own process)', async () => {
    const result = await verifyInOwnProcess(server);
    expect(result.stdout).toBe(`OK: 2 chains, ${(await auditRows()).length} entries, 0 broken\n`);
    expect(result.code).toBe(0);
  });

  it('fails with exit 1 naming the user and seq when a row\'s data is updated (as its own process)', async () => {
    await server.store.db.updateTable('audit_log').set({ data: '{"deviceId":"forged","name":"Phone"}' }).where('user_id', '=', alice.userId).where('seq', '=', 3).execute();
    const result = await verifyInOwnProcess(server);
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

  it('fails with exit 1 when the first entries are deleted without the purge (no anchor)', async () => {
    await server.store.db.deleteFrom('audit_log').where('user_id', '=', bob.userId).where('seq', '<', 3).execute();
    const result = await verify(server);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN user=${bob.userId} seq=3 reason=bad_start\n`);
  });

  describe('a chain shortened by the purge', () => {
    /** Alice's rows the purge kept, oldest first, and where her chain now starts. */
    let kept: Array<{ seq: number; hash: string }>;
    let anchor: { seq: number; hash: string };
    const anchorRow = () => server.store.db.selectFrom('audit_anchors').selectAll().where('user_id', '=', alice.userId).executeTakeFirst();

    beforeEach(async () => {
      // Everything so far is "old"; three entries a minute later are what the retention keeps.
      const cutoff = server.clock.now + 1;
      server.clock.now += 60_000;
      for (const name of ['Watch', 'Car']) await registerDevice(alice, name);
      expect((await alice.client.put('/api/backup/key-bundle', { blob: 'BBBB', expectedVersion: 1 })).status).toBe(200);
      const plan = await inTransaction(server.store, (tx) => purgeAuditPrefix(tx, alice.userId, cutoff, server.clock.now));
      if (plan.action !== 'purge') throw new Error(`expected a purge, got ${JSON.stringify(plan)}`);
      anchor = plan.anchor;
      kept = (await auditRows()).filter((r) => r.user_id === alice.userId);
      expect(kept.map((r) => r.seq)).toEqual([anchor.seq + 1, anchor.seq + 2, anchor.seq + 3]);
      expect(await anchorRow()).toMatchObject({ seq: anchor.seq, hash: anchor.hash, purged_at: server.clock.now });
    });

    it('passes with exit 0, checking the chain from its anchor', async () => {
      const result = await verify(server);
      expect(result.stdout).toBe(`OK: 2 chains, ${(await auditRows()).length} entries, 0 broken\n`);
      expect(result.code).toBe(0);
    });

    it('fails naming the entry when a row after the anchor is altered', async () => {
      await server.store.db.updateTable('audit_log').set({ data: '{"deviceId":"forged","name":"Car"}' }).where('user_id', '=', alice.userId).where('seq', '=', kept[1]!.seq).execute();
      const result = await verify(server);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=${kept[1]!.seq} reason=hash_mismatch\n`);
      expect(result.stdout).not.toContain(`user=${bob.userId}`);
    });

    it('fails when the row right after the anchor is deleted, or one further on', async () => {
      await server.store.db.deleteFrom('audit_log').where('user_id', '=', alice.userId).where('seq', '=', kept[0]!.seq).execute();
      expect((await verify(server)).stdout).toContain(`BROKEN user=${alice.userId} seq=${kept[1]!.seq} reason=gap\n`);
      await server.store.db.deleteFrom('audit_log').where('user_id', '=', alice.userId).where('seq', '=', kept[1]!.seq).execute();
      const result = await verify(server);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=${kept[2]!.seq} reason=gap\n`);
    });

    it('fails when two rows after the anchor are reordered', async () => {
      const setSeq = (from: number, to: number) =>
        server.store.db.updateTable('audit_log').set({ seq: to }).where('user_id', '=', alice.userId).where('seq', '=', from).execute();
      const [first, second] = [kept[0]!.seq, kept[1]!.seq];
      await setSeq(first, 1000);
      await setSeq(second, first);
      await setSeq(1000, second);
      const result = await verify(server);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=${first} reason=broken_link\n`);
    });

    it('fails when the anchor\'s hash or seq is altered', async () => {
      const setAnchor = (values: { seq?: number; hash?: string }) =>
        server.store.db.updateTable('audit_anchors').set(values).where('user_id', '=', alice.userId).execute();
      await setAnchor({ hash: 'ab'.repeat(32) });
      expect((await verify(server)).stdout).toContain(`BROKEN user=${alice.userId} seq=${kept[0]!.seq} reason=broken_link\n`);
      await setAnchor({ hash: anchor.hash, seq: anchor.seq - 1 });
      const result = await verify(server);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=${kept[0]!.seq} reason=gap\n`);
    });

    it('fails when the anchor is deleted: the chain no longer starts at seq 1', async () => {
      await server.store.db.deleteFrom('audit_anchors').where('user_id', '=', alice.userId).execute();
      const result = await verify(server);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=${kept[0]!.seq} reason=bad_start\n`);
    });

    it('fails when every row after the anchor is deleted', async () => {
      await server.store.db.deleteFrom('audit_log').where('user_id', '=', alice.userId).execute();
      const result = await verify(server);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`BROKEN user=${alice.userId} seq=${anchor.seq + 1} reason=gap\n`);
      expect(result.stdout).toMatch(/^FAILED: 2 chains, \d+ entries, 1 broken$/m);
    });

    it('passes after the account is erased: the anchor goes with the chain', async () => {
      expect((await alice.client.delete('/api/account')).status).toBe(200);
      expect(await anchorRow()).toBeUndefined();
      const rows = (await auditRows()).filter((r) => r.user_id === alice.userId);
      expect(rows).toMatchObject([{ type: 'account.erased', seq: anchor.seq + 4, prev_hash: kept.at(-1)!.hash, data: '{"removedEntries":3}' }]);
      const result = await verify(server);
      expect(result.stdout).toBe(`OK: 2 chains, ${(await auditRows()).length} entries, 0 broken\n`);
      expect(result.code).toBe(0);
    });
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
  const result = await runCliProcess('audit-verify', { DATABASE_URL: 'postgres://keyhold@127.0.0.1:1/none' });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^audit:verify: /);
  expect(result.stdout).toBe('');
});
