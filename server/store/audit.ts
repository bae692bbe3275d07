import { sql } from 'kysely';
import {
  GENESIS_HASH,
  canonicalJson,
  linkHash,
  planAuditPurge,
  type AuditEventType,
  type AuditPurgePlan,
  type ChainAnchor,
  type StoredAuditEntry,
} from './audit-chain';
import { preparedQuery } from './prepared';
import { inTransaction, lockUser, type Store } from './store';

export type AuditData = Record<string, string | number | boolean | null>;

/**
 * Appends one event to the user's hash chain. Call inside a transaction: it takes the user's lock
 * so two processes never fork the chain. `data` must never hold a secret, cookie or request body.
 */
export async function appendAuditEvent(tx: Store, userId: string, type: AuditEventType, data: AuditData, at = Date.now()): Promise<void> {
  await lockUser(tx, userId);
  await insertLink(tx, await lastLink(tx, userId), { userId, type, data: canonicalJson(data), at });
}

/**
 * For events an attacker can repeat at will against someone else's account (a refused PIN
 * recovery start on a locked account): the first of a window of `windowMs` is appended to the
 * chain like any event; the ones after it within the window only count, in `audit_repeats` beside
 * the chain (listAuditEvents reports the count with that entry). The chain grows by at most one
 * entry per window however many requests come, and is never rewritten. `kind` names what repeats
 * (the type and reason). Call inside a transaction, like `appendAuditEvent`.
 */
export async function appendRepeatableAuditEvent(tx: Store, userId: string, kind: string, type: AuditEventType, data: AuditData, at: number, windowMs: number): Promise<void> {
  await lockUser(tx, userId);
  const open = await tx.db
    .selectFrom('audit_repeats').select(['seq', 'window_start']).where('user_id', '=', userId).where('kind', '=', kind).orderBy('seq', 'desc').limit(1)
    .executeTakeFirst();
  if (open && at >= open.window_start && at - open.window_start < windowMs) {
    await tx.db
      .updateTable('audit_repeats').set({ count: sql<number>`count + 1` }).where('user_id', '=', userId).where('kind', '=', kind).where('seq', '=', open.seq)
      .execute();
    return;
  }
  const last = await lastLink(tx, userId);
  await insertLink(tx, last, { userId, type, data: canonicalJson(data), at });
  await tx.db.insertInto('audit_repeats').values({ user_id: userId, kind, seq: (last?.seq ?? 0) + 1, window_start: at, count: 1 }).execute();
}

/**
 * Replaces an erased user's audit chain by one tombstone that continues it: same next seq and a
 * link to the last removed hash, so the erasure itself is on record and still hash-checked.
 * The purge anchor goes too: the lone tombstone is how an erased chain starts (`verifyChain`).
 * Call inside the erasing transaction.
 */
export async function eraseAuditChain(tx: Store, userId: string, at: number): Promise<void> {
  await lockUser(tx, userId);
  const last = await lastLink(tx, userId);
  const removed = await tx.db.deleteFrom('audit_log').where('user_id', '=', userId).executeTakeFirst();
  await tx.db.deleteFrom('audit_anchors').where('user_id', '=', userId).execute();
  await tx.db.deleteFrom('audit_repeats').where('user_id', '=', userId).execute();
  await insertLink(tx, last, { userId, type: 'account.erased', data: canonicalJson({ removedEntries: Number(removed.numDeletedRows) }), at });
}

type Link = { seq: number; hash: string } | undefined;

// Every audited action appends: compiled once (prepared.ts).
const selectLastLink = preparedQuery((db, a: { userId: string }) =>
  db.selectFrom('audit_log').select(['seq', 'hash']).where('user_id', '=', a.userId).orderBy('seq', 'desc').limit(1),
);
const insertAuditRow = preparedQuery((db, r: { user_id: string; seq: number; at: number; type: string; data: string; prev_hash: string; hash: string }) =>
  db.insertInto('audit_log').values({ user_id: r.user_id, seq: r.seq, at: r.at, type: r.type, data: r.data, prev_hash: r.prev_hash, hash: r.hash }),
);

async function lastLink(tx: Store, userId: string): Promise<Link> {
  const [link] = await selectLastLink(tx, { userId });
  return link;
}

async function insertLink(tx: Store, last: Link, e: { userId: string; type: string; data: string; at: number }): Promise<void> {
  const entry = { ...e, seq: (last?.seq ?? 0) + 1 };
  const prevHash = last?.hash ?? GENESIS_HASH;
  await insertAuditRow(tx, { user_id: e.userId, seq: entry.seq, at: e.at, type: e.type, data: e.data, prev_hash: prevHash, hash: linkHash(prevHash, entry) });
}

/**
 * The user's events, newest first, before `beforeSeq` when paging. `count` is how many times an
 * entry's event happened when repeats were coalesced into it (`appendRepeatableAuditEvent`).
 */
export async function listAuditEvents(store: Store, userId: string, limit: number, beforeSeq?: number): Promise<Array<StoredAuditEntry & { count?: number }>> {
  let query = store.db
    .selectFrom('audit_log')
    .leftJoin('audit_repeats', (join) => join.onRef('audit_repeats.user_id', '=', 'audit_log.user_id').onRef('audit_repeats.seq', '=', 'audit_log.seq'))
    .selectAll('audit_log')
    .select('audit_repeats.count')
    .where('audit_log.user_id', '=', userId);
  if (beforeSeq !== undefined) query = query.where('audit_log.seq', '<', beforeSeq);
  const rows = await query.orderBy('audit_log.seq', 'desc').limit(limit).execute();
  return rows.map((row) => (row.count === null ? toEntry(row) : { ...toEntry(row), count: Number(row.count) }));
}

/** Where the user's chain starts after a purge; null while it still starts at seq 1. */
export async function findAuditAnchor(store: Store, userId: string): Promise<ChainAnchor | null> {
  const row = await store.db.selectFrom('audit_anchors').select(['seq', 'hash']).where('user_id', '=', userId).executeTakeFirst();
  return row ?? null;
}

/** Users whose chain holds an entry written before `cutoff`, erased accounts' included (uses the `at` index). */
export async function listUsersWithAuditBefore(store: Store, cutoff: number): Promise<string[]> {
  const rows = await store.db.selectFrom('audit_log').select('user_id').distinct().where('at', '<', cutoff).orderBy('user_id').execute();
  return rows.map((r) => r.user_id);
}

/**
 * Deletes the oldest entries of the user's chain written before `cutoff`, never the newest, and
 * moves the anchor to the last one deleted (see `planAuditPurge`). Takes the user's lock, so
 * appends wait and the deletion and the anchor commit together: call inside a transaction.
 * A segment that fails verification is left in place and its problem returned.
 */
export async function purgeAuditPrefix(tx: Store, userId: string, cutoff: number, now: number): Promise<AuditPurgePlan> {
  await lockUser(tx, userId);
  const last = await lastLink(tx, userId);
  if (!last) return { action: 'keep' };
  // The first entry to keep: the oldest written at or after the cutoff, else the newest.
  const firstRecent = await tx.db
    .selectFrom('audit_log').select('seq').where('user_id', '=', userId).where('at', '>=', cutoff).orderBy('seq', 'asc').limit(1)
    .executeTakeFirst();
  const rows = await tx.db
    .selectFrom('audit_log').selectAll().where('user_id', '=', userId).where('seq', '<=', firstRecent?.seq ?? last.seq).orderBy('seq', 'asc')
    .execute();
  const plan = planAuditPurge(rows.map(toEntry), await findAuditAnchor(tx, userId), cutoff);
  if (plan.action !== 'purge') return plan;
  const { seq, hash } = plan.anchor;
  await tx.db.deleteFrom('audit_log').where('user_id', '=', userId).where('seq', '<=', seq).execute();
  await tx.db.deleteFrom('audit_repeats').where('user_id', '=', userId).where('seq', '<=', seq).execute();
  await tx.db
    .insertInto('audit_anchors')
    .values({ user_id: userId, seq, hash, purged_at: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ seq, hash, purged_at: now }))
    .execute();
  return plan;
}

/**
 * Every chain, one user at a time, ascending, with its anchor: what `audit:verify` walks. Each
 * user's anchor and rows are read under the user's lock, so a purge or an append committing in
 * between cannot pair an old anchor with newer rows. A user with an anchor but no rows is listed too.
 */
export async function* eachAuditChain(store: Store): AsyncGenerator<{ userId: string; anchor: ChainAnchor | null; rows: StoredAuditEntry[] }> {
  const [logged, anchored] = await Promise.all([
    store.db.selectFrom('audit_log').select('user_id').distinct().execute(),
    store.db.selectFrom('audit_anchors').select('user_id').execute(),
  ]);
  const users = [...new Set([...logged, ...anchored].map((r) => r.user_id))].sort();
  for (const userId of users) {
    yield await inTransaction(store, async (tx) => {
      await lockUser(tx, userId);
      const anchor = await findAuditAnchor(tx, userId);
      const rows = await tx.db.selectFrom('audit_log').selectAll().where('user_id', '=', userId).orderBy('seq', 'asc').execute();
      return { userId, anchor, rows: rows.map(toEntry) };
    });
  }
}

function toEntry(row: { user_id: string; seq: number; at: number; type: string; data: string; prev_hash: string; hash: string }): StoredAuditEntry {
  return { userId: row.user_id, seq: row.seq, at: row.at, type: row.type, data: row.data, prevHash: row.prev_hash, hash: row.hash };
}
