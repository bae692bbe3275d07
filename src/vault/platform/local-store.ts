/**
 * The device's IndexedDB (Dexie, schema in keyhold-dexie.ts), database `keyhold` (docs/architecture.md "The key hierarchy"). It holds
 * ciphertext for every record value and every key: a record row has no title or kind in clear,
 * and the vault row's only clear values are public (username, ids, salts, versions).
 *
 *   vault    one row, id 'device': the LocalVaultRecord (wraps of S, key bundle, sealed device
 *            key) and what this device knows of its account (username, user id, server device
 *            id, passkeys with their PRF salts, server versions of the uploaded blobs)
 *   records  one row per record: wrapped DEK + ciphertext (crypto/records.ts), updatedAt,
 *            synced 0/1 (0 = in the outbox: the sync engine still has to send it), deleted 0/1
 *            (tombstones keep no ciphertext) and serverVersion (the key server's version this
 *            row is, or — while unsynced — replaces; 0 = never on the server)
 *   meta     small key/value rows: the PIN throttle, the auto-lock settings, the sync cursor,
 *            the device-bound key of the read-only copies and which records have one, the
 *            account log as this device last verified it (account-log/log-mirror.ts)
 *   quick    read-only copies of the records the user chose to see without the PIN on this
 *            device, encrypted under a non-extractable device-bound key (quick-view.ts)
 *   seen     per record id whose row is gone (deleted here or on the server): the highest server
 *            version this device verified, and whether it saw the record bound to its version
 *            (format 2), so a deleted record cannot come back at an older version; while a row
 *            exists, its serverVersion is the mark (sync/rollback-guard.ts)
 */
import type { Dexie } from 'dexie';
import { parseEncryptedRecord, type Ciphertext, type WrappedKey } from '../crypto';
import { readFirstScreenRows } from './first-screen-rows';
import type { KeyholdDexie } from './keyhold-dexie';
import { readStoredVault, type StoredVault } from './stored-vault';
import { NO_THROTTLE, parseThrottle } from '../unlock/unlock-throttle';
import { DEFAULT_SETTINGS, parseSettings } from '../unlock/auto-lock-settings';
import type { UnlockThrottle, VaultSettings } from '../state';

export type { StoredPasskey, StoredVault } from './stored-vault';

export const DATABASE_NAME = 'keyhold';
const VAULT_ROW_ID = 'device';

/** A passkey of this account as this device knows it. All public: the PRF output is never stored. */
export interface VaultRow extends StoredVault {
  readonly id: typeof VAULT_ROW_ID;
}

interface RecordRowBase {
  readonly id: string;
  /** Format 2 and later: the server version bound into this ciphertext's AAD. Synced: serverVersion; unsynced: serverVersion + 1 unless it must be re-sealed. */
  readonly sealedFor?: number;
  /** 1: pulled while locked, its AAD not yet checked against serverVersion (rollback-guard.ts). */
  readonly unverified?: 1;
  /** With `unverified`: the synced copy this row replaced, put back if the pulled one is refused. */
  readonly previous?: LiveRecordRow;
  /** Plaintext format version, bound into the AAD. */
  readonly v: number;
  readonly updatedAt: number;
  /** 0 until the sync engine has sent this version (IndexedDB cannot index booleans). */
  readonly synced: 0 | 1;
  /** The server's version of this record that this row is (synced) or replaces (unsynced); 0 = not on the server. */
  readonly serverVersion: number;
  /**
   * The newest server version this device wrote itself (0: none). When it equals serverVersion the
   * server's copy is this device's own last push, so a local edit made on top of it is no conflict.
   */
  readonly ownVersion?: number;
}

export interface LiveRecordRow extends RecordRowBase {
  readonly deleted: 0;
  readonly wrappedDek: WrappedKey;
  readonly ciphertext: Ciphertext;
}

/** A deletion waiting to be synced: no ciphertext is kept. */
export interface TombstoneRow extends RecordRowBase {
  readonly deleted: 1;
}

export type RecordRow = LiveRecordRow | TombstoneRow;

export type MetaKey = 'unlock-throttle' | 'settings' | 'sync' | 'quick-key' | 'quick-marked' | 'rolled-back' | 'account-log';

/** The highest server version of a record this device verified; `bound` 1 once it saw it in format 2. */
export interface SeenVersionRow {
  readonly id: string;
  readonly version: number;
  readonly bound: 0 | 1;
}

export interface MetaRow {
  readonly key: MetaKey;
  readonly value: unknown;
}

/** A read-only copy: AES-GCM under the device-bound key, AAD = the record id (sync/quick-view.ts). */
export interface QuickViewRow {
  readonly id: string;
  readonly iv: Uint8Array;
  readonly ciphertext: ArrayBuffer;
}

export function readRecordRow(row: RecordRow): RecordRow {
  const serverVersion = row.serverVersion ?? 0;
  const base = {
    id: row.id,
    v: row.v,
    updatedAt: row.updatedAt,
    synced: row.synced,
    serverVersion,
    ownVersion: row.ownVersion ?? 0,
    // A synced row is the server's version `serverVersion`, so that is what its AAD must bind.
    sealedFor: row.synced === 1 ? serverVersion : (row.sealedFor ?? serverVersion + 1),
    ...(row.unverified === 1 && { unverified: 1 as const }),
  };
  if (row.deleted === 1) return { ...base, deleted: 1 };
  return { ...base, deleted: 0, ...parseEncryptedRecord(row) };
}

/** The server version a local edit replaces: the one read, unless the server moved on only through this device's own pushes. */
function editBase(current: RecordRow | undefined, readVersion: number | undefined): number {
  const now = current?.serverVersion ?? 0;
  const own = current?.ownVersion ?? 0;
  return readVersion === undefined || now === own ? now : Math.min(readVersion, now);
}

/** What the lock screen needs before anything else, read in one go (`LocalStore.readAtStart`). */
export interface StartRows {
  readonly vault: StoredVault | undefined;
  readonly settings: VaultSettings;
  readonly throttle: UnlockThrottle;
}

/**
 * The vault's IndexedDB. Every method is one transaction; nothing here decrypts anything. Dexie
 * (keyhold-dexie.ts) is a chunk of its own: loading starts when the store is made, and every
 * method but `readAtStart` waits for it.
 */
export class LocalStore {
  readonly #name: string;
  readonly #indexedDB: IDBFactory | undefined;
  readonly #opening: Promise<KeyholdDexie>;
  #db: KeyholdDexie | undefined;

  /**
   * Settles when the browser took this database away while the page was open ("clear site data":
   * IndexedDB fires `close` on the connection), or another tab deletes it (a deleted account's wipe:
   * `versionchange` with no new version). The store is closed for good from then on, so every
   * later call fails: Dexie would otherwise reopen on the next write and re-create the database with
   * the vault the page still holds in memory, and the wiped vault would come back at the next load.
   */
  readonly lost: Promise<void>;

  /** `options` lets tests pass an IndexedDB implementation; the app uses the browser's. */
  constructor(name = DATABASE_NAME, options?: ConstructorParameters<typeof Dexie>[1]) {
    this.#name = name;
    this.#indexedDB = options?.indexedDB as IDBFactory | undefined;
    let markLost!: () => void;
    this.lost = new Promise((resolve) => (markLost = resolve));
    this.#opening = import('./keyhold-dexie').then(({ openKeyholdDexie, watchForLoss }) => {
      const db = openKeyholdDexie(name, options);
      watchForLoss(db, markLost);
      return (this.#db = db);
    });
  }

  /**
   * The Dexie instance, for the sync engine and for tests that inspect raw rows; only once it has
   * loaded (after any other call of this store settled, or `await database()`).
   */
  get db(): KeyholdDexie {
    if (!this.#db) throw new Error('LocalStore: the database code is still loading (await database() first)');
    return this.#db;
  }

  /** The Dexie instance once its chunk has loaded. */
  database(): Promise<KeyholdDexie> {
    return this.#opening;
  }

  /**
   * The vault row, the settings and the PIN throttle, read without waiting for Dexie (one `idb`
   * read transaction; it creates nothing on a device without a vault). Vault.start uses it so the
   * lock screen shows while Dexie still loads.
   */
  async readAtStart(): Promise<StartRows> {
    const rows = await readFirstScreenRows(this.#name, this.#indexedDB);
    return {
      vault: rows.vault ? readStoredVault(rows.vault as Record<string, unknown>) : undefined,
      settings: rows.settings === undefined ? DEFAULT_SETTINGS : parseSettings(rows.settings),
      throttle: parseThrottle(rows.throttle),
    };
  }

  async readVault(): Promise<StoredVault | undefined> {
    const db = await this.#opening;
    const row = await db.vault.get(VAULT_ROW_ID);
    return row ? readStoredVault(row as unknown as Record<string, unknown>) : undefined;
  }

  async writeVault(vault: StoredVault): Promise<void> {
    const db = await this.#opening;
    await db.vault.put({ ...vault, id: VAULT_ROW_ID });
  }

  async readRecord(id: string): Promise<RecordRow | undefined> {
    const db = await this.#opening;
    const row = await db.records.get(id);
    return row ? readRecordRow(row) : undefined;
  }

  /** Every record that is not deleted. */
  async liveRecords(): Promise<LiveRecordRow[]> {
    const db = await this.#opening;
    const rows = await db.records.where('deleted').equals(0).toArray();
    return rows.map(readRecordRow) as LiveRecordRow[];
  }

  /**
   * Stores a local edit for the sync engine to send. `readVersion` is the server version the user
   * saw when they opened the record (undefined: whatever the row says now). The edit replaces that
   * version, unless the server's copy moved on only through this device's own pushes — then it
   * replaces the newest one — so a real concurrent edit from another device becomes a conflict
   * at push time instead of being overwritten.
   */
  async writeLocalEdit(row: Omit<LiveRecordRow, 'serverVersion' | 'ownVersion'> | Omit<TombstoneRow, 'serverVersion' | 'ownVersion'>, readVersion?: number): Promise<void> {
    const db = await this.#opening;
    await db.transaction('rw', db.records, async () => {
      const current = await db.records.get(row.id);
      await db.records.put({ ...row, serverVersion: editBase(current, readVersion), ownVersion: current?.ownVersion ?? 0 } as RecordRow);
    });
  }

  /**
   * The server version an edit of record `id` made now would replace (see `writeLocalEdit`): an
   * edit is sealed for this + 1. If the row moves on before the edit is stored, the sync engine
   * re-seals it before sending (its `sealedFor` no longer follows its `serverVersion`).
   */
  async editBase(id: string, readVersion?: number): Promise<number> {
    const db = await this.#opening;
    return editBase(await db.records.get(id), readVersion);
  }

  /**
   * Stores new records (an import) in one transaction: all of them or, when the live records
   * would then number more than `maxLive`, none (returns false). Each is unsynced and not yet on
   * the server, for the sync engine to send.
   */
  async addNewRecords(rows: ReadonlyArray<Omit<LiveRecordRow, 'serverVersion' | 'ownVersion' | 'synced'>>, maxLive: number): Promise<boolean> {
    const db = await this.#opening;
    return db.transaction('rw', db.records, async () => {
      const live = await db.records.where('deleted').equals(0).count();
      if (live + rows.length > maxLive) return false;
      await db.records.bulkAdd(rows.map((row) => ({ ...row, synced: 0, serverVersion: 0, ownVersion: 0 }) satisfies LiveRecordRow));
      return true;
    });
  }

  /** Writes a row as given (sync engine and tests). */
  async writeRecord(row: RecordRow): Promise<void> {
    const db = await this.#opening;
    await db.records.put(row);
  }

  async readThrottle(): Promise<UnlockThrottle> {
    const db = await this.#opening;
    return parseThrottle((await db.meta.get('unlock-throttle'))?.value);
  }

  /**
   * Reads and replaces the throttle in one read-write transaction, so two tabs attempting a PIN
   * at once cannot both start from the same count. Returns the value before and after.
   */
  async updateThrottle(update: (current: UnlockThrottle) => UnlockThrottle): Promise<{ before: UnlockThrottle; after: UnlockThrottle }> {
    const db = await this.#opening;
    return db.transaction('rw', db.meta, async () => {
      const before = parseThrottle((await db.meta.get('unlock-throttle'))?.value);
      const after = update(before);
      if (after !== before) await db.meta.put({ key: 'unlock-throttle', value: { ...after } });
      return { before, after };
    });
  }

  async resetThrottle(): Promise<void> {
    const db = await this.#opening;
    await db.meta.put({ key: 'unlock-throttle', value: { ...NO_THROTTLE } });
  }

  async readSettings(): Promise<VaultSettings> {
    const db = await this.#opening;
    const row = await db.meta.get('settings');
    return row ? parseSettings(row.value) : DEFAULT_SETTINGS;
  }

  async writeSettings(settings: VaultSettings): Promise<void> {
    const db = await this.#opening;
    await db.meta.put({ key: 'settings', value: { ...settings } });
  }

  /** Closes the connection for good: later calls fail until `reopen` (nothing re-creates a database being wiped). */
  close(): void {
    if (this.#db) this.#db.close();
    else void this.#opening.then((db) => db.close());
  }

  /**
   * After `close` or `lost`, when a new vault is about to be written (onboarding or recovery on a
   * page whose vault was wiped): the next call opens the database again, creating it if it is gone.
   */
  reopen(): void {
    const db = this.#db;
    if (db?.hasBeenClosed()) db.close({ disableAutoOpen: false });
  }
}
