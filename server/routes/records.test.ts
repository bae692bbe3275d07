import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_CIPHERTEXT_MAX_CHARS } from '../../protocol/constants';
import { createAccount, deviceSignIn, readAuditLog, registerDevice, type TestUser } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { newRecordId, pullChanges, putRecord, sealedRecord, storedRecords, tombstoneWrite } from '../../test/helpers/records';
import { pinInput, recoverPin, registerPinRecovery } from '../../test/helpers/recovery';

describe.each(DIALECTS)('records (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  const newUser = (): Promise<TestUser> => createAccount(server, `records-user-${++n}`);

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  describe('compare-and-set writes', () => {
    it('creates at version 1, replaces and deletes, each write taking the account\'s next seq', async () => {
      const user = await newUser();
      const id = newRecordId();
      const first = sealedRecord();
      expect(await putRecord(user.client, id, 0, first)).toMatchObject({ status: 200, body: { version: 1, seq: 1, updatedAt: server.clock.now } });
      server.clock.now += 1000;
      const second = sealedRecord();
      expect((await putRecord(user.client, id, 1, second)).body).toEqual({ version: 2, seq: 2, updatedAt: server.clock.now });
      expect((await putRecord(user.client, newRecordId(), 0)).body).toMatchObject({ version: 1, seq: 3 });
      expect((await putRecord(user.client, id, 2, tombstoneWrite())).body).toMatchObject({ version: 3, seq: 4 });

      const { changes, last } = await pullChanges(user.client);
      expect(changes.map((c) => c.seq)).toEqual([3, 4]);
      expect(changes[1]).toEqual({ id, version: 3, seq: 4, deleted: true, v: 1, wrappedDek: null, ciphertext: null, updatedAt: server.clock.now });
      expect(last).toMatchObject({ total: 1, cursor: 4, more: false, reset: false });
      const { records, counters } = await storedRecords(server, user.userId);
      expect(records.find((r) => r.id === id)).toMatchObject({ deleted: 1, size: 0, ciphertext: null, wrapped_dek: null });
      expect(counters).toEqual([{ user_id: user.userId, app_id: 'keyhold', seq: 4, live: 1, purged_seq: 0 }]);
    });

    it('refuses a stale write with the stored record in error.current and stores nothing', async () => {
      const user = await newUser();
      const id = newRecordId();
      await putRecord(user.client, id, 0);
      const kept = sealedRecord();
      await putRecord(user.client, id, 1, kept);
      const before = await storedRecords(server, user.userId);
      for (const body of [sealedRecord(), tombstoneWrite()]) {
        const stale = await putRecord(user.client, id, 1, body);
        expect(stale.status).toBe(409);
        expect(stale.body.error).toEqual({
          code: 'stale_version',
          message: expect.any(String),
          currentVersion: 2,
          current: { id, version: 2, seq: 2, deleted: false, v: 1, wrappedDek: kept.wrappedDek, ciphertext: kept.ciphertext, updatedAt: server.clock.now },
        });
      }
      expect(await storedRecords(server, user.userId)).toEqual(before);
    });

    it('refuses a second create (expectedVersion 0) of an id already stored', async () => {
      const user = await newUser();
      const id = newRecordId();
      await putRecord(user.client, id, 0);
      const again = await putRecord(user.client, id, 0);
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'stale_version', currentVersion: 1, current: { id, version: 1 } });
    });

    it('refuses an update of a record that does not exist, with current null', async () => {
      const user = await newUser();
      for (const body of [sealedRecord(), tombstoneWrite()]) {
        const reply = await putRecord(user.client, newRecordId(), 4, body);
        expect(reply.status).toBe(409);
        expect(reply.body.error).toMatchObject({ code: 'stale_version', currentVersion: 0, current: null });
      }
      expect(await storedRecords(server, user.userId)).toEqual({ records: [], counters: [] });
    });

    it('stores a tombstone at version 1 for the deletion of a record it never had (created and deleted offline)', async () => {
      const user = await newUser();
      const id = newRecordId();
      expect((await putRecord(user.client, id, 0, tombstoneWrite())).body).toMatchObject({ version: 1, seq: 1 });
      const { changes, last } = await pullChanges(user.client);
      expect(changes).toEqual([expect.objectContaining({ id, version: 1, deleted: true })]);
      expect(last.total).toBe(0);
    });

    it('revives a tombstone with a write at its version', async () => {
      const user = await newUser();
      const id = newRecordId();
      await putRecord(user.client, id, 0);
      await putRecord(user.client, id, 1, tombstoneWrite());
      const revived = sealedRecord();
      expect((await putRecord(user.client, id, 2, revived)).body).toMatchObject({ version: 3, seq: 3 });
      const { changes, last } = await pullChanges(user.client);
      expect(changes).toEqual([expect.objectContaining({ id, version: 3, deleted: false, ciphertext: revived.ciphertext })]);
      expect(last.total).toBe(1);
    });

    it('writes no audit entry per record', async () => {
      const user = await newUser();
      const before = await readAuditLog(user.client);
      const id = newRecordId();
      await putRecord(user.client, id, 0);
      await putRecord(user.client, id, 1, tombstoneWrite());
      expect(await readAuditLog(user.client)).toEqual(before);
    });
  });

  describe('request checks', () => {
    it.each([
      ['a deletion carrying a ciphertext', { ...tombstoneWrite(), ciphertext: 'AAAA' }],
      ['a deletion carrying a wrapped DEK', { ...tombstoneWrite(), wrappedDek: 'AAAA' }],
      ['a live record without a ciphertext', { ...sealedRecord(), ciphertext: null }],
      ['a live record without a wrapped DEK', { ...sealedRecord(), wrappedDek: null }],
      ['an empty ciphertext', { ...sealedRecord(), ciphertext: '' }],
      ['a ciphertext in standard base64', { ...sealedRecord(), ciphertext: 'ab+/cd==' }],
      ['format version 0', { ...sealedRecord(), v: 0 }],
    ])('refuses %s with invalid_request and stores nothing', async (_, body) => {
      const user = await newUser();
      const reply = await user.client.put(`/api/records/${newRecordId()}`, { expectedVersion: 0, ...body });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
      expect(await storedRecords(server, user.userId)).toEqual({ records: [], counters: [] });
    });

    it.each(['a+b', 'A'.repeat(129), '%F0'])('refuses the record id %j', async (id) => {
      const user = await newUser();
      const reply = await user.client.put(`/api/records/${encodeURIComponent(id)}`, { expectedVersion: 0, ...sealedRecord() });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    });

    it.each(['-1', '1.5', 'x'])('refuses the cursor %j', async (after) => {
      const user = await newUser();
      const reply = await user.client.get(`/api/records/changes?after=${after}`);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    });

    it('refuses a write from another origin with bad_origin and stores nothing', async () => {
      const user = await newUser();
      const foreign = new ApiClient(server);
      foreign.cookie = user.client.cookie;
      foreign.origin = 'http://evil.example';
      const reply = await putRecord(foreign, newRecordId(), 0);
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe('bad_origin');
      expect(await storedRecords(server, user.userId)).toEqual({ records: [], counters: [] });
    });
  });

  describe('limits', () => {
    it(`accepts a ciphertext of exactly ${RECORD_CIPHERTEXT_MAX_CHARS} characters`, async () => {
      const user = await newUser();
      const reply = await putRecord(user.client, newRecordId(), 0, { ...sealedRecord(), ciphertext: 'A'.repeat(RECORD_CIPHERTEXT_MAX_CHARS) });
      expect(reply.status).toBe(200);
      expect((await storedRecords(server, user.userId)).records[0]!.size).toBe(RECORD_CIPHERTEXT_MAX_CHARS + 80);
    });

    // 61 441 characters is no base64url length (4n + 1): 61 442 is the shortest ciphertext over the limit.
    it('refuses a ciphertext over the limit with record_too_large and stores nothing', async () => {
      const user = await newUser();
      const id = newRecordId();
      await putRecord(user.client, id, 0);
      const before = await storedRecords(server, user.userId);
      const reply = await putRecord(user.client, id, 1, { ...sealedRecord(), ciphertext: 'A'.repeat(RECORD_CIPHERTEXT_MAX_CHARS + 2) });
      expect(reply.status).toBe(413);
      expect(reply.body.error.code).toBe('record_too_large');
      expect(await storedRecords(server, user.userId)).toEqual(before);
    });
  });

  describe('who may read and write', () => {
    it('lets a device session write and read the account\'s records', async () => {
      const user = await newUser();
      const device = await registerDevice(user);
      const { client } = await deviceSignIn(server, device.deviceId, device.privateKey);
      const id = newRecordId();
      expect((await putRecord(client, id, 0)).status).toBe(200);
      expect((await pullChanges(user.client)).changes.map((c) => c.id)).toEqual([id]);
    });

    it('lets a recovery session download the vault but not write to it', async () => {
      const user = await newUser();
      const id = newRecordId();
      await putRecord(user.client, id, 0);
      await registerPinRecovery(user.client, pinInput('records-recovery'));
      const newDevice = new ApiClient(server);
      expect((await recoverPin(newDevice, user.username, pinInput('records-recovery'))).finish?.status).toBe(200);
      expect((await pullChanges(newDevice)).changes.map((c) => c.id)).toEqual([id]);
      const write = await putRecord(newDevice, newRecordId(), 0);
      expect(write.status).toBe(403);
      expect(write.body.error.code).toBe('forbidden_scope');
    });

    it('refuses a client without a session', async () => {
      const anonymous = new ApiClient(server);
      for (const reply of [await anonymous.get('/api/records/changes'), await putRecord(anonymous, newRecordId(), 0)]) {
        expect(reply.status).toBe(401);
        expect(reply.body.error.code).toBe('unauthenticated');
      }
    });

    it('keeps ids per account: another account neither sees nor overwrites a record of the same id', async () => {
      const owner = await newUser();
      const other = await newUser();
      const id = newRecordId();
      const mine = sealedRecord();
      await putRecord(owner.client, id, 0, mine);
      const seen = await other.client.get('/api/records/changes');
      expect(seen.body).toEqual({ changes: [], cursor: 0, more: false, reset: false, total: 0 });
      expect(JSON.stringify(seen.body)).not.toContain(mine.ciphertext);
      // Version 1 is the owner's: for the other account the id names nothing yet.
      const overwrite = await putRecord(other.client, id, 1);
      expect(overwrite.body.error).toMatchObject({ code: 'stale_version', currentVersion: 0, current: null });
      expect((await putRecord(other.client, id, 0, tombstoneWrite())).body).toMatchObject({ version: 1, seq: 1 });
      expect((await pullChanges(owner.client)).changes).toEqual([expect.objectContaining({ id, version: 1, deleted: false, ciphertext: mine.ciphertext })]);
    });
  });

  describe('export and erasure', () => {
    it('exports every record envelope, tombstones included, in feed order, each naming its app', async () => {
      const user = await newUser();
      const [a, b] = [newRecordId(), newRecordId()];
      await putRecord(user.client, a, 0);
      await putRecord(user.client, b, 0);
      await putRecord(user.client, a, 1, tombstoneWrite());
      const reply = await user.client.get('/api/account/export');
      expect(reply.status).toBe(200);
      expect(reply.body.records).toEqual((await pullChanges(user.client)).changes.map((c) => ({ app: 'keyhold', ...c })));
      expect(reply.body.records.map((r: { id: string; deleted: boolean }) => [r.id, r.deleted])).toEqual([[b, false], [a, true]]);
    });

    it('erases the account\'s records and counters with the account, and no one else\'s', async () => {
      const user = await newUser();
      const other = await newUser();
      await putRecord(user.client, newRecordId(), 0);
      await putRecord(other.client, newRecordId(), 0);
      const othersBefore = await storedRecords(server, other.userId);
      expect((await user.client.delete('/api/account')).status).toBe(200);
      expect(await storedRecords(server, user.userId)).toEqual({ records: [], counters: [] });
      expect(await storedRecords(server, other.userId)).toEqual(othersBefore);
    });
  });
});

describe.each(DIALECTS)('record quota (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect, { RECORDS_MAX_PER_USER: '3', RECORD_MAX_CHARS: '100' });
  });
  afterAll(() => server.close());

  it('refuses a live record beyond RECORDS_MAX_PER_USER with record_quota_exceeded, still letting records change', async () => {
    const user = await createAccount(server, 'quota-user');
    const ids = [newRecordId(), newRecordId(), newRecordId()];
    const small = () => sealedRecord(48);
    for (const id of ids) expect((await putRecord(user.client, id, 0, small())).status).toBe(200);
    const tombstoned = newRecordId();
    expect((await putRecord(user.client, tombstoned, 0, tombstoneWrite())).status).toBe(200);
    const before = await storedRecords(server, user.userId);

    const over = await putRecord(user.client, newRecordId(), 0, small());
    expect(over.status).toBe(403);
    expect(over.body.error.code).toBe('record_quota_exceeded');
    const revive = await putRecord(user.client, tombstoned, 1, small());
    expect(revive.body.error.code).toBe('record_quota_exceeded');
    expect(await storedRecords(server, user.userId)).toEqual(before);

    expect((await putRecord(user.client, ids[0]!, 1, small())).status).toBe(200);
    expect((await putRecord(user.client, ids[1]!, 1, tombstoneWrite())).status).toBe(200);
    expect((await putRecord(user.client, tombstoned, 1, small())).status).toBe(200);
    expect((await pullChanges(user.client)).last.total).toBe(3);
  });

  it('applies RECORD_MAX_CHARS', async () => {
    const user = await createAccount(server, 'size-user');
    expect((await putRecord(user.client, newRecordId(), 0, { ...sealedRecord(), ciphertext: 'A'.repeat(100) })).status).toBe(200);
    const reply = await putRecord(user.client, newRecordId(), 0, { ...sealedRecord(), ciphertext: 'A'.repeat(102) });
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe('record_too_large');
  });
});
