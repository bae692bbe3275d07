import { preparedQuery } from './prepared';
import type { RecordCountersTable, RecordsTable } from './schema';
import type { Store } from './store';

export type RecordRow = RecordsTable;
export type RecordCounters = Omit<RecordCountersTable, 'user_id'>;

/** The counters of an account that has never written a record. */
export const NO_RECORD_COUNTERS: RecordCounters = { seq: 0, live: 0, purged_seq: 0 };

// Every push and pull of every device runs these: compiled once per database (prepared.ts).
const selectRecord = preparedQuery((db, a: { userId: string; id: string }) => db.selectFrom('records').selectAll().where('user_id', '=', a.userId).where('id', '=', a.id));
const selectCounters = preparedQuery((db, a: { userId: string }) => db.selectFrom('record_counters').select(['seq', 'live', 'purged_seq']).where('user_id', '=', a.userId));
const upsertCounters = preparedQuery((db, a: { userId: string; seq: number; live: number; purgedSeq: number }) =>
  db
    .insertInto('record_counters')
    .values({ user_id: a.userId, seq: a.seq, live: a.live, purged_seq: a.purgedSeq })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ seq: a.seq, live: a.live, purged_seq: a.purgedSeq })),
);
const insertRecord = preparedQuery((db, r: RecordRow) =>
  db.insertInto('records').values({ user_id: r.user_id, id: r.id, version: r.version, seq: r.seq, deleted: r.deleted, v: r.v, wrapped_dek: r.wrapped_dek, ciphertext: r.ciphertext, size: r.size, updated_at: r.updated_at }),
);
const replaceRecord = preparedQuery((db, r: RecordRow & { previousVersion: number }) =>
  db
    .updateTable('records')
    .set({ version: r.version, seq: r.seq, deleted: r.deleted, v: r.v, wrapped_dek: r.wrapped_dek, ciphertext: r.ciphertext, size: r.size, updated_at: r.updated_at })
    .where('user_id', '=', r.user_id)
    .where('id', '=', r.id)
    .where('version', '=', r.previousVersion)
    .returning('seq'),
);
const selectRecordsAfter = preparedQuery((db, a: { userId: string; afterSeq: number; limit: number }) => recordsAfter(db, a.userId, a.afterSeq, a.limit));

export async function findRecord(store: Store, userId: string, id: string): Promise<RecordRow | undefined> {
  const [row] = await selectRecord(store, { userId, id });
  return row;
}

export async function readRecordCounters(store: Store, userId: string): Promise<RecordCounters> {
  const [row] = await selectCounters(store, { userId });
  return row ?? NO_RECORD_COUNTERS;
}

/** Inserts or replaces the account's counters. Call under the user's lock (domain/user-transaction.ts). */
export async function saveRecordCounters(tx: Store, userId: string, counters: RecordCounters): Promise<void> {
  await upsertCounters(tx, { userId, seq: counters.seq, live: counters.live, purgedSeq: counters.purged_seq });
}

/**
 * Stores a record's new state: inserts it, or replaces the row still at `previousVersion`.
 * Call under the user's lock after reading the stored row, so the version check cannot race;
 * the `version` condition is a second guard, and a miss throws rather than writing nothing silently.
 */
export async function saveRecord(tx: Store, row: RecordRow, previousVersion: number): Promise<void> {
  if (previousVersion === 0) {
    await insertRecord(tx, row);
    return;
  }
  const replaced = await replaceRecord(tx, { ...row, previousVersion });
  if (replaced.length !== 1) throw new Error('record changed under the user lock');
}

/**
 * Up to `limit` rows with seq after `afterSeq`, in seq order: one range scan of the
 * (user_id, seq) index, whatever the size of the vault.
 */
export async function listRecordsAfter(store: Store, userId: string, afterSeq: number, limit: number): Promise<RecordRow[]> {
  return selectRecordsAfter(store, { userId, afterSeq, limit });
}

/** The change feed's query, on its own so a test can ask the database for its plan. */
export function recordsAfterQuery(store: Store, userId: string, afterSeq: number, limit: number) {
  return recordsAfter(store.db, userId, afterSeq, limit);
}

function recordsAfter(db: Store['db'], userId: string, afterSeq: number, limit: number) {
  return db.selectFrom('records').selectAll().where('user_id', '=', userId).where('seq', '>', afterSeq).orderBy('seq').limit(limit);
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
