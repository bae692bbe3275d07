import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { Vault } from '../vault';
import { readRecoveryKitText } from '../vault/recovery-kit-text';
import { toUiFailure, type UiFailure } from './failure-messages';
import './kh-kit-scan';
import { describeKitFailure, renderKitWordsField } from './kit-words-field';
import { EMPTY_PIN_DRAFT, newPinFeedback, renderNewPinFields, type NewPinDraft } from './new-pin-fields';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

const OFFLINE = 'Recovering a vault needs the Keyhold server, which cannot be reached now. Check your connection and try again.';
const KIT_INVALID = 'These words do not open this account’s vault. Check the username and the words, or use your newest recovery kit: a replaced kit stops working.';

/**
 * "I already have a vault" → "With my recovery kit": the twelve words typed, or read from the
 * kit's QR code (camera, or a picture as the fallback; kh-kit-scan), and a new PIN for this
 * device. The kit proves itself to the server without sending the words
 * (`vault.recovery.withKit`), which returns the kit's wrap of the vault's root secret; nothing
 * else is trusted. The username comes from the step before, or from the QR code when that names
 * another one.
 */
export class KhRecoverKit extends LitElement {
  static override properties = {
    vault: { attribute: false },
    online: { type: Boolean },
    username: { type: String },
    _username: { state: true },
    _words: { state: true },
    _draft: { state: true },
    _read: { state: true },
    _readFailure: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      form {
        margin-bottom: 1rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare online: boolean;
  /** The username typed on the step before. */
  declare username: string;
  declare private _username: string;
  declare private _words: string;
  declare private _draft: NewPinDraft;
  /** Said after the QR code was read ("Read from the QR code of …"). */
  declare private _read: string | undefined;
  /** The QR code held no readable kit. */
  declare private _readFailure: UiFailure | undefined;
  readonly #recover = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.online = true;
    this.username = '';
    this._username = '';
    this._words = '';
    this._draft = EMPTY_PIN_DRAFT;
    this._read = undefined;
    this._readFailure = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('username')) this._username = this.username;
  }

  protected override render(): unknown {
    const failure = this.#recover.failure ?? this._readFailure;
    const pending = this.#recover.pending;
    return html`<form novalidate @submit=${this._onSubmit}>
      <p class="hint">
        Type the 12 words of your recovery kit for <strong>${this._username}</strong>, or read its QR code. Then choose a new PIN
        for your vault.
      </p>
      ${renderKitWordsField({ id: 'kit-words', value: this._words, disabled: pending, invalid: failure !== undefined, errorId: 'recover-error', onInput: this._onWords })}
      <kh-kit-scan ?disabled=${pending} @kh-kit-scanned=${this._onScanned}></kh-kit-scan>
      <p class="ok msg" role="status">${this._read ?? nothing}</p>
      ${renderNewPinFields({ draft: this._draft, disabled: pending, onChange: this._onDraftChange, id: 'recover-new-pin', noun: 'New PIN for this device' })}
      <div class="actions stacked">
        <button class="primary" type="submit" ?disabled=${pending || this._words.trim() === '' || !this.online}>
          ${pending ? 'Recovering…' : 'Recover vault'}
        </button>
      </div>
      <p id="recover-error" class="error msg" role="alert">${failure ? this.#describe(failure) : nothing}</p>
    </form>`;
  }

  #describe(failure: UiFailure): string {
    return describeKitFailure(failure, { offline: OFFLINE, kit_invalid: KIT_INVALID });
  }

  private readonly _onWords = (value: string): void => {
    this._words = value;
    this._read = undefined;
    this._readFailure = undefined;
    this.#recover.reset();
  };

  private readonly _onDraftChange = (patch: Partial<NewPinDraft>): void => {
    this._draft = { ...this._draft, ...patch };
  };

  private _onScanned(event: CustomEvent<string>): void {
    this.#recover.reset();
    try {
      const { username, code } = readRecoveryKitText(event.detail);
      this._words = code;
      if (username) this._username = username;
      this._read = `Read the recovery kit${username ? ` of ${username}` : ''} from its QR code. Now choose a new PIN.`;
      this._readFailure = undefined;
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#recover-new-pin')?.focus());
    } catch (error) {
      this._read = undefined;
      this._readFailure = toUiFailure(error);
    }
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#recover.pending || this._words.trim() === '') return;
    // The new PIN is checked first, before the kit is tried against the server.
    this._draft = { ...this._draft, submitted: true };
    const feedback = newPinFeedback(this._draft);
    if (!feedback.ready) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>(feedback.verdict.ok ? '#recover-new-pin-confirm' : '#recover-new-pin')?.focus();
      return;
    }
    const { _username: username, _words: words } = this;
    const { pin, confirm } = this._draft;
    await this.#recover.run((signal, onProgress) => vault.recovery.withKit(username, words, pin, confirm, { onProgress, signal }));
  }
}

customElements.define('kh-recover-kit', KhRecoverKit);

declare global {
  interface HTMLElementTagNameMap {
    'kh-recover-kit': KhRecoverKit;
  }
}
