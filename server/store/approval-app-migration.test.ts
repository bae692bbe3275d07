import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testPepper } from '../../test/helpers/harness';
import { databaseAtMigration, type DatabaseAtMigration } from '../../test/helpers/migrated-database';
import { migrateWithPepper, unloggedHead } from '../domain/account-log-head';
import type { Database } from './database';
import { listPendingApprovals } from './device-approvals';
import type { DeviceApprovalsTable, KeyholdDatabase } from './schema';
import type { Dialect } from './store';

/** `device_approvals` as it was before 012. */
type Before012 = Omit<KeyholdDatabase, 'device_approvals'> & { device_approvals: Omit<DeviceApprovalsTable, 'app_id'> };

/**
 * Migration 012 on a database Keyhold has been using: every request to join it finds was asked
 * from Keyhold and stays Keyhold's, with nothing else changed.
 */
describe.each(DIALECTS)('migration 012_approval_app on existing data (%s)', (dialect: Dialect) => {
  let scratch: DatabaseAtMigration<Before012> | undefined;
  afterEach(() => scratch?.close());

  const USER = 'user-0001';
  const request: Omit<DeviceApprovalsTable, 'app_id'> = {
    id: 'req-1', user_id: USER, subject: USER, public_key: 'BAAA', device_name: 'New phone', secret_hash: 'hash', created_at: 10, expires_at: 9e12,
    state: 'pending', sealed: null, approver_public_key: null, approver_device_id: null, device_key: '{"kty":"EC","crv":"P-256","x":"x","y":"y"}',
  };

  /** A database as a server before 012 left it: one account with a waiting request to join. */
  async function databaseBefore012(): Promise<Database> {
    scratch = await databaseAtMigration<Before012>(dialect, '011_app_scoping');
    const { db, pepper } = scratch;
    await db.insertInto('users').values({ id: USER, username: 'old-user', created_at: 1 }).execute();
    await db.insertInto('account_log_heads').values(unloggedHead(pepper, USER, 1)).execute();
    await db.insertInto('device_approvals').values(request).execute();
    return scratch.database;
  }

  it('makes every existing request to join Keyhold\'s, with nothing else changed', async () => {
    const db = await databaseBefore012();
    await migrateWithPepper(db.db, testPepper());
    expect(await listPendingApprovals(db.store, USER, 20)).toEqual([{ ...request, app_id: 'keyhold' }]);
  });

  it.skipIf(dialect === 'sqlite')('refuses, on PostgreSQL, a new request that names no app (it never lands in Keyhold\'s by default)', async () => {
    const db = await databaseBefore012();
    await migrateWithPepper(db.db, testPepper());
    const old = db.db as unknown as Kysely<Before012>;
    await expect(old.insertInto('device_approvals').values({ ...request, id: 'req-2' }).execute()).rejects.toThrow(/app_id/);
    expect((await listPendingApprovals(db.store, USER, 20)).map((r) => r.id)).toEqual(['req-1']);
  });
});
