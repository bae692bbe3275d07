import { sql, type Kysely, type Migration } from 'kysely';
import { DEFAULT_APP_ID } from '../../../protocol/constants';
import type { Dialect } from '../store';

/**
 * Per-app scoping (docs/architecture.md "Apps, origins and CORS"): `app_id` on `devices`,
 * `sessions`, `records` and `record_counters`. A device key, a session and a record belong to the
 * app whose request made them; records are keyed by (user_id, app_id, id) and each (user, app)
 * has its own change feed, so the same record id in two apps is two records.
 *
 * Every row that exists when this runs was made by Keyhold itself: it becomes DEFAULT_APP_ID.
 * No foreign key to `apps`: a device or record outlives its app's registration (the devices list
 * then names the app by id alone).
 *
 * PostgreSQL alters the tables in place (the Migrator's transaction covers it) and drops the
 * column defaults, so a write that forgot its app fails instead of landing in Keyhold's. SQLite
 * cannot change a primary key in place: `records` and `record_counters` are rebuilt and copied in
 * one transaction; `devices` and `sessions` gain the column with its default, which SQLite cannot
 * drop without a rebuild (the code names the app in every insert all the same).
 */
export function appScopingMigration(deps: { dialect: Dialect }): Migration {
  return {
    up: (db) => (deps.dialect === 'sqlite' ? upSqlite(db) : upPostgres(db)),
    down: (db) => (deps.dialect === 'sqlite' ? downSqlite(db) : downPostgres(db)),
  };
}

const keyhold = sql.lit(DEFAULT_APP_ID);

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  for (const table of ['devices', 'sessions', 'records', 'record_counters']) {
    await sql`alter table ${sql.table(table)} add column app_id text not null default ${keyhold}`.execute(db);
    await sql`alter table ${sql.table(table)} alter column app_id drop default`.execute(db);
  }
  await sql`alter table records drop constraint records_pk`.execute(db);
  await sql`alter table records add constraint records_pk primary key (user_id, app_id, id)`.execute(db);
  await sql`drop index records_feed`.execute(db);
  await db.schema.createIndex('records_feed').on('records').columns(['user_id', 'app_id', 'seq']).unique().execute();
  await sql`alter table record_counters drop constraint record_counters_pkey`.execute(db);
  await sql`alter table record_counters add constraint record_counters_pkey primary key (user_id, app_id)`.execute(db);
}

async function downPostgres(db: Kysely<unknown>): Promise<void> {
  // Only a database with Keyhold's rows alone goes back: another app's would collide.
  await sql`delete from records where app_id <> ${keyhold}`.execute(db);
  await sql`delete from record_counters where app_id <> ${keyhold}`.execute(db);
  await sql`alter table record_counters drop constraint record_counters_pkey`.execute(db);
  await sql`alter table record_counters add constraint record_counters_pkey primary key (user_id)`.execute(db);
  await sql`drop index records_feed`.execute(db);
  await db.schema.createIndex('records_feed').on('records').columns(['user_id', 'seq']).unique().execute();
  await sql`alter table records drop constraint records_pk`.execute(db);
  await sql`alter table records add constraint records_pk primary key (user_id, id)`.execute(db);
  for (const table of ['devices', 'sessions', 'records', 'record_counters']) await sql`alter table ${sql.table(table)} drop column app_id`.execute(db);
}

/** SQLite: Kysely runs its migrations without a transaction, so this takes one itself (a crash half-way leaves 010's tables). */
async function inSqliteTransaction(db: Kysely<unknown>, work: () => Promise<void>): Promise<void> {
  await sql`begin immediate`.execute(db);
  try {
    await work();
    await sql`commit`.execute(db);
  } catch (error) {
    await sql`rollback`.execute(db).catch(() => undefined);
    throw error;
  }
}

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  await inSqliteTransaction(db, async () => {
    await db.schema.alterTable('devices').addColumn('app_id', 'text', (c) => c.notNull().defaultTo(DEFAULT_APP_ID)).execute();
    await db.schema.alterTable('sessions').addColumn('app_id', 'text', (c) => c.notNull().defaultTo(DEFAULT_APP_ID)).execute();
    await createRecordTables(db, 'records_011', 'record_counters_011', ['user_id', 'app_id']);
    await sql`insert into records_011 (user_id, app_id, id, version, seq, deleted, v, wrapped_dek, ciphertext, size, updated_at)
      select user_id, ${keyhold}, id, version, seq, deleted, v, wrapped_dek, ciphertext, size, updated_at from records`.execute(db);
    await sql`insert into record_counters_011 (user_id, app_id, seq, live, purged_seq) select user_id, ${keyhold}, seq, live, purged_seq from record_counters`.execute(db);
    await swapRecordTables(db, 'records_011', 'record_counters_011', ['user_id', 'app_id']);
  });
}

async function downSqlite(db: Kysely<unknown>): Promise<void> {
  await inSqliteTransaction(db, async () => {
    await createRecordTables(db, 'records_010', 'record_counters_010', ['user_id']);
    await sql`insert into records_010 (user_id, id, version, seq, deleted, v, wrapped_dek, ciphertext, size, updated_at)
      select user_id, id, version, seq, deleted, v, wrapped_dek, ciphertext, size, updated_at from records where app_id = ${keyhold}`.execute(db);
    await sql`insert into record_counters_010 (user_id, seq, live, purged_seq) select user_id, seq, live, purged_seq from record_counters where app_id = ${keyhold}`.execute(db);
    await swapRecordTables(db, 'records_010', 'record_counters_010', ['user_id']);
    await db.schema.alterTable('sessions').dropColumn('app_id').execute();
    await db.schema.alterTable('devices').dropColumn('app_id').execute();
  });
}

/** The records tables as migration 003 made them, keyed by `namespace` (the user, or the user and the app). */
async function createRecordTables(db: Kysely<unknown>, records: string, counters: string, namespace: string[]): Promise<void> {
  const scoped = namespace.includes('app_id');
  let table = db.schema
    .createTable(records)
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'));
  if (scoped) table = table.addColumn('app_id', 'text', (c) => c.notNull());
  await table
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('v', 'integer', (c) => c.notNull())
    .addColumn('wrapped_dek', 'text')
    .addColumn('ciphertext', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('records_pk', [...namespace, 'id'] as never)
    .execute();
  let countersTable = db.schema
    .createTable(counters)
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'));
  if (scoped) countersTable = countersTable.addColumn('app_id', 'text', (c) => c.notNull());
  await countersTable
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('live', 'integer', (c) => c.notNull())
    .addColumn('purged_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('record_counters_pk', namespace as never)
    .execute();
}

/** Replaces the records tables by the rebuilt ones and makes their indexes again (as 003 named them). */
async function swapRecordTables(db: Kysely<unknown>, records: string, counters: string, namespace: string[]): Promise<void> {
  await db.schema.dropTable('records').execute();
  await db.schema.dropTable('record_counters').execute();
  await db.schema.alterTable(records).renameTo('records').execute();
  await db.schema.alterTable(counters).renameTo('record_counters').execute();
  // Unique: one seq per change of a (user, app) feed, which pages along this index.
  await db.schema.createIndex('records_feed').on('records').columns([...namespace, 'seq']).unique().execute();
  // Partial: the purge finds old tombstones without reading a single live record.
  await db.schema.createIndex('records_tombstones').on('records').column('updated_at').where(sql.ref('deleted'), '=', 1).execute();
}
