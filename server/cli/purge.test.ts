import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAccount, registerDevice, signInWithPasskey } from '../../test/helpers/accounts';
import { databaseOf, runCliInProcess, runCliProcess } from '../../test/helpers/cli';
import { DIALECTS, startTestServer, type ApiReply, type TestServer } from '../../test/helpers/harness';
import { newRecordId, putRecord, storedRecords, tombstoneWrite } from '../../test/helpers/records';
import { verifyChain } from '../store/audit-chain';
import { appendAuditEvent, eachAuditChain } from '../store/audit';
import { inTransaction } from '../store/store';
import { auditVerify } from './audit-verify';
import { purge as purgeCommand } from './purge';

const DAY_MS = 86_400_000;

/** `npm run purge` on the test server's database with `env` on top, run in this process: its exit code and report. */
const purgeInProcess = (server: TestServer, env: Record<string, string> = {}) => runCliInProcess((write) => purgeCommand({ ...databaseOf(server), ...env }, write));

/** The same, as an operator runs it: in its own process. */
const purgeInOwnProcess = (server: TestServer) => runCliProcess('purge', databaseOf(server));

const NOTHING_AUDITED = 'audit entries: purged 0 older than 365 days, from 0 accounts\n';

describe.each(DIALECTS)('npm run purge (%s)', (dialect) => {
  let server: TestServer;
  const purge = (env: Record<string, string> = {}) => purgeInProcess(server, env);

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
    expect(first).toMatchObject({ code: 0, stdout: `record tombstones: purged 1 older than 90 days, from 1 account\n${NOTHING_AUDITED}` });
    const kept = await storedRecords(server, user.userId);
    expect(kept.records.map((r) => r.id)).toEqual([live, recent]);
    expect(kept.counters[0]).toMatchObject({ seq: 4, live: 1, purged_seq: 3 });

    const shorter = await purge({ TOMBSTONE_RETENTION_DAYS: '5' });
    expect(shorter.stdout).toBe(`record tombstones: purged 1 older than 5 days, from 1 account\n${NOTHING_AUDITED}`);
    expect((await storedRecords(server, user.userId)).counters[0]).toMatchObject({ live: 1, purged_seq: 4 });
  });
});

describe.each(DIALECTS)('npm run purge: audit retention (%s)', (dialect) => {
  let server: TestServer;
  const purge = (env: Record<string, string> = {}) => purgeInProcess(server, env);
  const verify = () => runCliInProcess((write) => auditVerify(databaseOf(server), write));
  const chainOf = (userId: string) => server.store.db.selectFrom('audit_log').selectAll().where('user_id', '=', userId).orderBy('seq').execute();
  const anchorOf = (userId: string) => server.store.db.selectFrom('audit_anchors').selectAll().where('user_id', '=', userId).executeTakeFirst();

  beforeEach(async () => {
    server = await startTestServer(dialect);
  });
  afterEach(() => server.close());

  it('removes entries older than AUDIT_RETENTION_DAYS, keeps each chain\'s newest, and every chain still verifies', async () => {
    server.clock.now = Date.now() - 400 * DAY_MS;
    const active = await createAccount(server, 'active');
    for (const name of ['Phone', 'Laptop']) await registerDevice(active, name);
    const dormant = await createAccount(server, 'dormant');
    await registerDevice(dormant, 'Tablet');
    const erased = await createAccount(server, 'erased');
    expect((await erased.client.delete('/api/account')).status).toBe(200);
    const oldOfActive = (await chainOf(active.userId)).length;
    const oldOfDormant = (await chainOf(dormant.userId)).length;
    server.clock.now = Date.now() - 10 * DAY_MS;
    await signInWithPasskey(active);
    await registerDevice(active, 'Watch');
    const recent = (await chainOf(active.userId)).slice(oldOfActive);
    const lastOld = (await chainOf(active.userId))[oldOfActive - 1]!;

    const first = await purge();
    expect(first.stdout).toBe(`record tombstones: purged 0 older than 90 days, from 0 accounts\naudit entries: purged ${oldOfActive + oldOfDormant - 1} older than 365 days, from 2 accounts\n`);
    expect(first.code).toBe(0);
    expect(await chainOf(active.userId)).toEqual(recent);
    expect(await anchorOf(active.userId)).toEqual({ user_id: active.userId, seq: lastOld.seq, hash: lastOld.hash, purged_at: expect.any(Number) });
    // A dormant account keeps its newest entry: the chain's head is never purged.
    expect((await chainOf(dormant.userId)).map((r) => r.seq)).toEqual([oldOfDormant]);
    expect((await chainOf(erased.userId)).map((r) => r.type)).toEqual(['account.erased']);
    expect(await anchorOf(erased.userId)).toBeUndefined();
    expect(await verify()).toMatchObject({ code: 0, stdout: `OK: 3 chains, ${recent.length + 2} entries, 0 broken\n` });

    // The activity log pages from the newest down to what is left; the export carries it, linked to the anchor.
    type AuditPage = { events: Array<{ seq: number; hash: string }>; nextBefore: number | null };
    const paged: AuditPage['events'] = [];
    let before: number | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const page: ApiReply<AuditPage> = await active.client.get(`/api/audit?limit=1${before ? `&before=${before}` : ''}`);
      expect(page.status).toBe(200);
      paged.push(...page.body.events);
      before = page.body.nextBefore;
      if (before === null) break;
    }
    expect(before).toBeNull();
    expect(paged.map((e) => [e.seq, e.hash])).toEqual(recent.map((r) => [r.seq, r.hash]).reverse());
    const exported = await active.client.get('/api/account/export');
    expect(exported.status).toBe(200);
    const audit = exported.body.audit as Array<{ seq: number; prevHash: string; type: string }>;
    expect(audit.map((e) => e.seq)).toEqual([...recent.map((r) => r.seq), recent.at(-1)!.seq + 1].reverse());
    expect(audit.at(-1)!.prevHash).toBe(lastOld.hash);

    // Again: nothing more to purge, the anchor stays put, and the chains still verify.
    const anchor = await anchorOf(active.userId);
    const second = await purge();
    expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining(NOTHING_AUDITED) });
    expect(await anchorOf(active.userId)).toEqual(anchor);
    expect((await verify()).code).toBe(0);

    // A shorter retention moves the anchor on from where it was.
    const shorter = await purge({ AUDIT_RETENTION_DAYS: '5' });
    expect(shorter.stdout).toContain(`audit entries: purged ${recent.length} older than 5 days, from 1 account\n`);
    const [head] = await chainOf(active.userId);
    expect(head!.type).toBe('account.exported');
    expect(await anchorOf(active.userId)).toMatchObject({ seq: head!.seq - 1, hash: head!.prev_hash });
    expect(await verify()).toMatchObject({ code: 0, stdout: 'OK: 3 chains, 3 entries, 0 broken\n' });
  });

  it('leaves a chain whose old entries were tampered with whole, names it and exits 1 (as its own process)', async () => {
    server.clock.now = Date.now() - 400 * DAY_MS;
    const user = await createAccount(server, 'tampered');
    for (const name of ['Phone', 'Laptop']) await registerDevice(user, name);
    const before = await chainOf(user.userId);
    const forged = before[1]!.seq;
    await server.store.db.updateTable('audit_log').set({ data: '{"forged":true}' }).where('user_id', '=', user.userId).where('seq', '=', forged).execute();

    const result = await purgeInOwnProcess(server);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `audit entries: purged 0 older than 365 days, from 0 accounts; left 1 broken chain whole (user=${user.userId} seq=${forged} reason=hash_mismatch): run npm run audit:verify\n`,
    );
    expect((await chainOf(user.userId)).map((r) => r.seq)).toEqual(before.map((r) => r.seq));
    expect(await anchorOf(user.userId)).toBeUndefined();
  });

  // Both commands as their own processes: in this one, a query on SQLite would hold up the appends.
  it('keeps every chain verifiable while a server appends during the purge (and while audit:verify reads)', { timeout: 90_000 }, async () => {
    const users = Array.from({ length: 24 }, (_, i) => `u-busy-${i}`);
    const old = Date.now() - 400 * DAY_MS;
    await Promise.all(
      users.map((userId) =>
        inTransaction(server.store, async (tx) => {
          for (let i = 0; i < 40; i++) await appendAuditEvent(tx, userId, 'account.exported', { i }, old + i);
        }),
      ),
    );

    let running = true;
    const purging = purgeInOwnProcess(server).finally(() => (running = false));
    const verifying = runCliProcess('audit-verify', databaseOf(server));
    let appended = 0;
    while (running) {
      await Promise.all(users.map((userId) => inTransaction(server.store, (tx) => appendAuditEvent(tx, userId, 'signin.device.success', { appended }, Date.now()))));
      appended++;
    }
    const [purged, verified] = await Promise.all([purging, verifying]);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toMatch(/^audit entries: purged \d+ older than 365 days, from 24 accounts$/m);
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/^OK: 24 chains, \d+ entries, 0 broken$/m) });
    expect(appended).toBeGreaterThan(0);

    for await (const { userId, anchor, rows } of eachAuditChain(server.store)) {
      expect(verifyChain(rows, anchor), userId).toBeNull();
      // Only old entries went: every append made during the purge is still there.
      expect(rows.filter((r) => r.type === 'signin.device.success'), userId).toHaveLength(appended);
      expect(anchor!.seq, userId).toBeGreaterThanOrEqual(39);
    }
    expect((await verify()).code).toBe(0);
  });
});

it('exits 2 with a one-line message when the database cannot be reached', async () => {
  const result = await runCliProcess('purge', { DATABASE_URL: 'postgres://keyhold@127.0.0.1:1/none' });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^purge: /);
  expect(result.stdout).toBe('');
});
