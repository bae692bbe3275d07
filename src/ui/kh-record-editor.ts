import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { live } from 'lit/directives/live.js';
import type { RecordContent, RecordKind, Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { CONFLICT_SETTLED, type ConflictResolved } from './kh-conflict-banner';
import './kh-password-field';
import './kh-quick-toggle';
import { emptyRecord, sameRecord, validateRecord, type RecordErrors, type RecordField } from './record-form';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * Views and edits one record: a login (title, username, password with show/hide, generate and
 * copy, URL, notes) or a note (title, body). New when `recordId` is null. Save, Delete (after a
 * confirm step) and Cancel all end with `kh-close`; the vault's `RECORDS_CHANGED` refreshes the list.
 * The password is a field of its own (kh-password-field.ts), which asks for the PIN again before
 * it shows or copies a saved password once the unlock is a while old.
 *
 * A conflict copy (sync) opens under a banner offering to settle it (kh-conflict-banner.ts).
 *
 * @fires kh-close - The editor is done (saved, deleted or cancelled); the host shows the list again.
 * @fires kh-open-record - A settled conflict left another record to show; `detail` is `{ id, kind }`.
 */
export class KhRecordEditor extends LitElement {
  static override properties = {
    vault: { attribute: false },
    recordId: { attribute: false },
    kind: { attribute: false },
    _draft: { state: true },
    _errors: { state: true },
    _confirmDelete: { state: true },
    _conflictNotice: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      .delete {
        margin-top: 2rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  /** The record to open, or null for a new one of `kind`. */
  declare recordId: string | null;
  declare kind: RecordKind;
  declare private _draft: RecordContent | undefined;
  declare private _errors: RecordErrors;
  declare private _confirmDelete: boolean;
  /** What settling a conflict did, said once the record it left is open. */
  declare private _conflictNotice: string;
  #focusHeadingOnLoad = false;
  readonly #load = new VaultTask<RecordContent>(this);
  readonly #save = new VaultTask<string>(this);
  readonly #delete = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.recordId = null;
    this.kind = 'login';
    this._draft = undefined;
    this._errors = {};
    this._confirmDelete = false;
    this._conflictNotice = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('recordId') && !changed.has('kind') && !changed.has('vault')) return;
    if (changed.has('recordId')) this.#forgetRecordState();
    const vault = this.vault;
    const id = this.recordId;
    if (id === null || !vault) {
      this._draft = emptyRecord(this.kind);
      return;
    }
    this.#loadRecord(vault, id);
  }

  #loadRecord(vault: Vault, id: string): void {
    this._draft = undefined;
    void this.#load.run(() => vault.records.read(id)).then(async (content) => {
      if (!content || this.recordId !== id) return;
      this._draft = content;
      if (!this.#focusHeadingOnLoad) return;
      // The banner whose button had the focus is gone: the heading names what is open now.
      this.#focusHeadingOnLoad = false;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('h2')?.focus();
    });
  }

  /** Another record is opening in this same element (a settled conflict): no confirm step or field error carries over. */
  #forgetRecordState(): void {
    this._confirmDelete = false;
    this._errors = {};
  }

  protected override render(): unknown {
    const draft = this._draft;
    const noun = (draft?.kind ?? this.kind) === 'login' ? 'login' : 'note';
    const heading = this.recordId === null ? `New ${noun}` : draft ? draft.title || `Untitled ${noun}` : `Opening ${noun}…`;
    if (!draft) {
      return html`<h2>${heading}</h2>
        ${this.#load.failure
          ? html`<p class="error" role="alert">${describeFailure(this.#load.failure)}</p>`
          : html`<p class="progress" role="status"><span class="spinner" aria-hidden="true"></span>Decrypting…</p>`}
        <div class="actions"><button type="button" data-test="record-cancel" @click=${this._onCancel}>Back</button></div>`;
    }
    const busy = this.#save.pending || this.#delete.pending;
    const failure = this.#save.failure ?? this.#delete.failure;
    return html`
      <h2 tabindex="-1">${heading}</h2>
      <p class="ok msg" role="status" data-test="conflict-notice">${this._conflictNotice}</p>
      ${draft.conflictOf && this.recordId !== null
        ? html`<kh-conflict-banner
            .vault=${this.vault}
            .copyId=${this.recordId}
            .originalId=${draft.conflictOf}
            ?blocked=${busy || (this.#load.value !== undefined && !sameRecord(draft, this.#load.value))}
            @kh-conflict-resolved=${this._onConflictResolved}
          ></kh-conflict-banner>`
        : nothing}
      <form novalidate @submit=${this._onSave}>
        <fieldset ?disabled=${busy}>
          <legend class="visually-hidden">${this.recordId === null ? `New ${noun}` : `Edit ${noun}`}</legend>
          ${this.#textField('title', 'Title', draft.title, { required: true })}
          ${draft.kind === 'login'
            ? html`
                ${this.#textField('username', 'Username', draft.username)} ${this.#renderPassword(draft.password, busy)}
                ${this.#textField('url', 'Web address', draft.url, { type: 'url' })}
                ${this.#textField('notes', 'Notes', draft.notes, { multiline: true })}
              `
            : this.#textField('body', 'Note', draft.body, { multiline: true, required: true })}
          <div class="actions">
            <button type="submit" class="primary" data-test="record-save">${this.#save.pending ? 'Saving…' : 'Save'}</button>
            <button type="button" data-test="record-cancel" @click=${this._onCancel}>Cancel</button>
          </div>
        </fieldset>
        <p class="error msg" role="alert" data-test="record-error">${failure ? describeFailure(failure) : nothing}</p>
      </form>
      ${this.recordId === null ? nothing : html`<kh-quick-toggle .vault=${this.vault} .recordId=${this.recordId}></kh-quick-toggle>`}
      ${this.recordId === null ? nothing : this.#renderDelete(busy, noun)}
    `;
  }

  #textField(field: RecordField, label: string, value: string, opts: { type?: string; multiline?: boolean; required?: boolean } = {}): unknown {
    const error = this._errors[field];
    const input = opts.multiline
      ? html`<textarea id=${field} name=${field} data-test="record-${field}" spellcheck="false" ?required=${opts.required}
          aria-invalid=${error ? 'true' : 'false'} aria-describedby="${field}-error" .value=${live(value)}
          @input=${this._onFieldInput}></textarea>`
      : html`<input id=${field} name=${field} data-test="record-${field}" type=${opts.type ?? 'text'} autocomplete="off"
          autocapitalize=${field === 'title' ? 'sentences' : 'none'} spellcheck="false" ?required=${opts.required}
          aria-invalid=${error ? 'true' : 'false'} aria-describedby="${field}-error" .value=${live(value)}
          @input=${this._onFieldInput} />`;
    return html`<div class="field">
      <label for=${field}>${label}</label>${input}
      <p id="${field}-error" class="error msg">${error ?? nothing}</p>
    </div>`;
  }

  /** Keyed by record: a password shown in one record is hidden again in the next. */
  #renderPassword(password: string, busy: boolean): unknown {
    // Its own shadow root: the fieldset's `disabled` does not reach it, so it is passed on.
    return keyed(
      this.recordId,
      html`<kh-password-field id="password" .vault=${this.vault} .value=${password} .saved=${this.recordId !== null}
        .error=${this._errors.password} .disabled=${busy} @kh-password-change=${this._onPasswordChange}></kh-password-field>`,
    );
  }

  #renderDelete(busy: boolean, noun: string): unknown {
    if (!this._confirmDelete) {
      return html`<div class="actions delete">
        <button type="button" class="danger" data-test="record-delete" ?disabled=${busy} @click=${this._onAskDelete}>Delete ${noun}</button>
      </div>`;
    }
    return html`<div class="card delete" role="group" aria-labelledby="confirm-delete">
      <p id="confirm-delete">Delete this ${noun} from the vault? This cannot be undone.</p>
      <div class="actions">
        <button type="button" class="danger confirm" data-test="record-delete-confirm" ?disabled=${busy} @click=${this._onDelete}>
          ${this.#delete.pending ? 'Deleting…' : 'Delete for good'}
        </button>
        <button type="button" data-test="record-delete-keep" ?disabled=${busy} @click=${this._onKeep}>Keep it</button>
      </div>
    </div>`;
  }

  #edit(field: RecordField, value: string): void {
    if (!this._draft) return;
    this._draft = { ...this._draft, [field]: value } as RecordContent;
    if (this._errors[field]) this._errors = { ...this._errors, [field]: undefined };
  }

  #close(): void {
    this.dispatchEvent(new Event('kh-close'));
  }

  /** Every field's `name` is its RecordContent key. */
  private _onFieldInput(event: InputEvent): void {
    const field = event.target as HTMLInputElement | HTMLTextAreaElement;
    this.#edit(field.name as RecordField, field.value);
  }

  private _onCancel(): void {
    this.#close();
  }

  private _onPasswordChange(event: CustomEvent<string>): void {
    this.#edit('password', event.detail);
  }

  private async _onSave(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || !this._draft || this.#save.pending) return;
    const { errors, cleaned } = validateRecord(this._draft);
    this._errors = errors;
    const first = Object.keys(errors)[0];
    if (first) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>(`#${first}`)?.focus();
      return;
    }
    const id = this.recordId;
    const saved = await this.#save.run(() => vault.records.save(id, cleaned));
    if (saved !== undefined) this.#close();
  }

  private _onConflictResolved(event: CustomEvent<ConflictResolved>): void {
    const { choice, next } = event.detail;
    const vault = this.vault;
    const kind = this._draft?.kind ?? this.kind;
    if (next === null || !vault) {
      this.#close();
      return;
    }
    this._conflictNotice = CONFLICT_SETTLED[choice];
    this.#focusHeadingOnLoad = true;
    // Keep both leaves this same record (now an ordinary one): read it again here.
    if (next === this.recordId) this.#loadRecord(vault, next);
    else this.dispatchEvent(new CustomEvent('kh-open-record', { detail: { id: next, kind } }));
  }

  private async _onAskDelete(): Promise<void> {
    this._confirmDelete = true;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[data-test="record-delete-keep"]')?.focus();
  }

  private async _onKeep(): Promise<void> {
    this._confirmDelete = false;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[data-test="record-delete"]')?.focus();
  }

  private async _onDelete(): Promise<void> {
    const vault = this.vault;
    const id = this.recordId;
    if (!vault || id === null || this.#delete.pending) return;
    await this.#delete.run(() => vault.records.remove(id));
    if (this.#delete.status === 'done') this.#close();
  }
}

customElements.define('kh-record-editor', KhRecordEditor);

declare global {
  interface HTMLElementTagNameMap {
    'kh-record-editor': KhRecordEditor;
  }
}
