import { everyColumn, preparedQuery } from './prepared';
import type { AccountLogHeadsTable, AccountLogTable } from './schema';
import type { Store } from './store';

/** The signed account log's rows (migrations/007_account_log.ts); the rules are server/domain/account-log*.ts. */
export type AccountLogRow = AccountLogTable;
export type AccountLogHeadRow = AccountLogHeadsTable;

const HEAD_COLUMNS = everyColumn<AccountLogHeadsTable>({ user_id: true, status: true, seq: true, hash: true, state: true, mac: true, updated_at: true });
// Every sign-in and recovery of an account reads its head and its last entry: compiled once (prepared.ts).
const selectHead = preparedQuery((db, a: { userId: string }) => db.selectFrom('account_log_heads').select(HEAD_COLUMNS).where('user_id', '=', a.userId));
const selectLastEntry = preparedQuery((db, a: { userId: string }) =>
  db.selectFrom('account_log').select(['seq', 'hash']).where('user_id', '=', a.userId).orderBy('seq', 'desc').limit(1),
);

export async function findLogHead(store: Store, userId: string): Promise<AccountLogHeadRow | undefined> {
  const [row] = await selectHead(store, { userId });
  return row;
}

/** The newest stored entry's seq and hash (undefined for an empty log): what the head must agree with. */
export async function findLastLogEntry(store: Store, userId: string): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await selectLastEntry(store, { userId });
  return row;
}

const selectHeadAndLastEntry = preparedQuery((db, a: { userId: string }) =>
  db
    .selectFrom('account_log_heads as h')
    .select(HEAD_COLUMNS.map((column) => `h.${column}` as const))
    .select((eb) => {
      const newest = eb.selectFrom('account_log as e').whereRef('e.user_id', '=', 'h.user_id').orderBy('e.seq', 'desc').limit(1);
      return [newest.select('e.seq').as('last_seq'), newest.select('e.hash').as('last_hash')];
    })
    .where('h.user_id', '=', a.userId),
);

/**
 * `findLogHead` and `findLastLogEntry` in one statement (a sign-in's check of the head reads
 * both): the head, or undefined, and the newest entry, or undefined for an empty log.
 */
export async function findLogHeadAndLastEntry(store: Store, userId: string): Promise<{ head: AccountLogHeadRow; last: { seq: number; hash: string } | undefined } | undefined> {
  const [row] = await selectHeadAndLastEntry(store, { userId });
  if (!row) return undefined;
  const { last_seq, last_hash, ...head } = row;
  return { head, last: last_seq === null || last_hash === null ? undefined : { seq: last_seq, hash: last_hash } };
}

export async function insertLogHead(store: Store, head: AccountLogHeadRow): Promise<void> {
  await store.db.insertInto('account_log_heads').values(head).execute();
}

/**
 * Moves the head from `fromMac` to `head` (compare-and-set on the MAC, which covers every field):
 * false when another writer moved it first. Callers hold the user's lock, so that is tampering or a
 * rotation racing them.
 */
export async function replaceLogHead(store: Store, fromMac: string, head: AccountLogHeadRow): Promise<boolean> {
  const { user_id, ...rest } = head;
  const result = await store.db.updateTable('account_log_heads').set(rest).where('user_id', '=', user_id).where('mac', '=', fromMac).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function insertLogEntries(store: Store, rows: readonly AccountLogRow[]): Promise<void> {
  if (rows.length > 0) await store.db.insertInto('account_log').values([...rows]).execute();
}

/** Entries with seq > `after`, ascending, at most `limit`. */
export async function listLogEntries(store: Store, userId: string, after: number, limit: number): Promise<AccountLogRow[]> {
  return store.db.selectFrom('account_log').selectAll().where('user_id', '=', userId).where('seq', '>', after).orderBy('seq').limit(limit).execute();
}

/** Heads in user-id order after `after`, for `npm run pepper:rotate`. */
export async function pageLogHeads(store: Store, after: string, limit: number): Promise<AccountLogHeadRow[]> {
  return store.db.selectFrom('account_log_heads').selectAll().where('user_id', '>', after).orderBy('user_id').limit(limit).execute();
}

/** Replaces a head's MAC only if it is still `fromMac` (pepper rotation: a server may have moved the head meanwhile). */
export async function swapLogHeadMac(store: Store, userId: string, fromMac: string, toMac: string): Promise<boolean> {
  const result = await store.db.updateTable('account_log_heads').set({ mac: toMac }).where('user_id', '=', userId).where('mac', '=', fromMac).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
