import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ImportPreview, ImportResult, Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** Items the preview lists by name; the counts above it cover the rest. */
const LISTED_ITEMS = 20;
const LISTED_SKIPS = 10;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/**
 * Settings → Data → "Import": choose an export of another password manager (Bitwarden JSON or CSV,
 * 1Password CSV, a browser's password CSV) or a Keyhold backup (its passphrase is asked first),
 * see what it holds — counts, converted items, duplicates, unreadable rows with the reason, the
 * first items — and only then "Import N items". Nothing is written before that button; a file that
 * cannot be read says why and changes nothing.
 */
export class KhImport extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _needsPassphrase: { state: true },
    _passphrase: { state: true },
    _skipDuplicates: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      h4 {
        margin: 0.75rem 0 0.25rem;
      }
      .detail {
        display: block;
        margin-top: 0.25rem;
      }
      dl {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.25rem 1rem;
        margin: 0.75rem 0;
      }
      dd {
        margin: 0;
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      ul {
        margin: 0.5rem 0;
        padding-left: 1.25rem;
      }
      .subtitle,
      .tag {
        color: var(--kh-muted, #94a3b8);
      }
      input[type='file'] {
        width: 100%;
        min-height: 2.75rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _needsPassphrase: boolean;
  declare private _passphrase: string;
  declare private _skipDuplicates: boolean;
  /** The chosen file, kept to be read again with a backup's passphrase. */
  #file: File | undefined;
  readonly #preview = new VaultTask<ImportPreview>(this);
  readonly #confirm = new VaultTask<ImportResult>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._needsPassphrase = false;
    this._passphrase = '';
    this._skipDuplicates = true;
  }

  protected override render(): unknown {
    const preview = this.#preview.value;
    const busy = this.#preview.pending || this.#confirm.pending;
    return html`
      <h3 id="import-heading">Import</h3>
      <p class="hint">
        Bring items in from Bitwarden (JSON or CSV), 1Password, LastPass, Chrome, Edge or Firefox (CSV), or a Keyhold backup or export.
        You see what the file holds before anything is saved.
      </p>
      <div class="field">
        <label for="import-file">File to import</label>
        <input id="import-file" type="file" accept=".json,.csv,application/json,text/csv" ?disabled=${busy} @change=${this._onFile} />
      </div>
      ${this._needsPassphrase ? this.#renderPassphrase() : nothing}
      <div class="msg" role="status">${this.#renderStatus()}</div>
      <p class="error msg" role="alert">${this.#renderFailure()}</p>
      ${preview && this.#confirm.status !== 'done' ? this.#renderPreview(preview) : nothing}
    `;
  }

  #renderPassphrase(): unknown {
    return html`<form novalidate @submit=${this._onOpenBackup} aria-label="Open the Keyhold backup">
      <fieldset ?disabled=${this.#preview.pending}>
        <legend class="visually-hidden">Backup passphrase</legend>
        <div class="field">
          <label for="import-passphrase">Passphrase of this backup</label>
          <input id="import-passphrase" type="password" autocomplete="off" autocapitalize="off" spellcheck="false" required
            .value=${live(this._passphrase)} @input=${this._onPassphraseInput} />
        </div>
        <div class="actions"><button type="submit" class="primary">Open backup</button></div>
      </fieldset>
    </form>`;
  }

  #renderStatus(): unknown {
    if (this.#preview.pending) return html`<p class="progress"><span class="spinner" aria-hidden="true"></span>Reading the file…</p>`;
    if (this.#confirm.pending) return html`<p class="progress"><span class="spinner" aria-hidden="true"></span>Encrypting and saving the items…</p>`;
    const done = this.#confirm.value;
    if (this.#confirm.status === 'done' && done) {
      const left = done.skipped > 0 ? ` ${plural(done.skipped, 'duplicate')} left out.` : '';
      return html`<p class="ok">Imported ${plural(done.imported, 'item')}.${left}</p>`;
    }
    return nothing;
  }

  #renderFailure(): unknown {
    const failure = this.#confirm.failure ?? this.#preview.failure;
    if (!failure || failure.code === 'backup_passphrase_needed') return nothing;
    return failure.fileProblem ? html`${describeFailure(failure)} <span class="detail">${failure.fileProblem}</span>` : describeFailure(failure);
  }

  #renderPreview(preview: ImportPreview): unknown {
    const count = this.#importCount(preview);
    const listed = preview.items.slice(0, LISTED_ITEMS);
    return html`<section aria-labelledby="preview-heading">
      <h3 id="preview-heading">What this file holds</h3>
      <dl>
        <dt>Format</dt>
        <dd>${preview.formatLabel}</dd>
        <dt>Items</dt>
        <dd>${preview.total.toLocaleString()}</dd>
        <dt>Logins</dt>
        <dd>${preview.logins.toLocaleString()}</dd>
        <dt>Notes</dt>
        <dd>${preview.notes.toLocaleString()}</dd>
        ${preview.converted > 0 ? html`<dt>Kept as notes (cards, identities…)</dt><dd>${preview.converted.toLocaleString()}</dd>` : nothing}
        <dt>Already in your vault or twice in the file</dt>
        <dd>${preview.duplicates.toLocaleString()}</dd>
        ${preview.skipped.length > 0 ? html`<dt>Not readable, left out</dt><dd>${preview.skipped.length.toLocaleString()}</dd>` : nothing}
      </dl>
      ${preview.duplicates > 0
        ? html`<label class="check"><input type="checkbox" .checked=${this._skipDuplicates} @change=${this._onSkipDuplicates} />Skip duplicates</label>`
        : nothing}
      ${preview.skipped.length > 0
        ? html`<details>
            <summary>Rows left out</summary>
            <ul>
              ${preview.skipped.slice(0, LISTED_SKIPS).map((skip) => html`<li>Row ${skip.row}: ${skip.reason}</li>`)}
              ${preview.skipped.length > LISTED_SKIPS ? html`<li>and ${plural(preview.skipped.length - LISTED_SKIPS, 'more row')}</li>` : nothing}
            </ul>
          </details>`
        : nothing}
      ${listed.length > 0
        ? html`<h4 id="first-items">${preview.items.length > LISTED_ITEMS ? `The first ${LISTED_ITEMS} items` : 'Items'}</h4>
            <ul aria-labelledby="first-items">
              ${listed.map(
                (item) => html`<li>
                  ${item.title}${item.subtitle ? html` <span class="subtitle">· ${item.subtitle}</span>` : nothing}
                  ${item.kind === 'note' ? html` <span class="tag">(note)</span>` : nothing}
                  ${item.duplicate ? html` <span class="tag">(duplicate)</span>` : nothing}
                </li>`,
              )}
            </ul>`
        : nothing}
      <div class="actions">
        <button type="button" class="primary" ?disabled=${count === 0 || this.#confirm.pending} @click=${this._onConfirm}>
          Import ${plural(count, 'item')}
        </button>
        <button type="button" ?disabled=${this.#confirm.pending} @click=${this._onCancel}>Cancel</button>
      </div>
    </section>`;
  }

  #importCount(preview: ImportPreview): number {
    return this._skipDuplicates ? preview.total - preview.duplicates : preview.total;
  }

  async #read(passphrase?: string): Promise<void> {
    const vault = this.vault;
    const file = this.#file;
    if (!vault || !file) return;
    this.#confirm.reset();
    this._skipDuplicates = true;
    await this.#preview.run(() => vault.transfer.preview(file, passphrase));
    const code = this.#preview.failure?.code;
    this._needsPassphrase = code === 'backup_passphrase_needed' || code === 'backup_passphrase_wrong';
    if (this.#preview.status === 'done') this._passphrase = '';
    await this.updateComplete;
    if (this._needsPassphrase) this.renderRoot.querySelector<HTMLInputElement>('#import-passphrase')?.focus();
    else if (this.#preview.status === 'done') this.renderRoot.querySelector<HTMLElement>('#preview-heading')?.scrollIntoView({ block: 'nearest' });
  }

  private async _onFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    this.#file = input.files?.[0];
    this._needsPassphrase = false;
    this._passphrase = '';
    if (!this.#file) {
      this.#preview.reset();
      return;
    }
    await this.#read();
  }

  private _onPassphraseInput(event: InputEvent): void {
    this._passphrase = (event.target as HTMLInputElement).value;
  }

  private async _onOpenBackup(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this._passphrase === '') {
      this.renderRoot.querySelector<HTMLInputElement>('#import-passphrase')?.focus();
      return;
    }
    await this.#read(this._passphrase);
  }

  private _onSkipDuplicates(event: Event): void {
    this._skipDuplicates = (event.target as HTMLInputElement).checked;
  }

  private async _onConfirm(): Promise<void> {
    const vault = this.vault;
    const preview = this.#preview.value;
    if (!vault || !preview) return;
    const skipDuplicates = this._skipDuplicates;
    await this.#confirm.run(() => vault.transfer.confirm(preview, { skipDuplicates }));
    if (this.#confirm.status === 'done') this.#clearFile();
  }

  private _onCancel(): void {
    this._needsPassphrase = false;
    this._passphrase = '';
    this.#preview.reset();
    this.#confirm.reset();
    this.#clearFile();
  }

  /** Forgets the file, so the same one can be chosen again (an input fires no change for the same file). */
  #clearFile(): void {
    this.#file = undefined;
    const input = this.renderRoot.querySelector<HTMLInputElement>('#import-file');
    if (input) input.value = '';
  }
}

customElements.define('kh-import', KhImport);

declare global {
  interface HTMLElementTagNameMap {
    'kh-import': KhImport;
  }
}
