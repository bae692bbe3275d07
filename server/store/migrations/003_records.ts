import { sql, type Kysely } from 'kysely';

/**
 * Encrypted record sync: the records themselves and each account's feed counters.
 *
 * `records` holds only the latest state of each record (a tombstone once deleted), so the change
 * feed is "rows with seq > cursor, by seq" on the (user_id, seq) index: its cost follows the page
 * size, not the vault's. Tombstones are kept for TOMBSTONE_RETENTION_DAYS (`npm run purge`), and
 * `record_counters.purged_seq` remembers the newest purged one so an older cursor is told to
 * start again. Both tables go with the account (foreign keys, and store/accounts.ts `deleteUserRows`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('records')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('v', 'integer', (c) => c.notNull())
    .addColumn('wrapped_dek', 'text')
    .addColumn('ciphertext', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('records_pk', ['user_id', 'id'])
    .execute();
  // Unique: one seq per change; the feed pages along this index.
  await db.schema.createIndex('records_feed').on('records').columns(['user_id', 'seq']).unique().execute();
  // Partial: the purge finds old tombstones without reading a single live record.
  await db.schema.createIndex('records_tombstones').on('records').column('updated_at').where(sql.ref('deleted'), '=', 1).execute();

  await db.schema
    .createTable('record_counters')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('live', 'integer', (c) => c.notNull())
    .addColumn('purged_seq', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('record_counters').execute();
  await db.schema.dropTable('records').execute();
}
