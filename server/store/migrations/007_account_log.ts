import { sql, type Kysely, type Migration } from 'kysely';
import type { AccountLogHeadsTable, KeyholdDatabase } from '../schema';
import type { Dialect } from '../store';

/**
 * The signed account log (docs/architecture.md "Signed account log"):
 * - `account_log`: each account's entries as the client signed them, for clients to verify;
 * - `account_log_heads`: one row per account, the verified head (status, seq, hash, state) with a
 *   MAC under the pepper, which is what sign-in and recovery consult;
 * - `sessions.credential_id`: which passkey opened a passkey session, so a removal's fresh passkey
 *   can be held to the log too;
 * - `device_approvals.device_key`: the signing key a device asking to join will register.
 *
 * Every account must have a head: one without is tampering, never "unlogged". So this migration
 * seals an `unlogged` head for every account that exists when it runs, in the same transaction as
 * the tables, with the pepper the applying process holds (`sealUnloggedHead`). A process without
 * the pepper (audit:verify, purge) cannot apply it to a database that has accounts: it stops with
 * an error instead, and the server applies it at its next start.
 */
export interface AccountLogMigrationDeps {
  dialect: Dialect;
  /** Seals the head of an account that predates the log; absent in processes that hold no pepper. */
  sealUnloggedHead?: (userId: string, now: number) => AccountLogHeadsTable;
}

const SEAL_BATCH = 500;

async function createTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('account_log')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_log_pk', ['user_id', 'seq'])
    .execute();
  await db.schema
    .createTable('account_log_heads')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('mac', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('sessions').addColumn('credential_id', 'text').execute();
  await db.schema.alterTable('device_approvals').addColumn('device_key', 'text').execute();
}

/** Seals an `unlogged` head for every account, a page at a time (ids in order, so none is missed). */
async function sealExistingAccounts(db: Kysely<KeyholdDatabase>, deps: AccountLogMigrationDeps): Promise<void> {
  const now = Date.now();
  for (let after = ''; ; ) {
    const users = await db.selectFrom('users').select('id').where('id', '>', after).orderBy('id').limit(SEAL_BATCH).execute();
    if (users.length === 0) return;
    if (!deps.sealUnloggedHead) {
      throw new Error('007_account_log seals a log head for every existing account with the pepper: start the key server (or npm run pepper:rotate) once to apply it');
    }
    const seal = deps.sealUnloggedHead;
    await db.insertInto('account_log_heads').values(users.map((u) => seal(u.id, now))).execute();
    after = users[users.length - 1]!.id;
  }
}

export function accountLogMigration(deps: AccountLogMigrationDeps): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // PostgreSQL: the Migrator already runs this in a transaction. SQLite: Kysely runs its
      // migrations without one, so a crash half-way would leave tables without their heads.
      const sqlite = deps.dialect === 'sqlite';
      if (sqlite) await sql`begin immediate`.execute(db);
      try {
        await createTables(db);
        await sealExistingAccounts(db as Kysely<KeyholdDatabase>, deps);
        if (sqlite) await sql`commit`.execute(db);
      } catch (error) {
        if (sqlite) await sql`rollback`.execute(db).catch(() => undefined);
        throw error;
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('device_approvals').dropColumn('device_key').execute();
      await db.schema.alterTable('sessions').dropColumn('credential_id').execute();
      await db.schema.dropTable('account_log_heads').execute();
      await db.schema.dropTable('account_log').execute();
    },
  };
}
