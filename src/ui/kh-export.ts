import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ExportFile, Vault } from '../vault';
import { DownloadController } from './download-controller';
import { describeFailure, type UiFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** As the SDK refuses (`passphrase_weak`): checked here first so the PIN is not spent on it. */
const PASSPHRASE_MIN_CHARS = 12;

type PlainFormat = 'json' | 'csv';

const wrongPin = (failure: UiFailure) => describeFailure(failure, { wrong_pin: 'Wrong PIN. Nothing was exported.' });

/**
 * Settings → Data → "Export": an encrypted Keyhold backup under a passphrase the user chooses
 * (typed twice, at least 12 characters), and an unencrypted JSON or CSV export behind a plain
 * warning. Each asks for the PIN again, even while unlocked. The file downloads through an
 * object URL and an `<a download>`; the link stays on screen to save it again, and its URL is
 * revoked when the next export replaces it or the screen goes away.
 */
export class KhExport extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _passphrase: { state: true },
    _passphraseAgain: { state: true },
    _backupPin: { state: true },
    _backupProblem: { state: true },
    _format: { state: true },
    _plainPin: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      form {
        margin-top: 0;
      }
      h4 {
        margin: 0.5rem 0;
      }
      form + form {
        margin-top: 1.5rem;
        padding-top: 1rem;
        border-top: 1px solid var(--kh-border);
      }
      .warning {
        margin: 0;
        padding: 0.75rem;
        border-left: 4px solid var(--kh-error);
        background: var(--kh-surface, #0f172a);
      }
      .formats {
        display: flex;
        gap: 1.5rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _passphrase: string;
  declare private _passphraseAgain: string;
  declare private _backupPin: string;
  declare private _backupProblem: string;
  declare private _format: PlainFormat;
  declare private _plainPin: string;
  readonly #backup = new VaultTask<ExportFile>(this);
  readonly #plain = new VaultTask<ExportFile>(this);
  readonly #download = new DownloadController<'backup' | 'plain'>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._passphrase = '';
    this._passphraseAgain = '';
    this._backupPin = '';
    this._backupProblem = '';
    this._format = 'json';
    this._plainPin = '';
  }

  protected override render(): unknown {
    return html`<h3>Export</h3>${this.#renderBackup()}${this.#renderPlain()}`;
  }

  #renderBackup(): unknown {
    const pending = this.#backup.pending;
    const failure = this.#backup.failure;
    return html`<form novalidate aria-labelledby="backup-heading" @submit=${this._onBackup}>
      <h4 id="backup-heading">Encrypted backup</h4>
      <p class="hint">
        A file of all your items, encrypted with a passphrase you choose. Keyhold can import it into any account. Keep the passphrase apart
        from the file: without it nobody, not even you, can open the backup.
      </p>
      <fieldset ?disabled=${pending}>
        <legend class="visually-hidden">Passphrase and PIN</legend>
        <div class="field">
          <label for="backup-passphrase">Backup passphrase (at least ${PASSPHRASE_MIN_CHARS} characters)</label>
          <input id="backup-passphrase" type="password" autocomplete="new-password" autocapitalize="off" spellcheck="false" required
            minlength=${PASSPHRASE_MIN_CHARS} .value=${live(this._passphrase)} @input=${this._onBackupField} />
        </div>
        <div class="field">
          <label for="backup-passphrase-again">Passphrase again</label>
          <input id="backup-passphrase-again" type="password" autocomplete="new-password" autocapitalize="off" spellcheck="false" required
            .value=${live(this._passphraseAgain)} @input=${this._onBackupField} />
        </div>
        <div class="field">
          <label for="backup-pin">Your PIN</label>
          <input id="backup-pin" type="password" autocomplete="off" spellcheck="false" required .value=${live(this._backupPin)}
            @input=${this._onBackupField} />
        </div>
        <div class="actions"><button type="submit" class="primary">Download encrypted backup</button></div>
      </fieldset>
      <div class="msg" role="status">${this.#renderStatus(this.#backup, 'backup', 'Encrypting your backup…')}</div>
      <p class="error msg" role="alert">${this._backupProblem || (failure ? wrongPin(failure) : nothing)}</p>
    </form>`;
  }

  #renderPlain(): unknown {
    const pending = this.#plain.pending;
    const failure = this.#plain.failure;
    return html`<form novalidate aria-labelledby="plain-heading" @submit=${this._onPlain}>
      <h4 id="plain-heading">Unencrypted export</h4>
      <p class="warning">
        <strong>This file is not encrypted.</strong> Anyone who opens it can read every password and note. Use it to move to another app,
        then delete it, and empty the bin.
      </p>
      <fieldset ?disabled=${pending}>
        <legend>Format</legend>
        <div class="formats">
          <label class="check"><input type="radio" name="format" value="json" .checked=${this._format === 'json'} @change=${this._onFormat} />JSON</label>
          <label class="check"><input type="radio" name="format" value="csv" .checked=${this._format === 'csv'} @change=${this._onFormat} />CSV</label>
        </div>
        <div class="field">
          <label for="plain-pin">Your PIN</label>
          <input id="plain-pin" type="password" autocomplete="off" spellcheck="false" required .value=${live(this._plainPin)}
            @input=${this._onPlainPin} />
        </div>
        <div class="actions"><button type="submit" class="danger">Download unencrypted export</button></div>
      </fieldset>
      <div class="msg" role="status">${this.#renderStatus(this.#plain, 'plain', 'Preparing your export…')}</div>
      <p class="error msg" role="alert">${failure ? wrongPin(failure) : nothing}</p>
    </form>`;
  }

  #renderStatus(task: VaultTask<ExportFile>, from: 'backup' | 'plain', working: string): unknown {
    if (task.pending) return html`<p class="progress"><span class="spinner" aria-hidden="true"></span>${working}</p>`;
    return task.status === 'done' ? this.#download.renderSaved(from) : nothing;
  }

  private _onBackupField(event: InputEvent): void {
    const input = event.target as HTMLInputElement;
    if (input.id === 'backup-passphrase') this._passphrase = input.value;
    else if (input.id === 'backup-passphrase-again') this._passphraseAgain = input.value;
    else this._backupPin = input.value;
    this._backupProblem = '';
    if (!this.#backup.pending) this.#backup.reset();
  }

  private _onPlainPin(event: InputEvent): void {
    this._plainPin = (event.target as HTMLInputElement).value;
    if (!this.#plain.pending) this.#plain.reset();
  }

  private _onFormat(event: Event): void {
    this._format = (event.target as HTMLInputElement).value as PlainFormat;
  }

  private async _onBackup(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#backup.pending) return;
    const problem =
      [...this._passphrase].length < PASSPHRASE_MIN_CHARS
        ? ['#backup-passphrase', describeFailure({ code: 'passphrase_weak' })]
        : this._passphrase !== this._passphraseAgain
          ? ['#backup-passphrase-again', 'The two passphrases do not match.']
          : this._backupPin === ''
            ? ['#backup-pin', 'Enter your PIN.']
            : null;
    if (problem) {
      this._backupProblem = problem[1]!;
      this.renderRoot.querySelector<HTMLInputElement>(problem[0]!)?.focus();
      return;
    }
    const [pin, passphrase] = [this._backupPin, this._passphrase];
    this._backupPin = '';
    const file = await this.#backup.run((signal) => vault.transfer.exportBackup(pin, passphrase, signal));
    if (file) {
      this._passphrase = '';
      this._passphraseAgain = '';
      this.#download.save(file, 'backup');
    }
  }

  private async _onPlain(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#plain.pending) return;
    if (this._plainPin === '') {
      this.renderRoot.querySelector<HTMLInputElement>('#plain-pin')?.focus();
      return;
    }
    const [pin, format] = [this._plainPin, this._format];
    this._plainPin = '';
    const file = await this.#plain.run((signal) => vault.transfer.exportPlain(pin, format, signal));
    if (file) this.#download.save(file, 'plain');
  }
}

customElements.define('kh-export', KhExport);

declare global {
  interface HTMLElementTagNameMap {
    'kh-export': KhExport;
  }
}
