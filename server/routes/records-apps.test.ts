/**
 * Records per (account, app) (issue 17): Keyhold and Field notes of one account each have their
 * own records, ids, change feed, counters, quota and tombstone purge; neither can read or change
 * the other's through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, signInWithPasskey, type TestUser } from '../../test/helpers/accounts';
import { addNotesApp, ApiClient, DIALECTS, NOTES_ORIGIN, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { newRecordId, pullChanges, putRecord, sealedRecord, tombstoneWrite } from '../../test/helpers/records';
import { purgeTombstones } from '../domain/records';

const DAY_MS = 86_400_000;
const QUOTA = 3;

describe.each(DIALECTS)('records per app (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, { RECORDS_MAX_PER_USER: String(QUOTA), ...UNLIMITED_SIGNINS });
    await addNotesApp(server);
  });
  afterAll(() => server.close());

  /** One account signed in to both apps: `keyhold` and `notes` are its two browsers' sessions. */
  async function twoApps(): Promise<{ user: TestUser; keyhold: ApiClient; notes: ApiClient }> {
    const user = await createAccount(server, `spaces${++names}`);
    const notes = Object.assign(new ApiClient(server), { origin: NOTES_ORIGIN });
    expect((await signInWithPasskey(user, notes)).status).toBe(200);
    return { user, keyhold: user.client, notes };
  }

  it('keeps the same id in two apps as two records, each in its own feed with its own seqs', async () => {
    const { keyhold, notes } = await twoApps();
    const id = newRecordId();
    const mine = sealedRecord();
    const theirs = sealedRecord();
    expect((await putRecord(keyhold, id, 0, mine)).body).toMatchObject({ version: 1, seq: 1 });
    expect((await putRecord(keyhold, newRecordId(), 0)).body).toMatchObject({ version: 1, seq: 2 });
    // Field notes starts its own space: the id is free there, and its feed starts at seq 1.
    expect((await putRecord(notes, id, 0, theirs)).body).toMatchObject({ version: 1, seq: 1 });

    const inKeyhold = await pullChanges(keyhold);
    const inNotes = await pullChanges(notes);
    expect(inKeyhold.changes.map((c) => [c.id, c.ciphertext])).toEqual([[id, mine.ciphertext], [expect.any(String), expect.any(String)]]);
    expect(inNotes.changes.map((c) => [c.id, c.ciphertext])).toEqual([[id, theirs.ciphertext]]);
    expect([inKeyhold.last.total, inNotes.last.total]).toEqual([2, 1]);
  });

  it('never shows one app\'s records in the other\'s feed, nor lets its writes reach them', async () => {
    const { keyhold, notes } = await twoApps();
    const ids = [newRecordId(), newRecordId()];
    const kept = sealedRecord();
    await putRecord(keyhold, ids[0]!, 0, kept);
    await putRecord(keyhold, ids[1]!, 0);
    expect((await pullChanges(notes)).changes).toEqual([]);

    // Overwriting or deleting Keyhold's record from Field notes: to Field notes there is no such record.
    for (const body of [sealedRecord(), tombstoneWrite()]) {
      const reply = await putRecord(notes, ids[0]!, 1, body);
      expect(reply.status).toBe(409);
      expect(reply.body.error).toMatchObject({ code: 'stale_version', currentVersion: 0, current: null });
    }
    const after = await pullChanges(keyhold);
    expect(after.changes.find((c) => c.id === ids[0])).toMatchObject({ version: 1, deleted: false, ciphertext: kept.ciphertext });
  });

  it('counts the quota per app', async () => {
    const { keyhold, notes } = await twoApps();
    for (let i = 0; i < QUOTA; i++) expect((await putRecord(keyhold, newRecordId(), 0)).status).toBe(200);
    const over = await putRecord(keyhold, newRecordId(), 0);
    expect(over.status).toBe(403);
    expect(over.body.error.code).toBe('record_quota_exceeded');
    for (let i = 0; i < QUOTA; i++) expect((await putRecord(notes, newRecordId(), 0)).status).toBe(200);
  });

  it('purges an app\'s old tombstones without touching the other app\'s record of the same id, and resets only that app\'s old cursors', async () => {
    const { user, keyhold, notes } = await twoApps();
    const id = newRecordId();
    await putRecord(keyhold, id, 0);
    await putRecord(keyhold, id, 1, tombstoneWrite());
    const live = sealedRecord();
    await putRecord(notes, id, 0, live);
    await putRecord(notes, newRecordId(), 0);

    server.clock.now += 100 * DAY_MS;
    await purgeTombstones(server.store, server.clock.now - 90 * DAY_MS);
    // The sessions expired while the clock moved on: both apps sign in again.
    expect((await signInWithPasskey(user, keyhold)).status).toBe(200);
    expect((await signInWithPasskey(user, notes)).status).toBe(200);

    // Keyhold's cursor 1 is older than its purged tombstone (seq 2): start again. Field notes' cursor 1 is fine.
    expect((await keyhold.get('/api/records/changes?after=1')).body).toMatchObject({ reset: true, cursor: 0 });
    expect((await notes.get('/api/records/changes?after=1')).body).toMatchObject({ reset: false, cursor: 2 });
    expect((await pullChanges(keyhold)).changes).toEqual([]);
    expect((await pullChanges(notes)).changes.find((c) => c.id === id)).toMatchObject({ deleted: false, ciphertext: live.ciphertext });
  });

  it('exports every app\'s records, each naming its app', async () => {
    const { keyhold, notes } = await twoApps();
    const id = newRecordId();
    await putRecord(keyhold, id, 0);
    await putRecord(notes, id, 0);
    await putRecord(notes, newRecordId(), 0);
    const exported = await keyhold.get('/api/account/export');
    expect(exported.status).toBe(200);
    expect(exported.body.records.map((r: { app: string; seq: number }) => [r.app, r.seq])).toEqual([['fieldnotes', 1], ['fieldnotes', 2], ['keyhold', 1]]);
  });
});
