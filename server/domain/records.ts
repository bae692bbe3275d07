import type { RecordChangesT, RecordEnvelopeT, RecordWriteRequestT, RecordWrittenT } from '../../protocol/api';
import type { RecordPolicy } from '../config';
import { KeyholdError } from '../errors';
import {
  deleteTombstonesBefore,
  findRecord,
  listRecordsAfter,
  listSpacesWithTombstonesBefore,
  readRecordCounters,
  saveRecord,
  saveRecordCounters,
  type RecordCounters,
  type RecordRow,
  type RecordSpace,
} from '../store/records';
import type { Store } from '../store/store';
import { inUserTransaction } from './user-transaction';

/**
 * Encrypted record sync, the rules: compare-and-set writes that each take the space's next seq,
 * a change feed that pages by seq, limits, and the retention of tombstones. A space is an
 * account's records of one app (store/records.ts `RecordSpace`): the same id in two apps is two
 * records, each app's feed, seqs and quota are its own, and no route reads across two.
 *
 * No audit entry is written per record: a vault syncing thousands of records would flood the
 * user's hash chain (and the activity log the app shows) with entries that say nothing the
 * change feed does not. Record writes are ordinary data, like the ciphertexts themselves.
 */

/** A record as the API hands it out: what the server stores, never anything it could open. */
export function toEnvelope(row: RecordRow): RecordEnvelopeT {
  return {
    id: row.id,
    version: row.version,
    seq: row.seq,
    deleted: row.deleted === 1,
    v: row.v,
    wrappedDek: row.wrapped_dek,
    ciphertext: row.ciphertext,
    updatedAt: row.updated_at,
  };
}

/**
 * The outcome of one write given what is stored, or the refusal. Pure: `writeRecord` runs it
 * under the user's lock, so `stored` and `counters` cannot change before the result is saved.
 *
 * - expectedVersion 0 means "no such record yet"; any other value must equal the stored version.
 *   A deletion at expectedVersion 0 of a record the server never had (created and deleted on a
 *   device before it synced) stores a tombstone at version 1 like any other write: the client's
 *   outbox needs no special case, and the tombstone is purged with the others.
 * - Making a record live (creating it, or reviving a tombstone) counts against the quota;
 *   replacing or deleting never does, so a lowered quota never blocks an edit.
 */
export function planRecordWrite(
  target: RecordSpace & { id: string },
  write: RecordWriteRequestT,
  stored: RecordRow | undefined,
  counters: RecordCounters,
  policy: Pick<RecordPolicy, 'maxCiphertextChars' | 'maxPerUser'>,
  now: number,
): { row: RecordRow; counters: RecordCounters } {
  checkRecordSize(write, policy);
  const storedVersion = stored?.version ?? 0;
  if (write.expectedVersion !== storedVersion) {
    throw new KeyholdError('stale_version', 'The record changed since you read it; merge with the current one and try again.', {
      currentVersion: storedVersion,
      current: stored ? toEnvelope(stored) : null,
    });
  }
  const wasLive = stored !== undefined && stored.deleted === 0;
  const liveChange = (write.deleted ? 0 : 1) - (wasLive ? 1 : 0);
  if (liveChange > 0 && counters.live >= policy.maxPerUser) {
    throw new KeyholdError('record_quota_exceeded', `This account already holds ${policy.maxPerUser} records, the most this server keeps.`);
  }
  const seq = counters.seq + 1;
  const row: RecordRow = {
    user_id: target.userId,
    app_id: target.appId,
    id: target.id,
    version: storedVersion + 1,
    seq,
    deleted: write.deleted ? 1 : 0,
    v: write.v,
    wrapped_dek: write.deleted ? null : write.wrappedDek,
    ciphertext: write.deleted ? null : write.ciphertext,
    size: write.deleted ? 0 : (write.ciphertext?.length ?? 0) + (write.wrappedDek?.length ?? 0),
    updated_at: now,
  };
  return { row, counters: { ...counters, seq, live: counters.live + liveChange } };
}

/** `record_too_large` for a ciphertext over the server's limit: checked before any database work. */
export function checkRecordSize(write: RecordWriteRequestT, policy: Pick<RecordPolicy, 'maxCiphertextChars'>): void {
  if (write.ciphertext !== null && write.ciphertext.length > policy.maxCiphertextChars) {
    throw new KeyholdError('record_too_large', `A record's ciphertext may be at most ${policy.maxCiphertextChars} characters.`);
  }
}

/**
 * Writes one record if it is still at `write.expectedVersion`, in one transaction under the
 * user's lock: the read, the checks, the record and the counters commit together or not at all,
 * and a seq is visible to the feed only once every smaller seq of the account is.
 */
export async function writeRecord(
  store: Store,
  target: RecordSpace & { id: string },
  write: RecordWriteRequestT,
  policy: RecordPolicy,
  now: number,
): Promise<RecordWrittenT> {
  checkRecordSize(write, policy);
  return inUserTransaction(store, target.userId, async (tx) => {
    const stored = await findRecord(tx, target, target.id);
    const counters = await readRecordCounters(tx, target);
    const next = planRecordWrite(target, write, stored, counters, policy, now);
    await saveRecord(tx, next.row, stored?.version ?? 0);
    await saveRecordCounters(tx, target, next.counters);
    return { version: next.row.version, seq: next.row.seq, updatedAt: next.row.updated_at };
  });
}

/**
 * One page of the account's changes after `after`. `cursor` is the last seq returned (`after`
 * when there is nothing new). `reset` (no changes, cursor 0, more true: pull again from 0) when
 * the cursor is older than a purged tombstone, or ahead of every seq the account has handed out
 * (a cursor this database never issued, e.g. after it was restored from a backup): in both
 * cases the caller may have missed a deletion.
 */
export function pageOfChanges(after: number, limit: number, rows: RecordRow[], counters: RecordCounters): RecordChangesT {
  const total = counters.live;
  if (after > 0 && (after < counters.purged_seq || after > counters.seq)) {
    return { changes: [], cursor: 0, more: true, reset: true, total };
  }
  const page = rows.slice(0, limit);
  return { changes: page.map(toEnvelope), cursor: page.at(-1)?.seq ?? after, more: rows.length > limit, reset: false, total };
}

/** Reads one page of the space's changes (see `pageOfChanges`); `limit` + 1 rows tell whether more wait. */
export async function readRecordChanges(store: Store, space: RecordSpace, after: number, limit: number): Promise<RecordChangesT> {
  const rows = await listRecordsAfter(store, space, after, limit + 1);
  // The counters are read after the rows, not before: a purge committing in between then shows
  // in the watermark (a needless reset at worst), never as a deletion silently skipped.
  const counters = await readRecordCounters(store, space);
  return pageOfChanges(after, limit, rows, counters);
}

/**
 * Deletes every tombstone last written before `cutoff`, space by space under each user's lock,
 * raising the space's `purged_seq` so a device whose cursor is older resyncs. `accounts` counts
 * the accounts that lost at least one.
 */
export async function purgeTombstones(store: Store, cutoff: number): Promise<{ tombstones: number; accounts: number }> {
  let tombstones = 0;
  const accounts = new Set<string>();
  for (const space of await listSpacesWithTombstonesBefore(store, cutoff)) {
    try {
      const purged = await inUserTransaction(store, space.userId, async (tx) => {
        const removed = await deleteTombstonesBefore(tx, space, cutoff);
        if (removed.count > 0) {
          const counters = await readRecordCounters(tx, space);
          await saveRecordCounters(tx, space, { ...counters, purged_seq: Math.max(counters.purged_seq, removed.maxSeq) });
        }
        return removed.count;
      });
      tombstones += purged;
      if (purged > 0) accounts.add(space.userId);
    } catch (error) {
      // Erased since it was listed: its records went with it.
      if (error instanceof KeyholdError && error.code === 'unauthenticated') continue;
      throw error;
    }
  }
  return { tombstones, accounts: accounts.size };
}
