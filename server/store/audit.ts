import { GENESIS_HASH, canonicalJson, linkHash, type AuditEventType, type StoredAuditEntry } from '../domain/audit-chain';
import { lockUser, type Store } from './store';

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
 * Replaces an erased user's audit chain by one tombstone that continues it: same next seq and a
 * link to the last removed hash, so the erasure itself is on record and still hash-checked.
 * Call inside the erasing transaction.
 */
export async function eraseAuditChain(tx: Store, userId: string, at: number): Promise<void> {
  await lockUser(tx, userId);
  const last = await lastLink(tx, userId);
  const removed = await tx.db.deleteFrom('audit_log').where('user_id', '=', userId).executeTakeFirst();
  await insertLink(tx, last, { userId, type: 'account.erased', data: canonicalJson({ removedEntries: Number(removed.numDeletedRows) }), at });
}

type Link = { seq: number; hash: string } | undefined;

function lastLink(tx: Store, userId: string): Promise<Link> {
  return tx.db.selectFrom('audit_log').select(['seq', 'hash']).where('user_id', '=', userId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

async function insertLink(tx: Store, last: Link, e: { userId: string; type: string; data: string; at: number }): Promise<void> {
  const entry = { ...e, seq: (last?.seq ?? 0) + 1 };
  const prevHash = last?.hash ?? GENESIS_HASH;
  await tx.db
    .insertInto('audit_log')
    .values({ user_id: e.userId, seq: entry.seq, at: e.at, type: e.type, data: e.data, prev_hash: prevHash, hash: linkHash(prevHash, entry) })
    .execute();
}

/** The user's events, newest first, before `beforeSeq` when paging. */
export async function listAuditEvents(store: Store, userId: string, limit: number, beforeSeq?: number): Promise<StoredAuditEntry[]> {
  let query = store.db.selectFrom('audit_log').selectAll().where('user_id', '=', userId);
  if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
  return rows.map(toEntry);
}

/** Every chain, one user at a time, ascending: what `audit:verify` walks. */
export async function* eachAuditChain(store: Store): AsyncGenerator<{ userId: string; rows: StoredAuditEntry[] }> {
  const users = await store.db.selectFrom('audit_log').select('user_id').distinct().orderBy('user_id').execute();
  for (const { user_id } of users) {
    const rows = await store.db.selectFrom('audit_log').selectAll().where('user_id', '=', user_id).orderBy('seq', 'asc').execute();
    yield { userId: user_id, rows: rows.map(toEntry) };
  }
}

function toEntry(row: { user_id: string; seq: number; at: number; type: string; data: string; prev_hash: string; hash: string }): StoredAuditEntry {
  return { userId: row.user_id, seq: row.seq, at: row.at, type: row.type, data: row.data, prevHash: row.prev_hash, hash: row.hash };
}
