import { LitElement, css, html } from 'lit';
import { RECORDS_CHANGED, SYNC_CHANGED, type RecordSummary, type SyncStatus, type Vault } from 'keyhold-sdk';
import { sharedStyles } from './shared-styles';
import './fn-editor';

/** What the sync line says: offline work is normal here, a removed device is not. */
function describeSync(status: SyncStatus): string {
  const waiting = status.pending === 1 ? '1 note waits to sync' : `${status.pending} notes wait to sync`;
  if (status.phase === 'offline') return status.pending > 0 ? `Offline: ${waiting}.` : 'Offline: your notes are on this device.';
  if (status.phase === 'syncing') return 'Syncing…';
  if (status.failure === 'server_busy') return status.pending > 0 ? `The server is busy: ${waiting}. It will try again shortly.` : 'The server is busy. It will try again shortly.';
  if (status.failure) return status.pending > 0 ? `Sync failed: ${waiting}. It will try again.` : 'Sync failed. It will try again.';
  if (status.pending > 0) return `${waiting}.`;
  return status.lastSyncAt === null ? 'Not synced yet.' : 'All notes synced.';
}

/**
 * The open vault: the notes list with the sync status, and the editor for one note.
 */
export class FnNotes extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      header {
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 0.5rem;
      }
      h2 {
        margin-top: 1.5rem;
      }
      ul {
        list-style: none;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li button {
        width: 100%;
        text-align: left;
        display: grid;
        gap: 0.2rem;
      }
      .meta {
        font-weight: 400;
        font-size: 0.9rem;
      }
      .revoked {
        border: 2px solid var(--danger);
        border-radius: 0.5rem;
        padding: 0 0.75rem;
        margin-bottom: 1rem;
      }
    `,
  ];
  static override properties = { vault: { attribute: false }, _notes: { state: true }, _editing: { state: true } };

  declare vault: Vault | undefined;
  declare private _notes: RecordSummary[];
  /** The note open in the editor: its id, 'new', or null for the list. */
  declare private _editing: string | null;
  readonly #reload = (): void => void this.#loadNotes();
  readonly #rerender = (): void => this.requestUpdate();

  constructor() {
    super();
    this.vault = undefined;
    this._notes = [];
    this._editing = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.vault?.addEventListener(RECORDS_CHANGED, this.#reload);
    this.vault?.addEventListener(SYNC_CHANGED, this.#rerender);
    void this.#loadNotes();
  }

  override disconnectedCallback(): void {
    this.vault?.removeEventListener(RECORDS_CHANGED, this.#reload);
    this.vault?.removeEventListener(SYNC_CHANGED, this.#rerender);
    super.disconnectedCallback();
  }

  async #loadNotes(): Promise<void> {
    if (this.vault?.state.kind !== 'unlocked') return;
    this._notes = (await this.vault.records.list()).filter((record) => record.kind === 'note');
  }

  override render() {
    const vault = this.vault;
    if (!vault) return html``;
    if (this._editing !== null) {
      return html`<fn-editor .vault=${vault} .noteId=${this._editing === 'new' ? null : this._editing} @close=${() => (this._editing = null)}></fn-editor>`;
    }
    const status = vault.sync.status;
    return html`<main>
      <header>
        <h1>Field notes</h1>
        <button type="button" class="secondary" @click=${() => vault.lock('button')}>Lock</button>
      </header>
      ${status.failure === 'device_revoked'
        ? html`<div class="revoked" role="alert">
            <h2>This device was removed</h2>
            <p>Field notes on this device was removed from your Keyhold account. Notes written here stay here, but they no longer sync.</p>
          </div>`
        : html`<p role="status">${describeSync(status)}</p>`}
      <div class="row">
        <button type="button" @click=${() => (this._editing = 'new')}>New note</button>
        ${status.failure === 'device_revoked'
          ? ''
          : html`<button type="button" class="secondary" ?disabled=${status.phase === 'syncing'} @click=${() => void vault.sync.now()}>Sync now</button>`}
      </div>
      <h2>Your notes</h2>
      ${this._notes.length === 0
        ? html`<p class="hint">No notes yet. Write one: it is saved on this device at once, and synced when you are online.</p>`
        : html`<ul>
            ${this._notes.map(
              (note) => html`<li>
                <button type="button" class="secondary" @click=${() => (this._editing = note.id)}>
                  <span>${note.title}</span>
                  <span class="meta">${new Date(note.updatedAt).toLocaleString()}${note.synced ? '' : ' · not synced yet'}</span>
                </button>
              </li>`,
            )}
          </ul>`}
    </main>`;
  }
}

customElements.define('fn-notes', FnNotes);

declare global {
  interface HTMLElementTagNameMap {
    'fn-notes': FnNotes;
  }
}
