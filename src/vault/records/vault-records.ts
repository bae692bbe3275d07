/**
 * The decrypted records, while the vault is unlocked (`vault.records`). Decrypted values leave the
 * SDK only as these return values; a call the vault locked under throws `locked` instead of
 * handing them out. Every change dispatches RECORDS_CHANGED and goes out to the server.
 */
import type { VaultCore } from '../core';
import type { RecordContent, RecordSummary } from '../state';
import type { PasswordOptions } from './password-generator';

/** How a conflict copy is settled: keep both records, make the copy the record, or drop the copy. */
export type ConflictChoice = 'keep-both' | 'use-copy' | 'discard';

export class VaultRecords {
  readonly #core: VaultCore;

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /** Summaries (title, kind, synced) of every record whose title or subtitle matches `query`. Throws `locked`. */
  async list(query?: string): Promise<RecordSummary[]> {
    const session = this.#core.requireSession();
    return this.#core.stillOpen(session, await (await session.records).list(query));
  }

  /** One record's content: plaintext, never log it. Throws `locked`, `not_found`. */
  async read(id: string): Promise<RecordContent> {
    const session = this.#core.requireSession();
    return this.#core.stillOpen(session, await (await session.records).read(id));
  }

  /** Creates (`id` null) or replaces a record; returns its id. Throws `locked`, `record_invalid`, `not_found`. */
  async save(id: string | null, content: RecordContent): Promise<string> {
    const core = this.#core;
    const session = core.requireSession();
    const saved = await (await session.records).save(id, content);
    await core.quick.reconcile(session.unlocked, [saved]); // a marked record's copy follows the edit (never rejects)
    core.recordsEdited();
    return saved;
  }

  /** Deletes a record here and, at the next sync, everywhere. Throws `locked`. */
  async remove(id: string): Promise<void> {
    const core = this.#core;
    await (await core.requireSession().records).remove(id);
    await core.quick.reconcile(null, [id]);
    core.recordsEdited();
  }

  /** Settles conflict copy `copyId`; returns the id of the record to show next, or null for none. */
  async resolveConflict(copyId: string, choice: ConflictChoice): Promise<string | null> {
    const core = this.#core;
    const session = core.requireSession();
    const next = await (await session.records).resolveConflict(copyId, choice);
    await core.quick.reconcile(session.unlocked);
    core.recordsEdited();
    return next;
  }
}

/** A random password from `crypto.getRandomValues` (password-generator.ts), whose code loads when first asked for. */
export async function generatePassword(options?: PasswordOptions): Promise<string> {
  const { generatePassword: generate } = await import('./password-generator');
  return generate(options);
}
