import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testPepper } from '../../test/helpers/harness';
import { databaseAtMigration, type DatabaseAtMigration } from '../../test/helpers/migrated-database';
import { migrateWithPepper, unloggedHead } from '../domain/account-log-head';
import type { Database } from './database';
import { findRecord, listRecordsAfter, readRecordCounters, saveRecord, saveRecordCounters } from './records';
import type { DevicesTable, KeyholdDatabase, RecordCountersTable, RecordsTable, SessionsTable } from './schema';
import type { Dialect } from './store';

/** The tables 011 changes, as they were before it. */
type Before011 = Omit<KeyholdDatabase, 'devices' | 'sessions' | 'records' | 'record_counters'> & {
  devices: Omit<DevicesTable, 'app_id'>;
  sessions: Omit<SessionsTable, 'app_id'>;
  records: Omit<RecordsTable, 'app_id'>;
  record_counters: Omit<RecordCountersTable, 'app_id'>;
};

/**
 * Migration 011 on a database Keyhold has been using (docs/operations.md "Upgrading"): every
 * device, session, record and feed counter it finds was Keyhold's and stays Keyhold's, unchanged;
 * afterwards another app of the same account has a space of its own.
 */
describe.each(DIALECTS)('migration 011_app_scoping on existing data (%s)', (dialect: Dialect) => {
  let scratch: DatabaseAtMigration<Before011> | undefined;
  afterEach(() => scratch?.close());

  const USER = 'user-0001';
  const record = (id: string, seq: number, deleted = 0) => ({
    user_id: USER, id, version: 1, seq, deleted, v: 1, wrapped_dek: deleted ? null : 'd2s', ciphertext: deleted ? null : `c-${id}`, size: deleted ? 0 : 8, updated_at: 5,
  });

  /** A database as a server before 011 left it: one account with a device, a session, two records and a tombstone. */
  async function databaseBefore011(): Promise<Database> {
    scratch = await databaseAtMigration<Before011>(dialect, '010_apps');
    const { db, pepper } = scratch;
    await db.insertInto('users').values({ id: USER, username: 'old-user', created_at: 1 }).execute();
    await db.insertInto('account_log_heads').values(unloggedHead(pepper, USER, 1)).execute();
    await db.insertInto('devices').values({ id: 'dev-1', user_id: USER, name: 'Phone', public_key_jwk: '{}', created_at: 1, last_seen_at: null, revoked_at: null }).execute();
    await db.insertInto('sessions').values({ id_hash: 'hash-1', user_id: USER, scope: 'device', device_id: 'dev-1', credential_id: null, created_at: 1, last_seen_at: 1, expires_at: 9e12 }).execute();
    await db.insertInto('records').values([record('rec-a', 1), record('rec-b', 2), record('rec-c', 3, 1)]).execute();
    await db.insertInto('record_counters').values({ user_id: USER, seq: 3, live: 2, purged_seq: 0 }).execute();
    return scratch.database;
  }

  it('makes every existing device, session, record and counter Keyhold\'s, with nothing else changed', async () => {
    const db = await databaseBefore011();
    await migrateWithPepper(db.db, testPepper());
    expect(await db.db.selectFrom('devices').select(['id', 'app_id', 'name']).execute()).toEqual([{ id: 'dev-1', app_id: 'keyhold', name: 'Phone' }]);
    expect(await db.db.selectFrom('sessions').select(['id_hash', 'app_id', 'device_id']).execute()).toEqual([{ id_hash: 'hash-1', app_id: 'keyhold', device_id: 'dev-1' }]);
    const keyhold = { userId: USER, appId: 'keyhold' };
    expect(await listRecordsAfter(db.store, keyhold, 0, 10)).toEqual([
      { ...record('rec-a', 1), app_id: 'keyhold' },
      { ...record('rec-b', 2), app_id: 'keyhold' },
      { ...record('rec-c', 3, 1), app_id: 'keyhold' },
    ]);
    expect(await readRecordCounters(db.store, keyhold)).toEqual({ seq: 3, live: 2, purged_seq: 0 });
  });

  it('gives another app of the account its own ids, seqs and counters next to Keyhold\'s', async () => {
    const db = await databaseBefore011();
    await migrateWithPepper(db.db, testPepper());
    const notes = { userId: USER, appId: 'fieldnotes' };
    // Same id and same seq as Keyhold's first record: the keys are (user, app, id) and (user, app, seq).
    await saveRecord(db.store, { ...record('rec-a', 1), app_id: 'fieldnotes', ciphertext: 'notes' }, 0);
    await saveRecordCounters(db.store, notes, { seq: 1, live: 1, purged_seq: 0 });
    expect(await findRecord(db.store, notes, 'rec-a')).toMatchObject({ app_id: 'fieldnotes', ciphertext: 'notes' });
    expect(await findRecord(db.store, { userId: USER, appId: 'keyhold' }, 'rec-a')).toMatchObject({ app_id: 'keyhold', ciphertext: 'c-rec-a' });
    expect(await readRecordCounters(db.store, notes)).toEqual({ seq: 1, live: 1, purged_seq: 0 });
    expect(await readRecordCounters(db.store, { userId: USER, appId: 'keyhold' })).toEqual({ seq: 3, live: 2, purged_seq: 0 });
    // Still one seq per change within a space.
    await expect(saveRecord(db.store, { ...record('rec-z', 1), app_id: 'fieldnotes' }, 0)).rejects.toThrow();
  });
});
