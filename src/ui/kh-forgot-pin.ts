import { LitElement, html, nothing } from 'lit';
import type { Vault } from '../vault';
import { readRecoveryKitText } from '../vault/recovery-kit-text';
import { toUiFailure, type UiFailure } from './failure-messages';
import './kh-kit-scan';
import { describeKitFailure, renderKitWordsField } from './kit-words-field';
import { EMPTY_PIN_DRAFT, newPinFeedback, renderNewPinFields, type NewPinDraft } from './new-pin-fields';
import { sharedStyles } from './shared-styles';
import { VaultTask, type DerivePhase } from './vault-task';

const NO_KIT_HERE =
  'This device holds no recovery kit, so its words cannot set a new PIN here. A kit made on another device still works: ' +
  'on a new device, or after clearing this site’s data, choose “I already have a vault”, then “With my recovery kit”.';
const KIT_INVALID = 'These words do not open the vault on this device. Check them, or use your newest recovery kit: a replaced kit stops working.';

const PHASES: Record<DerivePhase, string> = {
  deriving: 'Setting your new PIN… this takes a moment.',
  unwrapping: 'Opening your vault…',
  done: 'Opening your vault…',
};

/**
 * The lock screen's "Forgot your PIN?": the twelve words of the recovery kit (typed, or read from
 * its QR code) and a new PIN, all on this device and offline (`vault.resetPinWithKit` opens the
 * kit's local wrap of the root secret). It says so honestly when this device holds no kit.
 * A chunk of its own, loaded when the person asks: the lock screen is every start's first screen.
 *
 * @fires cancel - Back to the PIN entry.
 */
export class KhForgotPin extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _words: { state: true },
    _draft: { state: true },
    _readFailure: { state: true },
  };

  static override styles = [sharedStyles];

  declare vault: Vault | undefined;
  declare private _words: string;
  declare private _draft: NewPinDraft;
  declare private _readFailure: UiFailure | undefined;
  readonly #reset = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._words = '';
    this._draft = EMPTY_PIN_DRAFT;
    this._readFailure = undefined;
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLElement>('h3')?.focus({ preventScroll: true });
  }

  protected override render(): unknown {
    const failure = this.#reset.failure ?? this._readFailure;
    const pending = this.#reset.pending;
    return html`
      <h3 tabindex="-1">Set a new PIN with your recovery kit</h3>
      <p class="hint">Your recovery kit is the page with 12 words and a QR code you printed or wrote down. This works offline.</p>
      <form novalidate @submit=${this._onSubmit}>
        ${renderKitWordsField({ id: 'kit-words', value: this._words, disabled: pending, invalid: failure !== undefined, errorId: 'forgot-error', onInput: this._onWords })}
        <kh-kit-scan ?disabled=${pending} @kh-kit-scanned=${this._onScanned}></kh-kit-scan>
        ${renderNewPinFields({ draft: this._draft, disabled: pending, onChange: this._onDraftChange, id: 'forgot-new-pin', noun: 'New PIN' })}
        <div class="actions stacked">
          <button class="primary" type="submit" ?disabled=${pending || this._words.trim() === ''}>${pending ? 'Setting your new PIN…' : 'Set new PIN'}</button>
          <button type="button" ?disabled=${pending} @click=${this._onCancel}>Back to unlock</button>
        </div>
        <div class="msg" role="status">${pending
          ? html`<p class="progress"><span class="spinner" aria-hidden="true"></span>${PHASES[this.#reset.phase ?? 'deriving']}</p>`
          : nothing}</div>
        <p id="forgot-error" class="error msg" role="alert">${failure ? describeKitFailure(failure, { no_kit_here: NO_KIT_HERE, kit_invalid: KIT_INVALID }) : nothing}</p>
      </form>
    `;
  }

  private readonly _onWords = (value: string): void => {
    this._words = value;
    this._readFailure = undefined;
    this.#reset.reset();
  };

  private readonly _onDraftChange = (patch: Partial<NewPinDraft>): void => {
    this._draft = { ...this._draft, ...patch };
  };

  private _onScanned(event: CustomEvent<string>): void {
    this.#reset.reset();
    try {
      this._words = readRecoveryKitText(event.detail).code;
      this._readFailure = undefined;
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#forgot-new-pin')?.focus());
    } catch (error) {
      this._readFailure = toUiFailure(error);
    }
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#reset.pending || this._words.trim() === '') return;
    this._draft = { ...this._draft, submitted: true };
    const feedback = newPinFeedback(this._draft);
    if (!feedback.ready) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>(feedback.verdict.ok ? '#forgot-new-pin-confirm' : '#forgot-new-pin')?.focus();
      return;
    }
    const words = this._words;
    const { pin, confirm } = this._draft;
    await this.#reset.run((signal, onProgress) => vault.resetPinWithKit(words, pin, confirm, { onProgress, signal }));
  }

  private _onCancel(): void {
    this.dispatchEvent(new Event('cancel'));
  }
}

customElements.define('kh-forgot-pin', KhForgotPin);

declare global {
  interface HTMLElementTagNameMap {
    'kh-forgot-pin': KhForgotPin;
  }
}
