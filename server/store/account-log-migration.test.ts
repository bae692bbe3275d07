import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { DIALECTS } from '../../test/helpers/harness';
import { createTestDatabase } from '../../test/helpers/postgres';
import { migrateWithPepper, readLogHead } from '../domain/account-log-head';
import { createPepper } from '../domain/pepper';
import { migrateToLatest, openDatabase, type Database } from './database';
import { migrationProvider } from './migrations/index';
import type { Dialect } from './store';

/**
 * Migration 007 on a database that already has accounts (docs/architecture.md "Signed account
 * log"): every account must leave it with a sealed `unlogged` head, since a missing head is
 * tampering. Only a process holding the pepper can seal, so only such a process may apply it.
 */
const PEPPER = createPepper(new Uint8Array(32).fill(9));

describe.each(DIALECTS)('migration 007_account_log on existing accounts (%s)', (dialect: Dialect) => {
  let database: Database | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A database as a server before 007 left it, with `n` accounts. */
  async function databaseBefore007(n: number): Promise<Database> {
    dir = mkdtempSync(join(tmpdir(), 'kh-migrate-'));
    database = dialect === 'postgres' ? openDatabase({ postgresUrl: await createTestDatabase(inject('pgUrl')), poolSize: 2 }) : openDatabase({ sqliteFile: join(dir, 'keyhold.sqlite') });
    const { error } = await new Migrator({ db: database.db, provider: migrationProvider({ dialect }) }).migrateTo('006_device_approvals');
    if (error) throw error;
    const users = Array.from({ length: n }, (_, i) => ({ id: `user-${String(i).padStart(4, '0')}`, username: `user${i}`, created_at: 1 }));
    for (let i = 0; i < users.length; i += 200) await database.db.insertInto('users').values(users.slice(i, i + 200)).execute();
    return database;
  }

  const applied = async (db: Database) => (await db.db.selectFrom('kysely_migration' as never).select('name' as never).execute()).map((r) => (r as { name: string }).name);

  it('seals an unlogged head for every account in the run that applies it (more accounts than one batch)', async () => {
    const db = await databaseBefore007(1_201);
    await migrateWithPepper(db.db, PEPPER);
    expect(await applied(db)).toContain('007_account_log');
    const heads = await db.db.selectFrom('account_log_heads').select(['user_id', 'status', 'seq']).orderBy('user_id').execute();
    expect(heads).toHaveLength(1_201);
    expect(new Set(heads.map((h) => `${h.status}/${h.seq}`))).toEqual(new Set(['unlogged/0']));
    for (const userId of ['user-0000', 'user-0600', 'user-1200']) {
      expect(await readLogHead(db.store, PEPPER, userId)).toMatchObject({ status: 'unlogged', state: { seq: 0 } });
    }
    // Under another pepper none of them verifies: they are sealed, not merely present.
    expect(await readLogHead(db.store, createPepper(new Uint8Array(32).fill(1)), 'user-0000')).toEqual({ problem: 'mac' });
  });

  it('is not applied, and changes nothing, by a process without the pepper', async () => {
    const db = await databaseBefore007(3);
    await expect(migrateToLatest(db.db)).rejects.toThrow(/migration 007_account_log failed/);
    expect(await applied(db)).not.toContain('007_account_log');
    // The tables it would have made are not there; the server, with its pepper, applies it later.
    await expect(db.db.selectFrom('account_log_heads').selectAll().execute()).rejects.toThrow();
    await migrateWithPepper(db.db, PEPPER);
    expect(await db.db.selectFrom('account_log_heads').selectAll().execute()).toHaveLength(3);
  });

  it('needs no pepper on a database without accounts', async () => {
    const db = await databaseBefore007(0);
    await migrateToLatest(db.db);
    expect(await applied(db)).toContain('007_account_log');
  });
});
