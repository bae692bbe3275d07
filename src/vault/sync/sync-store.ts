/**
 * The sync engine's side of IndexedDB: the outbox (records with synced = 0), the cursor into the
 * server's change feed, and applying server records. Every method is one read-write transaction
 * that re-reads the row it changes, so a local edit made while a request was in flight is never
 * overwritten by the answer to an older one. Nothing here decrypts anything: the server's records
 * are stored exactly as they arrive (ciphertext under the vault key), which is why a pull needs no
 * key and can run while the vault is locked.
 */
import type { RecordEnvelopeT } from '../../../protocol/api';
import { parseEncryptedRecord } from '../crypto';
import { readRecordRow, type LiveRecordRow, type LocalStore, type RecordRow } from '../platform/local-store';

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
  return { id: record.id, v: record.v, updatedAt: record.updatedAt, synced: 1, deleted: 0, serverVersion: record.version, ...sealed };
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
    await this.#db.transaction('rw', this.#db.records, async () => {
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
      else await this.#db.records.put(rowFromServer(current));
      return true;
    });
  }

  /**
   * Applies one page of the change feed and moves the cursor, in one transaction. A row with an
   * unsent local edit is left alone (the push that follows settles it, as a conflict if need be)
   * unless the server already holds exactly that edit — the service worker replayed it, or a push's
   * answer was lost — which makes it sent; a row already at or past the server's version (our own
   * push echoed back) is left alone too. Returns how many rows changed.
   */
  async applyChanges(changes: readonly RecordEnvelopeT[], meta: SyncMeta, seen?: Set<string>): Promise<number> {
    return this.#db.transaction('rw', this.#db.records, this.#db.meta, async () => {
      const existing = await this.#db.records.bulkGet(changes.map((c) => c.id));
      const puts: RecordRow[] = [];
      const deletes: string[] = [];
      changes.forEach((change, i) => {
        seen?.add(change.id);
        const row = existing[i];
        if (row?.synced === 0 && sameAsServer(row, change)) {
          if (row.deleted === 1) deletes.push(change.id);
          else puts.push({ ...row, synced: 1, serverVersion: change.version, ownVersion: change.version });
          return;
        }
        if (row && (row.synced === 0 || (row.serverVersion ?? 0) >= change.version)) return;
        if (change.deleted) {
          if (row) deletes.push(change.id);
          return;
        }
        try {
          puts.push(rowFromServer(change));
        } catch {
          // A record whose blobs are malformed could never be opened here: it must not stop the rest.
        }
      });
      if (puts.length) await this.#db.records.bulkPut(puts);
      if (deletes.length) await this.#db.records.bulkDelete(deletes);
      await this.#db.meta.put({ key: 'sync', value: { ...meta } });
      return puts.length + deletes.length;
    });
  }

  /** After a full resync: synced rows the server did not mention are gone there (purged deletions). */
  async dropSyncedExcept(seen: Set<string>): Promise<number> {
    return this.#db.transaction('rw', this.#db.records, async () => {
      const stale = (await this.#db.records.where('synced').equals(1).primaryKeys()).filter((id) => !seen.has(id));
      await this.#db.records.bulkDelete(stale);
      return stale.length;
    });
  }
}
