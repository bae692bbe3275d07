/**
 * "Show on this device without PIN" (opt-in, off by default): for the records the user
 * marks, this device keeps a read-only copy that the lock screen opens with no prompt.
 *
 *   meta 'quick-key'     the device key: AES-256-GCM, non-extractable, generated here once and
 *                        stored as the CryptoKey itself (IndexedDB structured-clones it)
 *   meta 'quick-marked'  which records are marked, on this device only: { ids: string[] }
 *   quick                one QuickViewRow per marked record: AES-256-GCM under the device key,
 *                        fresh 96-bit IV, plaintext = UTF-8 JSON { v: 1, source, sealedAt, content },
 *                        AAD = lp(UTF-8 "keyhold/quick-view/v1") || lp(UTF-8 record id),
 *                        lp(x) = u32be(byte length of x) || x — a copy moved to another id does not open
 *
 * `source` is the record row's wrapped DEK, which each saved version gets afresh (crypto/records.ts):
 * it names the version a copy was made from, so a newer version — a local edit, or one the sync
 * engine pulled while the vault was locked — is recognised without the vault key. A copy can only be
 * re-made while the vault is unlocked (only then does the record decrypt), so a copy is behind
 * only while the vault is locked, and the lock screen says so.
 *
 * What "device-bound" means here, honestly: the key is non-extractable, so page script — this app,
 * or a script injected into it — can use it while the page runs but never read its bytes or carry
 * it away. It is not a hardware key: the browser keeps those bytes with the site's data in the
 * profile on disk (Chromium inside the IndexedDB value itself), so someone with the device's files
 * can read the marked items without the PIN, and anyone holding the phone reads them on the lock
 * screen with no prompt at all. That is the trade-off the setting explains; records not marked
 * keep the PIN's full protection (SECURITY.md, the device thief).
 */
import { readableVaultKeys, type UnlockedVault } from '../crypto';
import { decryptRecord, storedRecordContext } from '../crypto/records';
import type { LiveRecordRow, LocalStore } from '../platform/local-store';
import { parseRecordContent, summarize } from '../records/record-content';
import { VaultCryptoError, VaultError } from '../errors';
import type { QuickViewItem, RecordContent } from '../state';
import { createQuickViewKey, openQuickCopy, readQuickViewKey, sealQuickCopy, type QuickViewKey } from './quick-copy';

/** The record's decrypted content under the open vault; throws `not_found` when it does not open. Never log it. */
async function readRecordContent(row: LiveRecordRow, vault: UnlockedVault, appId: string): Promise<RecordContent> {
  try {
    return parseRecordContent(await decryptRecord(row, readableVaultKeys(vault), storedRecordContext(vault.userId, appId, row)));
  } catch (cause) {
    if (cause instanceof VaultError && !(cause instanceof VaultCryptoError)) throw cause; // a copy that does not decrypt is not found
    throw new VaultError('not_found', 'This item cannot be read.', { cause });
  }
}

function readMarkedIds(value: unknown): string[] {
  const ids = (value as { ids?: unknown } | undefined)?.ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string' && id !== '') : [];
}

export interface QuickViewDeps {
  readonly store: LocalStore;
  /** The app the records belong to (bound into their AAD unless it is Keyhold). */
  readonly appId: string;
  readonly now: () => number;
  /** Called after the marked set or a copy changed. */
  readonly onChanged?: () => void;
  /**
   * Whether `vault` is still the open session's: a re-seal queued before a lock must not run
   * after it with the keys it was given (locking drops every use of them).
   */
  readonly isOpen?: (vault: UnlockedVault) => boolean;
}

/**
 * The marked set and its copies. Every operation runs after the previous one ended, so a toggle,
 * a re-seal after a sync and "hide all" never interleave; each store write is one transaction
 * that re-reads the marked set, so a copy is never written for a record no longer marked.
 */
export class QuickView {
  readonly #deps: QuickViewDeps;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: QuickViewDeps) {
    this.#deps = deps;
  }

  get #db() {
    return this.#deps.store.db;
  }

  async isMarked(id: string): Promise<boolean> {
    return this.#serial(async () => (await this.#readMarked()).includes(id));
  }

  async markedCount(): Promise<number> {
    return this.#serial(async () => (await this.#readMarked()).length);
  }

  /** Marks record `id` and makes its copy now, with the open `vault`. Throws `not_found` for a record that does not exist or open. */
  mark(id: string, vault: UnlockedVault): Promise<void> {
    return this.#serial(async () => {
      const row = await this.#deps.store.readRecord(id);
      if (!row || row.deleted === 1) throw new VaultError('not_found');
      const content = await readRecordContent(row, vault, this.#deps.appId);
      const copy = await sealQuickCopy(await this.#ensureKey(), id, { source: row.wrappedDek, sealedAt: this.#deps.now(), content });
      await this.#db.transaction('rw', this.#db.meta, this.#db.quick, async () => {
        const marked = await this.#readMarked();
        await this.#db.quick.put(copy);
        if (!marked.includes(id)) await this.#writeMarked([...marked, id]);
      });
      this.#deps.onChanged?.();
    });
  }

  /** Unmarks record `id` and deletes its copy. */
  unmark(id: string): Promise<void> {
    return this.#serial(async () => {
      await this.#forget([id]);
      this.#deps.onChanged?.();
    });
  }

  /** "Hide all": deletes every copy, the marked set and the device key (a later mark makes a new key). */
  forgetAll(): Promise<void> {
    return this.#serial(async () => {
      await this.#db.transaction('rw', this.#db.meta, this.#db.quick, async () => {
        await this.#db.quick.clear();
        await this.#db.meta.bulkDelete(['quick-marked', 'quick-key']);
      });
      this.#deps.onChanged?.();
    });
  }

  /**
   * The copies the lock screen shows, by title, each marked `outdated` when its record has changed
   * since. Needs no vault key and asks for nothing. Copies that do not open are left out. Never log them.
   */
  items(): Promise<QuickViewItem[]> {
    return this.#serial(async () => {
      const marked = await this.#readMarked();
      const key = marked.length === 0 ? null : await this.#readKey();
      if (!key) return [];
      const [copies, records] = await Promise.all([this.#db.quick.bulkGet(marked), this.#db.records.bulkGet(marked)]);
      const items = await Promise.all(
        marked.map(async (id, i): Promise<QuickViewItem | null> => {
          const stored = copies[i];
          const record = records[i];
          if (!stored || !record || record.deleted === 1) return null;
          try {
            const copy = await openQuickCopy(key, stored);
            const { kind, title, subtitle } = summarize(id, copy.content, copy.sealedAt, true);
            return { id, kind, title, subtitle, content: copy.content, asOf: copy.sealedAt, outdated: record.wrappedDek !== copy.source };
          } catch {
            return null; // one damaged or moved copy must not hide the others
          }
        }),
      );
      return items.filter((item): item is QuickViewItem => item !== null).sort((a, b) => a.title.localeCompare(b.title));
    });
  }

  /**
   * Brings the copies of the marked records among `ids` (default: all) up to date with their
   * records: the copy of a deleted record goes (also while locked), and a copy whose record
   * changed is re-made with `vault` — the vault that was open when the change was seen; with
   * null (locked) it waits for the next unlock. Never rejects: a copy that cannot be re-made
   * stays as it was, and the next call retries.
   */
  reconcile(vault: UnlockedVault | null, ids?: readonly string[]): Promise<void> {
    return this.#serial(async () => {
      const marked = await this.#readMarked();
      const targets = ids ? marked.filter((id) => ids.includes(id)) : marked;
      if (targets.length === 0) return;
      let changed = false;
      for (const id of targets) {
        try {
          if (await this.#reconcileOne(id, vault)) changed = true;
        } catch {
          // Left as it is (a record that does not open, a storage hiccup): the next reconcile retries.
        }
      }
      if (changed) this.#deps.onChanged?.();
    }).catch(() => {});
  }

  /** Returns whether the copy (or the marked set) changed. */
  async #reconcileOne(id: string, vault: UnlockedVault | null): Promise<boolean> {
    const row = await this.#deps.store.readRecord(id);
    if (!row || row.deleted === 1) {
      await this.#forget([id]);
      return true;
    }
    const key = await this.#readKey();
    const stored = key ? await this.#db.quick.get(id) : undefined;
    const copy = key && stored ? await openQuickCopy(key, stored).catch(() => null) : null;
    if (copy?.source === row.wrappedDek) return false;
    if (!vault || this.#deps.isOpen?.(vault) === false) return false; // behind until the next unlock; the lock screen says so
    const content = await readRecordContent(row, vault, this.#deps.appId);
    const fresh = await sealQuickCopy(key ?? (await this.#ensureKey()), id, { source: row.wrappedDek, sealedAt: this.#deps.now(), content });
    return this.#db.transaction('rw', this.#db.meta, this.#db.quick, async () => {
      if (!(await this.#readMarked()).includes(id)) return false;
      await this.#db.quick.put(fresh);
      return true;
    });
  }

  async #forget(ids: readonly string[]): Promise<void> {
    await this.#db.transaction('rw', this.#db.meta, this.#db.quick, async () => {
      const marked = await this.#readMarked();
      await this.#db.quick.bulkDelete([...ids]);
      await this.#writeMarked(marked.filter((id) => !ids.includes(id)));
    });
  }

  async #readMarked(): Promise<string[]> {
    return readMarkedIds((await this.#db.meta.get('quick-marked'))?.value);
  }

  async #writeMarked(ids: readonly string[]): Promise<void> {
    await this.#db.meta.put({ key: 'quick-marked', value: { ids: [...ids] } });
  }

  async #readKey(): Promise<QuickViewKey | null> {
    return readQuickViewKey((await this.#db.meta.get('quick-key'))?.value);
  }

  /** The stored device key, made once: if another tab stored one meanwhile, that one is used. */
  async #ensureKey(): Promise<QuickViewKey> {
    const existing = await this.#readKey();
    if (existing) return existing;
    // Generated outside the transaction: IndexedDB transactions end while a non-IndexedDB promise is awaited.
    const fresh = await createQuickViewKey();
    return this.#db.transaction('rw', this.#db.meta, async () => {
      const stored = readQuickViewKey((await this.#db.meta.get('quick-key'))?.value);
      if (stored) return stored;
      await this.#db.meta.put({ key: 'quick-key', value: fresh });
      return fresh;
    });
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }
}
