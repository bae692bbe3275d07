import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { describeFailure } from './failure-messages';
import { EMPTY_PIN_DRAFT, newPinFeedback, renderNewPinFields, type NewPinDraft } from './new-pin-fields';
import { sharedStyles } from './shared-styles';
import type { Vault } from '../vault';
import type { UiFailure } from './failure-messages';
import { VaultTask } from './vault-task';

/** The throttle's wait in words, as a clock time: this screen has no live countdown. */
function throttledUntil(retryAt: number | undefined): string {
  if (retryAt === undefined) return 'Too many wrong PINs. Try again later.';
  const at = new Date(retryAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return `Too many wrong PINs. You can try again at ${at}.`;
}

/**
 * Changes the PIN of the unlocked vault: the current PIN, then the new one twice with the policy's
 * live feedback. Re-wrapping runs Argon2id in a worker (twice: old and new), shown as progress;
 * leaving the screen cancels it. The vault then locks (`pin-changed`), so the
 * success line shows only if a controller stays unlocked.
 */
export class KhChangePin extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _current: { state: true },
    _currentIsPassphrase: { state: true },
    _draft: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      form {
        margin-top: 0;
      }
      h3 {
        margin: 0;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _current: string;
  declare private _currentIsPassphrase: boolean;
  declare private _draft: NewPinDraft;
  readonly #change = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._current = '';
    this._currentIsPassphrase = false;
    this._draft = EMPTY_PIN_DRAFT;
  }

  protected override render(): unknown {
    const pending = this.#change.pending;
    const failure = this.#change.failure;
    const wrongCurrent = failure?.code === 'wrong_pin';
    return html`
      <form novalidate @submit=${this._onSubmit} aria-labelledby="change-pin-heading">
        <h3 id="change-pin-heading">Change PIN</h3>
        <fieldset ?disabled=${pending}>
          <legend class="visually-hidden">Current and new PIN</legend>
          <div class="field">
            <label for="current-pin">Current PIN</label>
            <input
              id="current-pin"
              name="current-pin"
              data-test="current-pin"
              type="password"
              inputmode=${this._currentIsPassphrase ? 'text' : 'numeric'}
              autocomplete="one-time-code"
              autocapitalize="off"
              spellcheck="false"
              enterkeyhint="next"
              required
              aria-invalid=${wrongCurrent ? 'true' : 'false'}
              .value=${live(this._current)}
              @input=${this._onCurrentInput}
            />
            <label class="check">
              <input type="checkbox" .checked=${this._currentIsPassphrase} @change=${this._onCurrentKeyboard} />
              My current PIN is a passphrase
            </label>
          </div>
          ${renderNewPinFields({ draft: this._draft, disabled: pending, onChange: this._onDraftChange, id: 'new-pin', noun: 'New PIN' })}
          <div class="actions">
            <button type="submit" class="primary" data-test="change-pin">Change PIN</button>
          </div>
        </fieldset>
        <div class="msg" role="status" data-test="change-pin-status">${this.#renderStatus()}</div>
        <p class="error msg" role="alert" data-test="change-pin-error">${failure ? this.#describe(failure) : nothing}</p>
      </form>
    `;
  }

  #describe(failure: UiFailure): string {
    return describeFailure(failure, { wrong_pin: 'The current PIN is wrong.', throttled: throttledUntil(failure.retryAt) });
  }

  #renderStatus(): unknown {
    if (this.#change.pending) {
      return html`<p class="progress"><span class="spinner" aria-hidden="true"></span>Securing your vault with the new PIN… this takes a moment.</p>`;
    }
    return this.#change.status === 'done' ? html`<p class="ok">Your PIN has been changed.</p>` : nothing;
  }

  private _onCurrentInput(event: InputEvent): void {
    this._current = (event.target as HTMLInputElement).value;
    if (this.#change.status !== 'pending') this.#change.reset();
  }

  private _onCurrentKeyboard(event: Event): void {
    this._currentIsPassphrase = (event.target as HTMLInputElement).checked;
  }

  private readonly _onDraftChange = (patch: Partial<NewPinDraft>): void => {
    this._draft = { ...this._draft, ...patch };
    if (this.#change.status !== 'pending') this.#change.reset();
  };

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#change.pending) return;
    this._draft = { ...this._draft, submitted: true };
    const feedback = newPinFeedback(this._draft);
    const invalid = this._current === '' ? '#current-pin' : !feedback.verdict.ok ? '#new-pin' : !feedback.ready ? '#new-pin-confirm' : null;
    if (invalid) {
      this.renderRoot.querySelector<HTMLInputElement>(invalid)?.focus();
      return;
    }
    const current = this._current;
    const { pin, confirm } = this._draft;
    await this.#change.run((signal, onProgress) => vault.account.changePin(current, pin, confirm, onProgress, signal));
    if (this.#change.status === 'done') {
      // Forget every PIN typed here as soon as the change has been made.
      this._current = '';
      this._draft = EMPTY_PIN_DRAFT;
    } else if (this.#change.failure?.code === 'wrong_pin') {
      this._current = '';
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>('#current-pin')?.focus();
    }
  }
}

customElements.define('kh-change-pin', KhChangePin);

declare global {
  interface HTMLElementTagNameMap {
    'kh-change-pin': KhChangePin;
  }
}
