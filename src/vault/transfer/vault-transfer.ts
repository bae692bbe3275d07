/**
 * Bringing items in from another password manager or a Keyhold backup, and taking them out
 * (`vault.transfer`), while the vault is unlocked. An import is two steps: `preview` reads the file
 * and says what it holds, writing nothing; `confirm` writes the previewed items in one IndexedDB
 * transaction (all or nothing), then sync sends them. Exports ask for the PIN again even while
 * unlocked (one counted attempt, as the lock screen): a file leaves the vault's protection.
 *
 * The parsers, the backup format and the work itself load as one chunk on first use
 * (transfer-work.ts): the first screen never needs them.
 */
import type { VaultCore } from '../core';
import { VaultError } from '../errors';
import type { RecordContent, RecordKind } from '../state';
import type { ImportFormat, ImportSkip } from './import-formats';

/** One item of an import as the preview lists it: no password, no notes. */
export interface ImportPreviewItem {
  readonly title: string;
  readonly kind: RecordKind;
  /** A login's username, else its URL host; '' for notes (as the vault's list shows it). */
  readonly subtitle: string;
  /** Already in the vault, or earlier in the same file. */
  readonly duplicate: boolean;
}

/** What a file holds, before anything is written. */
export interface ImportPreview {
  readonly format: ImportFormat;
  /** The format in words, e.g. "Bitwarden (JSON)". */
  readonly formatLabel: string;
  /** Items that can be imported (logins + notes). */
  readonly total: number;
  readonly logins: number;
  readonly notes: number;
  /** Items kept as notes because Keyhold has no such kind (cards, identities, …). */
  readonly converted: number;
  /** Items already in the vault, or twice in the file. */
  readonly duplicates: number;
  /** Rows or items of the file that could not be read, with the reason (never a value). */
  readonly skipped: readonly ImportSkip[];
  readonly items: readonly ImportPreviewItem[];
}

export interface ImportResult {
  readonly imported: number;
  /** Duplicates left out. */
  readonly skipped: number;
}

/** A file made for the user to download. Its content may be plaintext: hand it to the browser, never log it. */
export interface ExportFile {
  /** keyhold-backup-YYYY-MM-DD.json, keyhold-export-YYYY-MM-DD.json or .csv. */
  readonly name: string;
  /** MIME type. */
  readonly type: string;
  readonly blob: Blob;
}

/** A file chosen by the user (an `<input type="file">`'s `File`) or its bytes. */
export type ImportSource = File | { readonly name: string; readonly bytes: Uint8Array };

/** What `preview` keeps for `confirm`: the items themselves, which never leave the SDK. */
export interface PendingImport {
  readonly session: unknown;
  readonly items: readonly RecordContent[];
  readonly duplicate: readonly boolean[];
}

const loadWork = () => import('./transfer-work');

export class VaultTransfer {
  readonly #core: VaultCore;
  /** Previews made by this vault, with their items; a preview of another vault or session is `import_stale`. */
  readonly #pending = new WeakMap<ImportPreview, PendingImport>();

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /**
   * Reads `file` and says what an import would bring in, flagging items that are already in the
   * vault or twice in the file. Writes nothing. A Keyhold backup needs `passphrase` (else
   * `backup_passphrase_needed`). Throws `import_unreadable`, `import_unsupported`,
   * `import_too_large`, `backup_passphrase_wrong`, `locked`.
   */
  async preview(file: ImportSource, passphrase?: string): Promise<ImportPreview> {
    const core = this.#core;
    const session = core.requireSession();
    const { previewImport } = await loadWork();
    const { preview, pending } = await previewImport(core, session, file, passphrase);
    this.#pending.set(preview, pending);
    return preview;
  }

  /**
   * Writes the items of `preview` (made by this vault since it was unlocked) as new records in one
   * transaction — all or nothing — and syncs them. With `skipDuplicates` the flagged items are
   * left out. A preview is imported once: confirming it again throws `import_stale`. Throws
   * `import_stale`, `record_quota` (the vault would hold more than the server
   * allows), `locked`.
   */
  async confirm(preview: ImportPreview, options: { readonly skipDuplicates: boolean }): Promise<ImportResult> {
    const core = this.#core;
    const session = core.requireSession();
    const pending = this.#pending.get(preview);
    if (!pending || pending.session !== session) throw new VaultError('import_stale');
    // Taken at once: a second confirm of the same preview (a double tap) must not import it twice.
    this.#pending.delete(preview);
    try {
      const { confirmImport } = await loadWork();
      return await confirmImport(core, session, pending, options.skipDuplicates);
    } catch (error) {
      this.#pending.set(preview, pending); // nothing was written: the same preview may be confirmed again
      throw error;
    }
  }

  /**
   * The whole vault as an encrypted Keyhold backup file under `passphrase` (Argon2id + AES-GCM;
   * docs/architecture.md "Import and export: the file formats"), after checking `pin` as one counted attempt.
   * Throws `passphrase_weak` (under 12 characters, before the PIN is tried), `wrong_pin`,
   * `throttled`, `locked`. Never log the passphrase or the PIN.
   */
  async exportBackup(pin: string, passphrase: string, signal?: AbortSignal): Promise<ExportFile> {
    this.#core.requireSession();
    return (await loadWork()).exportBackup(this.#core, pin, passphrase, signal);
  }

  /**
   * The whole vault as an UNENCRYPTED JSON or CSV file (CSV cells a spreadsheet would run as a
   * formula are neutralised), after checking `pin` as one counted attempt. Throws `wrong_pin`,
   * `throttled`, `locked`. The file is plaintext: the app must say so before the user asks.
   */
  async exportPlain(pin: string, format: 'json' | 'csv', signal?: AbortSignal): Promise<ExportFile> {
    this.#core.requireSession();
    return (await loadWork()).exportPlain(this.#core, pin, format, signal);
  }
}
