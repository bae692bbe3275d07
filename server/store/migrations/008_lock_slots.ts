import type { Kysely } from 'kysely';

/** How many lock slots there are; the lock code (store/locks.ts) maps a subject to one of them. */
export const LOCK_SLOTS = 1024;

/**
 * A fixed set of rows that stand in for an account row when a per-subject lock has no account to
 * lock (store/locks.ts): a decoy subject (an unknown username's recovery record or join
 * requests) or an erased account's audit chain. A subject maps to a slot by a digest, so the table
 * never grows, however many usernames are probed, and nothing in it tells one subject from another.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('lock_slots').addColumn('slot', 'integer', (c) => c.primaryKey()).execute();
  const rows = Array.from({ length: LOCK_SLOTS }, (_, slot) => ({ slot }));
  // Batches of 256: SQLite's default limit on bound parameters per statement is far above, but not unbounded.
  for (let i = 0; i < rows.length; i += 256) await db.insertInto('lock_slots' as never).values(rows.slice(i, i + 256) as never).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('lock_slots').execute();
}
