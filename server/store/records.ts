import { preparedQuery } from './prepared';
import type { RecordCountersTable, RecordsTable } from './schema';
import type { Store } from './store';

export type RecordRow = RecordsTable;
export type RecordCounters = Omit<RecordCountersTable, 'user_id' | 'app_id'>;

/**
 * Where records live: an account's records of one app (migration 011). Each space has its own ids,
 * seqs, counters and quota; nothing here reads across two.
 */
export interface RecordSpace {
  userId: string;
  appId: string;
}

/** The counters of a space no record was ever written to. */
export const NO_RECORD_COUNTERS: RecordCounters = { seq: 0, live: 0, purged_seq: 0 };

// Every push and pull of every device runs these: compiled once per database (prepared.ts).
const selectRecord = preparedQuery((db, a: { userId: string; appId: string; id: string }) =>
  db.selectFrom('records').selectAll().where('user_id', '=', a.userId).where('app_id', '=', a.appId).where('id', '=', a.id),
);
const selectCounters = preparedQuery((db, a: { userId: string; appId: string }) =>
  db.selectFrom('record_counters').select(['seq', 'live', 'purged_seq']).where('user_id', '=', a.userId).where('app_id', '=', a.appId),
);
const upsertCounters = preparedQuery((db, a: { userId: string; appId: string; seq: number; live: number; purgedSeq: number }) =>
  db
    .insertInto('record_counters')
    .values({ user_id: a.userId, app_id: a.appId, seq: a.seq, live: a.live, purged_seq: a.purgedSeq })
    .onConflict((oc) => oc.columns(['user_id', 'app_id']).doUpdateSet({ seq: a.seq, live: a.live, purged_seq: a.purgedSeq })),
);
const insertRecord = preparedQuery((db, r: RecordRow) =>
  db.insertInto('records').values({
    user_id: r.user_id, app_id: r.app_id, id: r.id, version: r.version, seq: r.seq, deleted: r.deleted, v: r.v, wrapped_dek: r.wrapped_dek, ciphertext: r.ciphertext, size: r.size, updated_at: r.updated_at,
  }),
);
const replaceRecord = preparedQuery((db, r: RecordRow & { previousVersion: number }) =>
  db
    .updateTable('records')
    .set({ version: r.version, seq: r.seq, deleted: r.deleted, v: r.v, wrapped_dek: r.wrapped_dek, ciphertext: r.ciphertext, size: r.size, updated_at: r.updated_at })
    .where('user_id', '=', r.user_id)
    .where('app_id', '=', r.app_id)
    .where('id', '=', r.id)
    .where('version', '=', r.previousVersion)
    .returning('seq'),
);
const selectRecordsAfter = preparedQuery((db, a: { userId: string; appId: string; afterSeq: number; limit: number }) => recordsAfter(db, a, a.afterSeq, a.limit));

export async function findRecord(store: Store, space: RecordSpace, id: string): Promise<RecordRow | undefined> {
  const [row] = await selectRecord(store, { userId: space.userId, appId: space.appId, id });
  return row;
}

export async function readRecordCounters(store: Store, space: RecordSpace): Promise<RecordCounters> {
  const [row] = await selectCounters(store, { userId: space.userId, appId: space.appId });
  return row ?? NO_RECORD_COUNTERS;
}

/** Inserts or replaces the space's counters. Call under the user's lock (domain/user-transaction.ts). */
export async function saveRecordCounters(tx: Store, space: RecordSpace, counters: RecordCounters): Promise<void> {
  await upsertCounters(tx, { userId: space.userId, appId: space.appId, seq: counters.seq, live: counters.live, purgedSeq: counters.purged_seq });
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
 * Up to `limit` rows of the space with seq after `afterSeq`, in seq order: one range scan of the
 * (user_id, app_id, seq) index, whatever the size of the vault.
 */
export async function listRecordsAfter(store: Store, space: RecordSpace, afterSeq: number, limit: number): Promise<RecordRow[]> {
  return selectRecordsAfter(store, { userId: space.userId, appId: space.appId, afterSeq, limit });
}

/** The change feed's query, on its own so a test can ask the database for its plan. */
export function recordsAfterQuery(store: Store, space: RecordSpace, afterSeq: number, limit: number) {
  return recordsAfter(store.db, space, afterSeq, limit);
}

function recordsAfter(db: Store['db'], space: RecordSpace, afterSeq: number, limit: number) {
  return db.selectFrom('records').selectAll().where('user_id', '=', space.userId).where('app_id', '=', space.appId).where('seq', '>', afterSeq).orderBy('seq').limit(limit);
}

/**
 * Up to `limit` of the account's records of every app after `after` (app id, then seq: the feed
 * index's order), for the account's export; `after` is the last row of the previous page.
 */
export async function listAccountRecordsAfter(store: Store, userId: string, after: { appId: string; seq: number } | undefined, limit: number): Promise<RecordRow[]> {
  let query = store.db.selectFrom('records').selectAll().where('user_id', '=', userId);
  if (after) query = query.where((eb) => eb.or([eb('app_id', '>', after.appId), eb.and([eb('app_id', '=', after.appId), eb('seq', '>', after.seq)])]));
  return query.orderBy('app_id').orderBy('seq').limit(limit).execute();
}

/** Spaces holding a tombstone last written before `cutoff` (uses the partial tombstone index). */
export async function listSpacesWithTombstonesBefore(store: Store, cutoff: number): Promise<RecordSpace[]> {
  const rows = await store.db.selectFrom('records').select(['user_id', 'app_id']).distinct().where('deleted', '=', 1).where('updated_at', '<', cutoff).orderBy('user_id').orderBy('app_id').execute();
  return rows.map((r) => ({ userId: r.user_id, appId: r.app_id }));
}

/**
 * Deletes the space's tombstones last written before `cutoff`; returns how many went and the
 * highest seq among them (0 if none). Call under the user's lock, then raise `purged_seq`.
 */
export async function deleteTombstonesBefore(tx: Store, space: RecordSpace, cutoff: number): Promise<{ count: number; maxSeq: number }> {
  const inSpace = tx.db.selectFrom('records').where('user_id', '=', space.userId).where('app_id', '=', space.appId).where('deleted', '=', 1).where('updated_at', '<', cutoff);
  const summary = await inSpace.select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.max('seq').as('max_seq')]).executeTakeFirstOrThrow();
  const count = Number(summary.count);
  if (count === 0) return { count: 0, maxSeq: 0 };
  await tx.db.deleteFrom('records').where('user_id', '=', space.userId).where('app_id', '=', space.appId).where('deleted', '=', 1).where('updated_at', '<', cutoff).execute();
  return { count, maxSeq: Number(summary.max_seq) };
}
