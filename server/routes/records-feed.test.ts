import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_CHANGES_PAGE_MAX } from '../../protocol/constants';
import { createAccount, deviceSignIn, registerDevice, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { newRecordId, pullChanges, putRecord, storedRecords, tombstoneWrite } from '../../test/helpers/records';
import { purgeTombstones } from '../domain/records';
import { recordsAfterQuery } from '../store/records';
import { inTransaction } from '../store/store';

const DAY_MS = 86_400_000;

describe.each(DIALECTS)('record change feed (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  const newUser = (): Promise<TestUser> => createAccount(server, `feed-user-${++n}`);
  const purgeOlderThan = (days: number) => purgeTombstones(server.store, server.clock.now - days * DAY_MS);
  /** Moves the clock on, and signs in again: the old session has long expired. */
  async function daysLater(user: TestUser, days: number): Promise<void> {
    server.clock.now += days * DAY_MS;
    expect((await signInWithPasskey(user)).status).toBe(200);
  }

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('pages through the changes in seq order, a replaced record once at its latest seq', async () => {
    const user = await newUser();
    const ids = Array.from({ length: 7 }, newRecordId);
    for (const id of ids) await putRecord(user.client, id, 0);
    await putRecord(user.client, ids[2]!, 1); // seq 8: record 2 moves to the end of the feed

    const { pages, changes, cursor } = await pullChanges(user.client, 0, 3);
    expect(pages.map((p) => [p.changes.length, p.cursor, p.more])).toEqual([[3, 4, true], [3, 7, true], [1, 8, false]]);
    expect(changes.map((c) => c.seq)).toEqual([1, 2, 4, 5, 6, 7, 8]);
    expect(changes.map((c) => c.id)).toEqual([...ids.slice(0, 2), ...ids.slice(3), ids[2]]);
    expect(changes.at(-1)).toMatchObject({ id: ids[2], version: 2 });
    expect(pages.every((p) => p.total === 7 && p.reset === false)).toBe(true);

    const nothingNew = await user.client.get(`/api/records/changes?after=${cursor}`);
    expect(nothingNew.body).toEqual({ changes: [], cursor, more: false, reset: false, total: 7 });
  });

  it('answers an account with no records with an empty first page', async () => {
    const user = await newUser();
    expect((await user.client.get('/api/records/changes')).body).toEqual({ changes: [], cursor: 0, more: false, reset: false, total: 0 });
  });

  it('carries a deletion on one device to another that pulls after its cursor', async () => {
    const user = await newUser();
    const device = await registerDevice(user);
    const { client: phone } = await deviceSignIn(server, device.deviceId, device.privateKey);
    const id = newRecordId();
    await putRecord(user.client, id, 0);
    const { cursor } = await pullChanges(phone);
    await putRecord(user.client, id, 1, tombstoneWrite());
    const { changes, last } = await pullChanges(phone, cursor);
    expect(changes).toEqual([expect.objectContaining({ id, version: 2, deleted: true, ciphertext: null, wrappedDek: null })]);
    expect(last.total).toBe(0);
  });

  it('tells a device whose cursor is older than a purged tombstone to start again from 0', async () => {
    const user = await newUser();
    const [gone, kept] = [newRecordId(), newRecordId()];
    await putRecord(user.client, gone, 0); // seq 1
    const { cursor: behind } = await pullChanges(user.client); // 1
    await putRecord(user.client, gone, 1, tombstoneWrite()); // seq 2
    await daysLater(user, 91);
    await putRecord(user.client, kept, 0); // seq 3
    const upToDate = (await pullChanges(user.client)).cursor; // 3

    expect((await purgeOlderThan(90)).tombstones).toBeGreaterThanOrEqual(1); // other tests' accounts share the server
    expect((await storedRecords(server, user.userId)).counters[0]).toMatchObject({ seq: 3, live: 1, purged_seq: 2 });

    const reset = await user.client.get(`/api/records/changes?after=${behind}`);
    expect(reset.body).toEqual({ changes: [], cursor: 0, more: true, reset: true, total: 1 });
    const fromZero = await pullChanges(user.client, 0);
    expect(fromZero.changes.map((c) => c.id)).toEqual([kept]);
    expect(fromZero.last.reset).toBe(false);
    // A cursor at or past the purged tombstone saw the deletion: no reset.
    for (const after of [2, upToDate]) expect((await user.client.get(`/api/records/changes?after=${after}`)).body.reset).toBe(false);
  });

  it('keeps tombstones younger than the retention, and live records of any age', async () => {
    const user = await newUser();
    const [old, recent] = [newRecordId(), newRecordId()];
    await putRecord(user.client, old, 0);
    await putRecord(user.client, recent, 0);
    await daysLater(user, 30);
    await putRecord(user.client, recent, 1, tombstoneWrite());
    await daysLater(user, 89);
    await purgeOlderThan(90);
    expect((await storedRecords(server, user.userId)).records.map((r) => [r.id, r.deleted])).toEqual([[old, 0], [recent, 1]]);
    expect((await user.client.get('/api/records/changes?after=1')).body.reset).toBe(false);
  });

  it('resets a cursor ahead of every seq the account handed out (a database restored from a backup)', async () => {
    const user = await newUser();
    await putRecord(user.client, newRecordId(), 0);
    expect((await user.client.get('/api/records/changes?after=1')).body.reset).toBe(false);
    expect((await user.client.get('/api/records/changes?after=2')).body).toEqual({ changes: [], cursor: 0, more: true, reset: true, total: 1 });
  });

  it(`refuses a page size of 0 or over ${RECORD_CHANGES_PAGE_MAX}`, async () => {
    const user = await newUser();
    for (const limit of [0, RECORD_CHANGES_PAGE_MAX + 1]) {
      const reply = await user.client.get(`/api/records/changes?limit=${limit}`);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    }
  });

  it('reads a page along the (user_id, seq) index, not the whole vault', async () => {
    const plan = await inTransaction(server.store, async (tx) => {
      // PostgreSQL would rightly scan a table this small: forbid that to see which index it would take.
      if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(tx.db);
      const query = recordsAfterQuery(tx, { userId: 'some-user', appId: 'keyhold' }, 10, 501).compile();
      const explain = dialect === 'postgres' ? 'explain' : 'explain query plan';
      return JSON.stringify((await tx.db.executeQuery(CompiledQuery.raw(`${explain} ${query.sql}`, [...query.parameters]))).rows);
    });
    expect(plan).toContain('records_feed');
    expect(plan).not.toMatch(/sort|temp b-tree/i);
  });
});
