import { LitElement, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { RecordKind, RecordSummary, StateOf, Vault } from '../vault';
import { AccountLogController } from './account-log-controller';
import { describeFailure } from './failure-messages';
import './kh-approval-banner';
import './kh-kit-reminder';
import './kh-log-migration';
import './kh-log-warning';
import './kh-record-editor';
import './kh-settings';
import './kh-sync-status';
import { RecordListController } from './record-list-controller';
import { OPEN_LOG_MIGRATION, OPEN_SETTINGS_SECTION, openSettingsSection, type OpenSettingsSection } from './settings-sections';
import { sharedStyles } from './shared-styles';
import { TIMING_MARKS, markTime } from './timing-marks';
import { vaultListStyles } from './vault-list-styles';

/** Which part of the unlocked vault is on screen (one pane at a time: phones first). */
type VaultView =
  | { readonly kind: 'list' }
  | { readonly kind: 'record'; readonly id: string | null; readonly recordKind: RecordKind }
  | { readonly kind: 'settings' }
  | { readonly kind: 'log-migration' };

const LIST: VaultView = { kind: 'list' };

/** "1 conflict", "3 conflicts". */
const conflicts = (n: number): string => (n === 1 ? '1 conflict' : `${n} conflicts`);

/**
 * The unlocked vault: the sync line and a toolbar (search, new login, new note, settings, lock)
 * over the list of records, and in their place the record editor or the settings when one is
 * open. Conflict copies (sync) carry a badge, and a line counts them with a filter to show only
 * them. Everything decrypted here lives only as long as this element: locking removes it.
 * Above the list: the sync line, a device asking to join, the account log's warnings, the kit
 * reminder. An account made before the signed account log gets "Confirm who can open your
 * account" once per unlock, as soon as a sync run finds it (never over an open record or settings).
 */
export class KhVault extends LitElement {
  static override properties = {
    vault: { attribute: false },
    state: { attribute: false },
    _view: { state: true },
    _onlyConflicts: { state: true },
  };

  static override styles = [sharedStyles, vaultListStyles];

  declare vault: Vault | undefined;
  declare state: StateOf<'unlocked'> | undefined;
  declare private _view: VaultView;
  declare private _onlyConflicts: boolean;
  readonly #records = new RecordListController(this, () => this.vault);
  readonly #log = new AccountLogController(this, () => this.vault);
  /** The migration screen came up in this unlock (this element lives as long as the unlock). */
  #migrationOffered = false;
  /** The list was first shown with its records (the end of an unlock, for bench:client's mark). */
  #listShown = false;
  /** Kept across views (rendered as a node), so it asks the server once per visit, not per render. */
  readonly #kitReminder = document.createElement('kh-kit-reminder');

  constructor() {
    super();
    this.vault = undefined;
    this.state = undefined;
    this._view = LIST;
    this._onlyConflicts = false;
    // "Make a recovery kit" on the reminder asks for Settings → Recovery, which this screen opens.
    this.addEventListener(OPEN_SETTINGS_SECTION, this.#onOpenSection as EventListener);
    this.addEventListener(OPEN_LOG_MIGRATION, this.#onOpenLogMigration);
  }

  protected override updated(): void {
    if (!this.#listShown && this._view.kind === 'list' && this.#records.status !== 'loading') {
      this.#listShown = true;
      markTime(TIMING_MARKS.vaultShown);
    }
  }

  protected override willUpdate(): void {
    this.#kitReminder.vault = this.vault;
    if (this._view.kind === 'list' && !this.#migrationOffered && this.#log.status.state === 'needs-confirmation') {
      this.#migrationOffered = true;
      this._view = { kind: 'log-migration' };
    }
    // The last conflict settled: the filter goes with it, rather than waking up at the next one.
    if (this._onlyConflicts && this.#records.status === 'ready' && !this.#records.records.some((record) => record.conflictOf !== null)) {
      this._onlyConflicts = false;
    }
  }

  protected override render(): unknown {
    switch (this._view.kind) {
      case 'record':
        return html`<kh-record-editor
          .vault=${this.vault}
          .recordId=${this._view.id}
          .kind=${this._view.recordKind}
          @kh-close=${this._onCloseView}
          @kh-open-record=${this._onOpenFromEditor}
        ></kh-record-editor>`;
      case 'settings':
        return html`<kh-settings .vault=${this.vault} @kh-close=${this._onCloseView}></kh-settings>`;
      case 'log-migration':
        return html`<kh-log-migration .vault=${this.vault} @kh-close=${this._onCloseView}></kh-log-migration>`;
      case 'list':
        return this.#renderList();
    }
  }

  #renderList(): unknown {
    return html`
      <div class="top">
        <h2 tabindex="-1">${this.state ? `${this.state.username}’s vault` : 'Your vault'}</h2>
        <div class="actions">
          <button type="button" data-test="settings" @click=${this._onSettings}>Settings</button>
          <button type="button" data-test="lock" @click=${this._onLock}>Lock</button>
        </div>
      </div>
      <kh-sync-status .vault=${this.vault}></kh-sync-status>
      <kh-approval-banner .vault=${this.vault}></kh-approval-banner>
      <kh-log-warning .vault=${this.vault}></kh-log-warning>
      ${this.#kitReminder}
      <div class="toolbar">
        <form class="search" role="search" @submit=${this._onSearchSubmit}>
          <label for="search" class="visually-hidden">Search the vault</label>
          <input
            id="search"
            name="search"
            data-test="search"
            type="search"
            placeholder="Search"
            autocomplete="off"
            enterkeyhint="search"
            .value=${this.#records.query}
            @input=${this._onSearchInput}
          />
        </form>
        <div class="actions">
          <button type="button" class="primary" data-test="new-login" @click=${this._onNewLogin}>New login</button>
          <button type="button" class="primary" data-test="new-note" @click=${this._onNewNote}>New note</button>
        </div>
      </div>
      ${this.#renderRecords()}
    `;
  }

  #renderRecords(): unknown {
    const list = this.#records;
    if (list.status === 'failed' && list.failure) {
      return html`<div class="card empty" role="alert">
        <p class="error">${describeFailure(list.failure)}</p>
        <button type="button" @click=${this._onRetryList}>Try again</button>
      </div>`;
    }
    if (list.status === 'loading') return html`<p class="hint empty" role="status">Opening your records…</p>`;
    if (list.records.length === 0) {
      return html`<p class="hint empty" role="status" data-test="empty">
        ${list.query.trim()
          ? `Nothing matches “${list.query.trim()}”.`
          : 'Your vault is empty. Add a login or a note: it is encrypted on this device before it is stored.'}
      </p>`;
    }
    const conflictCount = list.records.filter((record) => record.conflictOf !== null).length;
    const onlyConflicts = this._onlyConflicts && conflictCount > 0;
    // Keyed by id below: when the list reorders (a saved edit moves its record to the top), each
    // button moves with its record instead of being relabelled in place under a pending tap or focus.
    const shown = onlyConflicts ? list.records.filter((record) => record.conflictOf !== null) : list.records;
    return html`
      ${conflictCount > 0
        ? html`<div class="card conflicts">
            <p data-test="conflict-count">
              ${conflicts(conflictCount)} to review: open each copy to choose which version to keep.
            </p>
            <button type="button" data-test="conflicts-only" aria-pressed=${onlyConflicts ? 'true' : 'false'} @click=${this._onToggleConflicts}>
              Show only conflict copies
            </button>
          </div>`
        : nothing}
      <ul data-test="records" aria-label=${onlyConflicts ? 'Conflict copies' : 'Records'}>
        ${repeat(shown, (record) => record.id, (record) => this.#renderRecord(record))}
      </ul>
    `;
  }

  #renderRecord(record: RecordSummary): unknown {
    return html`<li>
      <button type="button" class="record" data-test="record" data-id=${record.id} data-kind=${record.kind} @click=${this._onOpenRecord}>
        <span class="title">${record.title || (record.kind === 'login' ? 'Untitled login' : 'Untitled note')}</span>
        <span class="subtitle">${record.kind === 'note' ? 'Note' : record.subtitle || 'Login'}</span>
        ${record.synced && record.conflictOf === null
          ? nothing
          : html`<span class="badges">
              ${record.conflictOf === null ? nothing : html`<span class="badge conflict" data-test="conflict">conflict copy</span>`}
              ${record.synced ? nothing : html`<span class="badge" data-test="unsynced">not yet synced</span>`}
            </span>`}
      </button>
    </li>`;
  }

  #open(id: string | null, recordKind: RecordKind): void {
    this._view = { kind: 'record', id, recordKind };
    window.scrollTo({ top: 0 });
  }

  private _onNewLogin(): void {
    this.#open(null, 'login');
  }

  private _onNewNote(): void {
    this.#open(null, 'note');
  }

  private _onOpenRecord(event: Event): void {
    const { id, kind } = (event.currentTarget as HTMLElement).dataset;
    if (id && (kind === 'login' || kind === 'note')) this.#open(id, kind);
  }

  /** A settled conflict in the editor left another record to show. */
  private _onOpenFromEditor(event: CustomEvent<{ id: string; kind: RecordKind }>): void {
    this.#open(event.detail.id, event.detail.kind);
  }

  private _onToggleConflicts(): void {
    this._onlyConflicts = !this._onlyConflicts;
  }

  private _onRetryList(): void {
    void this.#records.reload();
  }

  readonly #onOpenSection = (event: CustomEvent<OpenSettingsSection>): void => {
    if (this._view.kind === 'settings') return; // kh-settings handles its own
    event.stopPropagation();
    this._onSettings();
    void this.updateComplete.then(() => {
      const settings = this.renderRoot.querySelector('kh-settings');
      if (settings) openSettingsSection(settings, event.detail);
    });
  };

  /** Devices & passkeys asks for the confirmation the person put off with "Not now". */
  readonly #onOpenLogMigration = (event: Event): void => {
    event.stopPropagation();
    this.#migrationOffered = true;
    this._view = { kind: 'log-migration' };
    window.scrollTo({ top: 0 });
  };

  private _onSettings(): void {
    this._view = { kind: 'settings' };
    window.scrollTo({ top: 0 });
  }

  private async _onCloseView(): Promise<void> {
    this._view = LIST;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }

  private _onLock(): void {
    this.vault?.lock('button');
  }

  private _onSearchInput(event: InputEvent): void {
    this.#records.search((event.target as HTMLInputElement).value);
  }

  private _onSearchSubmit(event: SubmitEvent): void {
    event.preventDefault();
    void this.#records.reload();
  }
}

customElements.define('kh-vault', KhVault);

declare global {
  interface HTMLElementTagNameMap {
    'kh-vault': KhVault;
  }
}
