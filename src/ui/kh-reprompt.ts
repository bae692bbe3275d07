import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { PIN_THROTTLE_MAX_DELAY_MS } from '../../protocol/constants';
import { STATE_CHANGED, type Vault } from '../vault';
import { CountdownController, formatWait } from './countdown-controller';
import { describeFailure } from './failure-messages';
import { dialogStyles } from './dialog-styles';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** "1 minute", "5 minutes". */
const minutes = (n: number): string => (n === 1 ? '1 minute' : `${n} minutes`);

/**
 * The re-prompt (reprompt.ts `ensureReprompt` opens it): a modal native `<dialog>` that asks for
 * the PIN, or the passkey where it can open the vault on this device, before a secret is shown,
 * copied or a way in is taken away. The PIN is checked on the device (`vault.reprompt.withPin`),
 * as one attempt under the lock screen's throttle, whose wait shows here as the same countdown.
 * Cancel, Escape and the vault locking all close it unconfirmed; `closed` says how it ended.
 */
export class KhReprompt extends LitElement {
  static override properties = {
    vault: { attribute: false },
    reason: { attribute: false },
    _pin: { state: true },
    _passphrase: { state: true },
  };

  static override styles = [
    sharedStyles,
    dialogStyles,
    css`
      form {
        margin-top: 1rem;
      }
      #reprompt-pin {
        font-size: 1.25rem;
        letter-spacing: 0.15em;
      }
    `,
  ];

  declare vault: Vault | undefined;
  /** What the owner is confirming for, as the end of "Enter your PIN to …": "show this password". */
  declare reason: string;
  declare private _pin: string;
  declare private _passphrase: boolean;
  /** Resolves once the dialog has closed: true when the owner confirmed. */
  readonly closed: Promise<boolean>;
  readonly #confirm = new VaultTask<void>(this);
  readonly #countdown = new CountdownController(this);
  #settle: (confirmed: boolean) => void = () => {};
  #settled = false;

  constructor() {
    super();
    this.vault = undefined;
    this.reason = 'continue';
    this._pin = '';
    this._passphrase = false;
    this.closed = new Promise<boolean>((resolve) => (this.#settle = resolve));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.vault?.addEventListener(STATE_CHANGED, this.#onVaultState);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.vault?.removeEventListener(STATE_CHANGED, this.#onVaultState);
    this.#finish(false);
  }

  protected override willUpdate(): void {
    const retryAt = this.#confirm.failure?.retryAt;
    this.#countdown.countTo(typeof retryAt === 'number' ? Math.min(retryAt, Date.now() + PIN_THROTTLE_MAX_DELAY_MS) : null);
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
    this.#focusPin();
  }

  protected override render(): unknown {
    const vault = this.vault;
    const pending = this.#confirm.pending;
    const waiting = this.#countdown.running;
    const failure = this.#confirm.failure;
    const prfUnlock = vault?.state.kind === 'unlocked' && vault.state.prfUnlock;
    const age = minutes(vault?.settings.current.repromptMinutes ?? 5);
    const secret = this._passphrase ? 'passphrase' : 'PIN';
    return html`
      <dialog aria-labelledby="reprompt-heading" aria-describedby="reprompt-why" @close=${this._onDialogClose}>
        <h2 id="reprompt-heading">Confirm it’s you</h2>
        <p id="reprompt-why">Keyhold was unlocked more than ${age} ago. Enter your ${secret} to ${this.reason}.</p>
        <form novalidate @submit=${this._onSubmit}>
          <div class="field">
            <label for="reprompt-pin">${this._passphrase ? 'Passphrase' : 'PIN'}</label>
            <input id="reprompt-pin" name="pin" type="password" inputmode=${this._passphrase ? 'text' : 'numeric'}
              autocomplete="one-time-code" autocapitalize="off" spellcheck="false" enterkeyhint="done" required
              aria-describedby="reprompt-error" aria-invalid=${failure?.code === 'wrong_pin' ? 'true' : 'false'}
              .value=${live(this._pin)} ?disabled=${pending} @input=${this._onPinInput} />
            <p class="error msg" role="alert" id="reprompt-error">${failure ? describeFailure(failure) : nothing}</p>
            <label class="check">
              <input type="checkbox" .checked=${this._passphrase} @change=${this._onPassphraseToggle} />
              I use a passphrase
            </label>
          </div>
          <div class="actions stacked">
            <button type="submit" class="primary" ?disabled=${pending || waiting}>
              ${waiting ? `Try again in ${formatWait(this.#countdown.secondsLeft)}` : 'Confirm'}
            </button>
            ${prfUnlock ? html`<button type="button" ?disabled=${pending} @click=${this._onPasskey}>Use passkey</button>` : nothing}
            <button type="button" @click=${this._onCancel}>Cancel</button>
          </div>
          <p class="msg" role="status">${pending
            ? html`<span class="progress"><span class="spinner" aria-hidden="true"></span>Checking…</span>`
            : nothing}</p>
        </form>
      </dialog>
    `;
  }

  /** Closes the dialog once, resolving `closed`; a check still running is abandoned (and not counted). */
  #finish(confirmed: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#confirm.abort();
    this.#settle(confirmed);
    const dialog = this.renderRoot?.querySelector('dialog');
    if (dialog?.open) dialog.close();
  }

  #focusPin(): void {
    this.renderRoot.querySelector<HTMLInputElement>('#reprompt-pin')?.focus();
  }

  /** Locked while asking (idle, another tab, site data cleared): nothing is left to confirm for. */
  readonly #onVaultState = (): void => {
    if (this.vault?.state.kind !== 'unlocked') this.#finish(false);
  };

  /** Escape, Cancel, or a close after confirming: only the last resolves true, and it resolved already. */
  private _onDialogClose(): void {
    this.#finish(false);
  }

  private _onCancel(): void {
    this.#finish(false);
  }

  private _onPinInput(event: InputEvent): void {
    this._pin = (event.target as HTMLInputElement).value;
  }

  private _onPassphraseToggle(event: Event): void {
    this._passphrase = (event.target as HTMLInputElement).checked;
    this.#focusPin();
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    const pin = this._pin;
    if (!vault || this.#confirm.pending || this.#countdown.running || pin === '') return;
    await this.#confirm.run((signal) => vault.reprompt.withPin(pin, signal));
    if (this.#confirm.status === 'done') {
      this.#finish(true);
      return;
    }
    if (this.#confirm.status !== 'failed') return;
    // A wrong PIN is cleared so the next attempt starts fresh, as on the lock screen.
    this._pin = '';
    await this.updateComplete;
    this.#focusPin();
  }

  private async _onPasskey(): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#confirm.pending) return;
    await this.#confirm.run((signal) => vault.reprompt.withPasskey(signal));
    if (this.#confirm.status === 'done') this.#finish(true);
  }
}

customElements.define('kh-reprompt', KhReprompt);

declare global {
  interface HTMLElementTagNameMap {
    'kh-reprompt': KhReprompt;
  }
}
