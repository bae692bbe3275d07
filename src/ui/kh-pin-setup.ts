import { LitElement, html, nothing } from 'lit';
import { describeFailure } from './failure-messages';
import { EMPTY_PIN_DRAFT, newPinFeedback, renderNewPinFields, type NewPinDraft } from './new-pin-fields';
import { sharedStyles } from './shared-styles';
import type { StateOf, Vault } from '../vault';
import { VaultTask } from './vault-task';

/**
 * The second onboarding step: the passkey exists, now the user chooses the PIN (or passphrase)
 * that unlocks the vault on this device, typed twice, with the PIN policy's feedback as they
 * type. Securing the vault runs Argon2id in a worker: the form is disabled meanwhile, the page
 * stays responsive, and leaving the screen cancels the derivation.
 */
export class KhPinSetup extends LitElement {
  static override properties = {
    vault: { attribute: false },
    state: { attribute: false },
    _draft: { state: true },
  };

  static override styles = [sharedStyles];

  declare vault: Vault | undefined;
  declare state: StateOf<'choose-pin'> | undefined;
  declare private _draft: NewPinDraft;
  readonly #choose = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.state = undefined;
    this._draft = EMPTY_PIN_DRAFT;
  }

  protected override render(): unknown {
    const pending = this.#choose.pending;
    const failure = this.#choose.failure;
    return html`
      <h2 tabindex="-1">Choose your PIN</h2>
      <p>
        ${this.state ? html`Your passkey for <strong>${this.state.username}</strong> is ready. ` : nothing}Now choose the PIN
        that opens Keyhold on this device. A longer PIN, or a passphrase, is much harder to guess.
      </p>
      ${this.state?.prfAvailable
        ? html`<p class="hint">Your passkey can unlock the vault too, so you will not need the PIN every time.</p>`
        : html`<p class="hint">This passkey cannot unlock the vault by itself, so you will use this PIN to open it.</p>`}
      <form novalidate @submit=${this._onSubmit}>
        <fieldset ?disabled=${pending}>
          <legend class="visually-hidden">New PIN</legend>
          ${renderNewPinFields({ draft: this._draft, disabled: pending, onChange: this._onDraftChange, id: 'pin', noun: 'PIN' })}
          <div class="actions stacked">
            <button class="primary" type="submit" data-test="save-pin">Secure my vault</button>
          </div>
        </fieldset>
        <div class="msg" role="status" data-test="pin-progress">${pending
          ? html`<p class="progress"><span class="spinner" aria-hidden="true"></span>Securing your vault… this takes a moment.</p>`
          : nothing}</div>
        <p class="error msg" role="alert" data-test="pin-error">${failure ? describeFailure(failure) : nothing}</p>
      </form>
    `;
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }

  private readonly _onDraftChange = (patch: Partial<NewPinDraft>): void => {
    this._draft = { ...this._draft, ...patch };
    if (this.#choose.status === 'failed') this.#choose.reset();
  };

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#choose.pending) return;
    this._draft = { ...this._draft, submitted: true };
    const feedback = newPinFeedback(this._draft);
    if (!feedback.ready) {
      const field = feedback.verdict.ok ? '#pin-confirm' : '#pin';
      this.renderRoot.querySelector<HTMLInputElement>(field)?.focus();
      return;
    }
    const { pin, confirm } = this._draft;
    await this.#choose.run((signal, onProgress) => vault.onboarding.choosePin(pin, confirm, onProgress, signal));
    // On success the controller moves to 'unlocked' and this screen goes away with the PIN.
  }
}

customElements.define('kh-pin-setup', KhPinSetup);

declare global {
  interface HTMLElementTagNameMap {
    'kh-pin-setup': KhPinSetup;
  }
}
