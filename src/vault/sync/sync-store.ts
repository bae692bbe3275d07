/**
 * The sync engine's side of IndexedDB: the outbox (records with synced = 0), the cursor into the
 * server's change feed, and applying server records. Every method is one read-write transaction
 * that re-reads the row it changes, so a local edit made while a request was in flight is never
 * overwritten by the answer to an older one. Nothing here decrypts anything: the server's records
 * are stored exactly as they arrive (ciphertext under the vault key), which is why a pull needs no
 * key and can run while the vault is locked.
 */
import type { RecordEnvelopeT } from '../../../protocol/api';
import { bindsServerVersion, parseEncryptedRecord } from '../crypto';
import { readRecordRow, type LiveRecordRow, type LocalStore, type RecordRow, type SeenVersionRow } from '../platform/local-store';
import { isOlderThanSeen, judgePulledCopy, raiseSeen } from './rollback-guard';

/** What the engine remembers between runs (meta row 'sync'). */
export interface SyncMeta {
  /** Last change-feed seq applied here. */
  readonly cursor: number;
  /** Epoch ms of the last run that pushed and pulled everything. */
  readonly lastSyncAt: number | null;
}

function parseSyncMeta(value: unknown): SyncMeta {
  const v = value as Partial<SyncMeta> | undefined;
  const cursor = typeof v?.cursor === 'number' && Number.isSafeInteger(v.cursor) && v.cursor >= 0 ? v.cursor : 0;
  const lastSyncAt = typeof v?.lastSyncAt === 'number' ? v.lastSyncAt : null;
  return { cursor, lastSyncAt };
}

/** The row a server record becomes here; throws on a record whose blobs are malformed. */
function rowFromServer(record: RecordEnvelopeT): LiveRecordRow {
  const sealed = parseEncryptedRecord({ wrappedDek: record.wrappedDek, ciphertext: record.ciphertext });
  return { id: record.id, v: record.v, updatedAt: record.updatedAt, synced: 1, deleted: 0, serverVersion: record.version, sealedFor: record.version, ...sealed };
}

/**
 * A format 2 server record stored before its binding could be checked (the vault is locked): marked
 * unverified, with the verified synced copy it replaces kept to be put back if the check fails.
 */
function unverifiedRowFromServer(record: RecordEnvelopeT, replaced: RecordRow | undefined): LiveRecordRow {
  const previous = replaced?.unverified === 1 ? replaced.previous : replaced?.synced === 1 && replaced.deleted === 0 ? replaced : undefined;
  return { ...rowFromServer(record), unverified: 1, ...(previous && { previous }) };
}

/** The ids of records whose server copy was refused as a rollback (meta 'rolled-back'). */
function parseRolledBack(value: unknown): Set<string> {
  return new Set(Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []);
}

/** What one page of the change feed did here. */
export interface AppliedChanges {
  /** Rows stored or removed. */
  readonly changed: number;
  /** Copies refused as rollbacks in this page. */
  readonly refused: number;
}

/** True when the server's record is exactly what `row` would send: our own earlier push landed. */
export function sameAsServer(row: RecordRow, current: RecordEnvelopeT | null): boolean {
  if (row.deleted === 1) return current === null || current.deleted;
  return current !== null && !current.deleted && current.ciphertext === row.ciphertext && current.wrappedDek === row.wrappedDek;
}

export class SyncStore {
  readonly #store: LocalStore;

  constructor(store: LocalStore) {
    this.#store = store;
  }

  get #db() {
    return this.#store.db;
  }

  async readMeta(): Promise<SyncMeta> {
    return parseSyncMeta((await this.#db.meta.get('sync'))?.value);
  }

  async writeMeta(meta: SyncMeta): Promise<void> {
    await this.#db.meta.put({ key: 'sync', value: { ...meta } });
  }

  /** The outbox, oldest edit first. */
  async outbox(): Promise<RecordRow[]> {
    const rows = await this.#db.records.where('synced').equals(0).toArray();
    return rows.map(readRecordRow).sort((a, b) => a.updatedAt - b.updatedAt);
  }

  async pendingCount(): Promise<number> {
    return this.#db.records.where('synced').equals(0).count();
  }

  /**
   * The server accepted `sent` as `version`. If the row is still that edit it is synced (a sent
   * deletion is forgotten); if the user edited it meanwhile, the newer edit now replaces `version`.
   */
  async settlePush(sent: RecordRow, version: number): Promise<void> {
    await this.#db.transaction('rw', this.#db.records, this.#db.seen, this.#db.meta, async () => {
      // The server stored what this device sealed for `version`: verified by construction, and past any
      // rollback noted. A live row is its own mark; a deletion leaves one in `seen` as its row goes.
      if (sent.deleted === 1) await this.#db.seen.put(raiseSeen(await this.#db.seen.get(sent.id), sent.id, version, null));
      const rolledBack = parseRolledBack((await this.#db.meta.get('rolled-back'))?.value);
      if (rolledBack.delete(sent.id)) await this.#db.meta.put({ key: 'rolled-back', value: [...rolledBack] });
      const row = await this.#db.records.get(sent.id);
      if (!row) return;
      if (row.updatedAt !== sent.updatedAt) {
        await this.#db.records.put({ ...row, serverVersion: version, ownVersion: version });
      } else if (row.deleted === 1) {
        await this.#db.records.delete(row.id);
      } else {
        await this.#db.records.put({ ...row, synced: 1, serverVersion: version, ownVersion: version });
      }
    });
  }

  /** A deletion of a record the server never had: nothing to send, so the tombstone goes. */
  async dropUnsentTombstone(sent: RecordRow): Promise<void> {
    await this.#db.transaction('rw', this.#db.records, async () => {
      const row = await this.#db.records.get(sent.id);
      if (row && row.updatedAt === sent.updatedAt && row.deleted === 1) await this.#db.records.delete(row.id);
    });
  }

  /** The server no longer has the record this edit replaces: send it again as a new record. */
  async rebaseOnNothing(sent: RecordRow): Promise<void> {
    await this.#db.transaction('rw', this.#db.records, async () => {
      const row = await this.#db.records.get(sent.id);
      if (row && row.synced === 0) await this.#db.records.put({ ...row, serverVersion: 0, ownVersion: 0 });
    });
  }

  /**
   * Replaces the row with the server's record (or removes it when the server's is deleted or gone)
   * and stores `conflictCopy` (the local edit, re-encrypted as a new record) in the same
   * transaction — only if the row is still `expected`; returns whether it did. Also used when a
   * remote edit wins over a local deletion (no copy).
   */
  async takeServerRecord(expected: RecordRow, current: RecordEnvelopeT | null, conflictCopy: LiveRecordRow | null = null): Promise<boolean> {
    return this.#db.transaction('rw', this.#db.records, async () => {
      const row = await this.#db.records.get(expected.id);
      if (!row || row.updatedAt !== expected.updatedAt) return false;
      if (conflictCopy) await this.#db.records.put(conflictCopy);
      if (current === null || current.deleted) await this.#db.records.delete(expected.id);
      // Its binding is checked by the next unlocked run, like any copy pulled while locked.
      else await this.#db.records.put(bindsServerVersion(current.v) ? unverifiedRowFromServer(current, undefined) : rowFromServer(current));
      return true;
    });
  }

  /**
   * A 409 answered with `current`, older than the version the unsent edit `row` replaces or than
   * this device verified: a rollback. Notes it (the edit stays unsent) and returns true; false when
   * it is not older. A record gone from the server altogether (a purged deletion) is not a rollback:
   * the edit brings it back.
   */
  async refuseIfOlderThanSeen(row: RecordRow, current: RecordEnvelopeT | null): Promise<boolean> {
    if (current === null) return false;
    return this.#db.transaction('rw', this.#db.seen, this.#db.meta, async () => {
      const seen = await this.#db.seen.get(row.id);
      if (!isOlderThanSeen(current.version, seen) && current.version >= row.serverVersion) return false;
      const rolledBack = parseRolledBack((await this.#db.meta.get('rolled-back'))?.value);
      rolledBack.add(row.id);
      await this.#db.meta.put({ key: 'rolled-back', value: [...rolledBack] });
      return true;
    });
  }

  /** Re-sealed `resealed` replaces the unsent edit `sent`, if it is still that edit; returns whether it did. */
  async replaceUnsent(sent: RecordRow, resealed: LiveRecordRow): Promise<boolean> {
    return this.#db.transaction('rw', this.#db.records, async () => {
      const row = await this.#db.records.get(sent.id);
      if (!row || row.synced !== 0 || row.updatedAt !== sent.updatedAt || row.serverVersion !== sent.serverVersion) return false;
      await this.#db.records.put(resealed);
      return true;
    });
  }

  /** How many records' server copies were refused as rollbacks and are still not superseded. */
  async rolledBackCount(): Promise<number> {
    return parseRolledBack((await this.#db.meta.get('rolled-back'))?.value).size;
  }

  /** Rows pulled while locked whose binding is still to be checked. */
  async unverifiedRows(): Promise<LiveRecordRow[]> {
    const rows = await this.#db.records.where('unverified').equals(1).toArray();
    return rows.filter((row): row is LiveRecordRow => row.deleted === 0).map((row) => readRecordRow(row) as LiveRecordRow);
  }

  /**
   * The unlocked check of rows pulled while locked: a row whose AAD binds its version becomes an
   * ordinary synced row (and raises the record's verified version); one in `mismatched` is a
   * rollback: the copy it replaced comes back (or, with none, the row goes) and the record is
   * noted. A row that changed since `checked` was read is left for the next check. Returns how many were refused.
   */
  async settleVerification(checked: readonly LiveRecordRow[], mismatched: ReadonlySet<string>): Promise<number> {
    return this.#db.transaction('rw', this.#db.records, this.#db.meta, async () => {
      const rows = await this.#db.records.bulkGet(checked.map((row) => row.id));
      const rolledBack = parseRolledBack((await this.#db.meta.get('rolled-back'))?.value);
      let refused = 0;
      for (const [i, expected] of checked.entries()) {
        const row = rows[i];
        if (!row || row.unverified !== 1 || row.deleted === 1 || row.ciphertext !== expected.ciphertext) continue;
        const { unverified: _unverified, previous, ...verified } = row;
        if (mismatched.has(row.id)) {
          refused++;
          rolledBack.add(row.id);
          if (previous) await this.#db.records.put(previous);
          else await this.#db.records.delete(row.id);
          continue;
        }
        rolledBack.delete(row.id);
        await this.#db.records.put(verified); // a verified live row is its own mark
      }
      await this.#db.meta.put({ key: 'rolled-back', value: [...rolledBack] });
      return refused;
    });
  }

  /**
   * Applies one page of the change feed and moves the cursor, in one transaction. A row with an
   * unsent local edit is left alone (the push that follows settles it, as a conflict if need be)
   * unless the server already holds exactly that edit — the service worker replayed it, or a push's
   * answer was lost — which makes it sent. Every other copy is judged against what this device
   * holds and has verified (rollback-guard.ts): our own push echoed back changes nothing, a
   * rollback is refused and noted, and the local copy stays. `mismatched`: the format 2 copies
   * whose AAD does not bind their version (checked by the caller with the vault key), or null while
   * locked: format 2 copies are then stored unverified. Returns what changed and what was refused.
   */
  async applyChanges(changes: readonly RecordEnvelopeT[], meta: SyncMeta, mentioned?: Set<string>, mismatched: ReadonlySet<string> | null = null): Promise<AppliedChanges> {
    return this.#db.transaction('rw', this.#db.records, this.#db.meta, this.#db.seen, async () => {
      const ids = changes.map((c) => c.id);
      // `seen` holds marks of deleted records only (a live row is its own mark): on a first sync it is empty.
      const [existing, marks] = await Promise.all([
        this.#db.records.bulkGet(ids),
        this.#db.seen.count().then((n) => (n === 0 ? [] : this.#db.seen.bulkGet(ids))),
      ]);
      const rolledBack = parseRolledBack((await this.#db.meta.get('rolled-back'))?.value);
      const puts: RecordRow[] = [];
      const deletes: string[] = [];
      const raised: SeenVersionRow[] = [];
      let refused = 0;
      let cleared = false;
      const refuse = (id: string) => {
        refused++;
        rolledBack.add(id);
      };
      const accept = (change: RecordEnvelopeT, seen: SeenVersionRow | undefined, row: RecordRow | undefined) => {
        cleared = rolledBack.delete(change.id) || cleared;
        // A deletion's version outlives the row it removes; a live row is its own mark.
        if (change.deleted) raised.push(raiseSeen(seen, change.id, change.version, row?.deleted === 0 ? row.v : null));
      };
      changes.forEach((change, i) => {
        mentioned?.add(change.id);
        const [row, seen] = [existing[i], marks[i]];
        if (row?.synced === 0 && sameAsServer(row, change)) {
          if (row.deleted === 1) deletes.push(change.id);
          else puts.push({ ...row, synced: 1, serverVersion: change.version, ownVersion: change.version, sealedFor: change.version });
          accept(change, seen, row);
          return;
        }
        if (row?.synced === 0) return;
        const verdict = judgePulledCopy(change, row, seen);
        if (verdict === 'refuse') return refuse(change.id);
        if (verdict === 'same') return;
        if (change.deleted) {
          if (row) deletes.push(change.id);
          accept(change, seen, row);
          return;
        }
        const bound = bindsServerVersion(change.v);
        if (bound && mismatched?.has(change.id)) return refuse(change.id);
        try {
          puts.push(bound && mismatched === null ? unverifiedRowFromServer(change, row) : rowFromServer(change));
        } catch {
          // A record whose blobs are malformed could never be opened here: it must not stop the rest.
          return;
        }
        if (!bound || mismatched !== null) accept(change, seen, row);
      });
      if (puts.length) await this.#db.records.bulkPut(puts);
      if (deletes.length) await this.#db.records.bulkDelete(deletes);
      if (raised.length) await this.#db.seen.bulkPut(raised);
      await this.#db.meta.put({ key: 'sync', value: { ...meta } });
      if (refused > 0 || cleared) await this.#db.meta.put({ key: 'rolled-back', value: [...rolledBack] });
      return { changed: puts.length + deletes.length, refused };
    });
  }

  /** After a full resync: synced rows the server did not mention are gone there (purged deletions). */
  async dropSyncedExcept(seen: Set<string>): Promise<number> {
    return this.#db.transaction('rw', this.#db.records, this.#db.seen, async () => {
      const stale = (await this.#db.records.where('synced').equals(1).toArray()).filter((row) => !seen.has(row.id));
      // Their versions stay marked: the server must not bring them back at these versions.
      const marks = await this.#db.seen.bulkGet(stale.map((row) => row.id));
      await this.#db.seen.bulkPut(stale.map((row, i) => raiseSeen(marks[i], row.id, row.serverVersion, row.deleted === 0 ? row.v : null)));
      await this.#db.records.bulkDelete(stale.map((row) => row.id));
      return stale.length;
    });
  }
}
