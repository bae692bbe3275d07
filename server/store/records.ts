import type { RecordCountersTable, RecordsTable } from './schema';
import type { Store } from './store';

export type RecordRow = RecordsTable;
export type RecordCounters = Omit<RecordCountersTable, 'user_id'>;

/** The counters of an account that has never written a record. */
export const NO_RECORD_COUNTERS: RecordCounters = { seq: 0, live: 0, purged_seq: 0 };

export async function findRecord(store: Store, userId: string, id: string): Promise<RecordRow | undefined> {
  return store.db.selectFrom('records').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
}

export async function readRecordCounters(store: Store, userId: string): Promise<RecordCounters> {
  const row = await store.db.selectFrom('record_counters').select(['seq', 'live', 'purged_seq']).where('user_id', '=', userId).executeTakeFirst();
  return row ?? NO_RECORD_COUNTERS;
}

/** Inserts or replaces the account's counters. Call under the user's lock (domain/user-transaction.ts). */
export async function saveRecordCounters(tx: Store, userId: string, counters: RecordCounters): Promise<void> {
  await tx.db
    .insertInto('record_counters')
    .values({ user_id: userId, ...counters })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ seq: counters.seq, live: counters.live, purged_seq: counters.purged_seq }))
    .execute();
}

/**
 * Stores a record's new state: inserts it, or replaces the row still at `previousVersion`.
 * Call under the user's lock after reading the stored row, so the version check cannot race;
 * the `version` condition is a second guard, and a miss throws rather than writing nothing silently.
 */
export async function saveRecord(tx: Store, row: RecordRow, previousVersion: number): Promise<void> {
  if (previousVersion === 0) {
    await tx.db.insertInto('records').values(row).execute();
    return;
  }
  const { user_id, id, ...changes } = row;
  const result = await tx.db
    .updateTable('records')
    .set(changes)
    .where('user_id', '=', user_id)
    .where('id', '=', id)
    .where('version', '=', previousVersion)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) throw new Error('record changed under the user lock');
}

/**
 * Up to `limit` rows with seq after `afterSeq`, in seq order: one range scan of the
 * (user_id, seq) index, whatever the size of the vault.
 */
export async function listRecordsAfter(store: Store, userId: string, afterSeq: number, limit: number): Promise<RecordRow[]> {
  return recordsAfterQuery(store, userId, afterSeq, limit).execute();
}

/** The change feed's query, on its own so a test can ask the database for its plan. */
export function recordsAfterQuery(store: Store, userId: string, afterSeq: number, limit: number) {
  return store.db.selectFrom('records').selectAll().where('user_id', '=', userId).where('seq', '>', afterSeq).orderBy('seq').limit(limit);
}

/** Accounts holding a tombstone last written before `cutoff` (uses the partial tombstone index). */
export async function listAccountsWithTombstonesBefore(store: Store, cutoff: number): Promise<string[]> {
  const rows = await store.db.selectFrom('records').select('user_id').distinct().where('deleted', '=', 1).where('updated_at', '<', cutoff).orderBy('user_id').execute();
  return rows.map((r) => r.user_id);
}

/**
 * Deletes the account's tombstones last written before `cutoff`; returns how many went and the
 * highest seq among them (0 if none). Call under the user's lock, then raise `purged_seq`.
 */
export async function deleteTombstonesBefore(tx: Store, userId: string, cutoff: number): Promise<{ count: number; maxSeq: number }> {
  const doomed = tx.db.selectFrom('records').where('user_id', '=', userId).where('deleted', '=', 1).where('updated_at', '<', cutoff);
  const summary = await doomed.select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.max('seq').as('max_seq')]).executeTakeFirstOrThrow();
  const count = Number(summary.count);
  if (count === 0) return { count: 0, maxSeq: 0 };
  await tx.db.deleteFrom('records').where('user_id', '=', userId).where('deleted', '=', 1).where('updated_at', '<', cutoff).execute();
  return { count, maxSeq: Number(summary.max_seq) };
}
