/**
 * Records while the vault is unlocked: each write encrypts under a fresh DEK wrapped by VK
 * (crypto/records.ts) and marks the row unsynced for the sync engine; reads decrypt on demand.
 * The decrypted summaries and search text are cached here, and only here, for as long as this
 * object lives: the vault drops it when the vault locks.
 */
import { encodeBase64Url } from '../../../protocol/base64url';
import { RECORD_FORMAT_VERSION } from '../../../protocol/constants';
import { parseEncryptedRecord, readableVaultKeys, recordApp, type EncryptedRecord, type UnlockedVault } from '../crypto';
import { decryptRecord, encryptRecord, recordMatchesContext, storedRecordContext } from '../crypto/records';
import type { LiveRecordRow, LocalStore } from '../platform/local-store';
import { parseRecordContent, searchableText, summarize, validateRecordContent } from './record-content';
import { VaultError } from '../errors';
import type { RecordContent, RecordSummary } from '../state';

interface CachedSummary {
  readonly updatedAt: number;
  readonly synced: boolean;
  readonly summary: RecordSummary;
  readonly text: string;
}

/** Records encrypted at once by `sealNew`. */
const SEAL_SLICE = 256;

const newRecordId = (): string => encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)));

export class UnlockedRecords {
  readonly #store: LocalStore;
  readonly #vault: UnlockedVault;
  readonly #now: () => number;
  /** The app's part of every record context (none for Keyhold: crypto/record-format.ts `recordApp`). */
  readonly #appId: string;
  #cache = new Map<string, CachedSummary>();
  /** The server version of each record when it was last read here: the version an edit of it replaces. */
  readonly #readVersions = new Map<string, number>();

  constructor(store: LocalStore, vault: UnlockedVault, now: () => number, appId: string) {
    this.#store = store;
    this.#vault = vault;
    this.#now = now;
    this.#appId = appId;
  }

  /** Decrypted summaries, newest first, of the records whose title, username, URL or notes contain `query` (any case). */
  async list(query = ''): Promise<RecordSummary[]> {
    const rows = await this.#store.liveRecords();
    const needle = query.trim().toLocaleLowerCase();
    const entries = await Promise.all(rows.map((row) => this.#summaryOf(row)));
    this.#cache = new Map(entries.filter((entry): entry is [string, CachedSummary] => entry !== null));
    return [...this.#cache.values()]
      .filter((entry) => needle === '' || entry.text.includes(needle))
      .map((entry) => entry.summary)
      .sort((a, b) => b.updatedAt - a.updatedAt || a.title.localeCompare(b.title));
  }

  /** The record's decrypted content; `not_found` when it does not exist, was deleted, or cannot be opened. Never log it. */
  async read(id: string): Promise<RecordContent> {
    const row = await this.#store.readRecord(id);
    if (!row || row.deleted === 1) throw new VaultError('not_found');
    const content = await this.#open(row);
    this.#readVersions.set(id, row.serverVersion);
    return content;
  }

  /** Encrypts and stores `content` (a new record when `id` is null); returns the id. Throws `record_invalid`, `not_found`. */
  async save(id: string | null, content: RecordContent): Promise<string> {
    const checked = validateRecordContent(content);
    let previousUpdatedAt = 0;
    if (id !== null) {
      const existing = await this.#store.readRecord(id);
      if (!existing || existing.deleted === 1) throw new VaultError('not_found');
      previousUpdatedAt = existing.updatedAt;
    }
    const recordId = id ?? newRecordId();
    const readVersion = this.#readVersions.get(recordId);
    // Sealed for the version the server will store it as: the one it replaces + 1.
    const sealedFor = (id === null ? 0 : await this.#store.editBase(recordId, readVersion)) + 1;
    const sealed = await encryptRecord({ ...checked }, this.#vault.vaultKey, this.#context(recordId, sealedFor));
    // Strictly later than the version it replaces, so the sync engine can order versions even if the clock stepped back.
    const updatedAt = Math.max(this.#now(), previousUpdatedAt + 1);
    await this.#store.writeLocalEdit({ id: recordId, v: RECORD_FORMAT_VERSION, ...sealed, sealedFor, updatedAt, synced: 0, deleted: 0 }, readVersion);
    this.#readVersions.delete(recordId);
    this.#cache.delete(recordId);
    return recordId;
  }

  /** Replaces the record with a tombstone (no ciphertext) for the sync engine to send. Throws `not_found`. */
  async remove(id: string): Promise<void> {
    const existing = await this.#store.readRecord(id);
    if (!existing || existing.deleted === 1) throw new VaultError('not_found');
    const updatedAt = Math.max(this.#now(), existing.updatedAt + 1);
    await this.#store.writeLocalEdit({ id, v: existing.v, updatedAt, synced: 0, deleted: 1 }, this.#readVersions.get(id));
    this.#readVersions.delete(id);
    this.#cache.delete(id);
  }

  /** Every live record's content that opens (an export, an import's duplicate check), in no particular order. Never log it. */
  async readAll(): Promise<RecordContent[]> {
    const rows = await this.#store.liveRecords();
    const contents = await Promise.all(rows.map((row) => this.#open(row).catch(() => null)));
    return contents.filter((content): content is RecordContent => content !== null);
  }

  /**
   * Encrypts each of `contents` as a new record (validated first: throws `record_invalid`) and
   * returns the rows, not yet stored: an import stores them in one transaction.
   */
  async sealNew(contents: readonly RecordContent[]): Promise<Array<Omit<LiveRecordRow, 'serverVersion' | 'ownVersion' | 'synced'>>> {
    const checked = contents.map((content) => validateRecordContent(content));
    const updatedAt = this.#now();
    const rows: Array<Omit<LiveRecordRow, 'serverVersion' | 'ownVersion' | 'synced'>> = [];
    // In slices: enough WebCrypto calls in flight to keep its thread busy, not 10,000 promises at once.
    for (let start = 0; start < checked.length; start += SEAL_SLICE) {
      const slice = checked.slice(start, start + SEAL_SLICE);
      rows.push(
        ...(await Promise.all(
          slice.map(async (content) => {
            const id = newRecordId();
            // New to the server: stored as version 1.
            const sealed = await encryptRecord({ ...content }, this.#vault.vaultKey, this.#context(id, 1));
            return { id, v: RECORD_FORMAT_VERSION, ...sealed, sealedFor: 1, updatedAt, deleted: 0 as const };
          }),
        )),
      );
    }
    return rows;
  }

  /**
   * The sync engine's conflict copy (sync/sync-engine.ts): `row`'s content re-encrypted as a new
   * record marked `conflictOf: row.id`, for the engine to store in the same transaction that gives
   * the original the server's version. Null when `row` does not open (there is nothing to keep).
   */
  async sealConflictCopy(row: LiveRecordRow): Promise<LiveRecordRow | null> {
    let content: RecordContent;
    try {
      content = await this.#open(row);
    } catch {
      return null;
    }
    const id = newRecordId();
    const sealed = await encryptRecord({ ...content, conflictOf: row.id }, this.#vault.vaultKey, this.#context(id, 1));
    return {
      id,
      v: RECORD_FORMAT_VERSION,
      ...sealed,
      sealedFor: 1,
      updatedAt: Math.max(this.#now(), row.updatedAt),
      synced: 0,
      deleted: 0,
      serverVersion: 0,
      ownVersion: 0,
    };
  }

  /**
   * The sync engine's re-seal of an unsent edit whose binding no longer follows the version it
   * replaces (a rebase, or the server moved on while it was being written): the same content
   * sealed, in the current format, for `row.serverVersion + 1`. Null when `row` does not open.
   */
  async resealForPush(row: LiveRecordRow): Promise<LiveRecordRow | null> {
    let content: RecordContent;
    try {
      content = await this.#open(row);
    } catch {
      return null;
    }
    const sealedFor = row.serverVersion + 1;
    const sealed = await encryptRecord({ ...content }, this.#vault.vaultKey, this.#context(row.id, sealedFor));
    return { ...row, v: RECORD_FORMAT_VERSION, ...sealed, sealedFor };
  }

  /**
   * The ids of `copies` (pulled format 2 records) whose AAD does not bind the server version they
   * arrived as: an older ciphertext under a newer number (a rollback) or a damaged one. One
   * AES-GCM unwrap each; nothing is decrypted beyond the DEK, which is dropped at once.
   */
  async mismatchedBindings(copies: ReadonlyArray<{ readonly id: string; readonly v: number; readonly version: number; readonly wrappedDek: string; readonly ciphertext: string }>): Promise<Set<string>> {
    const keys = readableVaultKeys(this.#vault);
    const mismatched = new Set<string>();
    for (let start = 0; start < copies.length; start += SEAL_SLICE) {
      const slice = copies.slice(start, start + SEAL_SLICE);
      const matches = await Promise.all(
        slice.map(async (copy) => {
          let sealed: EncryptedRecord;
          try {
            sealed = parseEncryptedRecord(copy);
          } catch {
            return false;
          }
          return recordMatchesContext(sealed, keys, storedRecordContext(this.#vault.userId, this.#appId, { id: copy.id, v: copy.v, sealedFor: copy.version }));
        }),
      );
      slice.forEach((copy, i) => {
        if (!matches[i]) mismatched.add(copy.id);
      });
    }
    return mismatched;
  }

  /**
   * Settles a conflict copy: `keep-both` makes it an ordinary record, `use-copy` writes its content
   * over the original (recreated if the original was deleted) and removes the copy, `discard`
   * removes the copy. Returns the id of the record the user should see next.
   */
  async resolveConflict(copyId: string, choice: 'keep-both' | 'use-copy' | 'discard'): Promise<string | null> {
    const copy = await this.read(copyId);
    const original = copy.conflictOf;
    if (original === undefined) throw new VaultError('not_found', 'This item is not a conflict copy.');
    const { conflictOf: _marker, ...content } = copy;
    if (choice === 'keep-both') return this.save(copyId, content);
    if (choice === 'discard') {
      await this.remove(copyId);
      const row = await this.#store.readRecord(original);
      return row && row.deleted === 0 ? original : null;
    }
    const row = await this.#store.readRecord(original);
    const target = row && row.deleted === 0 ? original : null;
    if (target !== null) await this.read(target); // the copy replaces the version the user was shown
    const id = await this.save(target, content);
    await this.remove(copyId);
    return id;
  }

  /** A new record's context: the current format, sealed for `serverVersion`. */
  #context(recordId: string, serverVersion: number) {
    return { userId: this.#vault.userId, recordId, v: RECORD_FORMAT_VERSION, serverVersion, ...recordApp(this.#appId) };
  }

  async #open(row: LiveRecordRow): Promise<RecordContent> {
    let plaintext: unknown;
    try {
      // A synced format 2 row is bound to the version the server said it is; an unsent one to the version it was sealed for.
      plaintext = await decryptRecord(row, readableVaultKeys(this.#vault), storedRecordContext(this.#vault.userId, this.#appId, row));
    } catch (cause) {
      // A record that does not open is damaged or was swapped (its AAD names another record).
      throw new VaultError('not_found', 'This item cannot be read.', { cause });
    }
    return parseRecordContent(plaintext);
  }

  /** The cached summary when the row has not changed, else a fresh decryption; null for a row that does not open. */
  async #summaryOf(row: LiveRecordRow): Promise<[string, CachedSummary] | null> {
    const cached = this.#cache.get(row.id);
    const synced = row.synced === 1;
    if (cached && cached.updatedAt === row.updatedAt && cached.synced === synced) return [row.id, cached];
    try {
      const content = await this.#open(row);
      return [row.id, { updatedAt: row.updatedAt, synced, summary: summarize(row.id, content, row.updatedAt, synced), text: searchableText(content) }];
    } catch {
      // One damaged record must not hide the others; reading it directly reports `not_found`.
      return null;
    }
  }
}
