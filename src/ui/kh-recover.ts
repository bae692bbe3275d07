import { LitElement, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { USERNAME_PATTERN } from '../../protocol/constants';
import { describeFailure } from './failure-messages';
import { EMPTY_PIN_DRAFT, newPinFeedback, renderNewPinFields, type NewPinDraft } from './new-pin-fields';
import { sharedStyles } from './shared-styles';
import type { Vault } from '../vault';
import type { UiFailure } from './failure-messages';
import { VaultTask } from './vault-task';

type Step = 'username' | 'route' | 'pin' | 'totp' | 'passkey' | 'kit' | 'device';
export type RecoveryRoute = 'pin' | 'passkey' | 'totp' | 'kit' | 'device';

const NO_PRF = 'This passkey can sign you in but cannot open the vault on this device. Use your PIN or an authenticator app code.';
const OFFLINE = 'Recovering a vault needs the Keyhold server, which cannot be reached now. Check your connection and try again.';
/**
 * PIN recovery the server holds but the account log does not name. A registration now commits with
 * its entry; one made before that, whose device was closed or offline before it signed, is what a
 * person meets here, and that device's next online PIN unlock registers and signs again (vault.ts).
 */
const PIN_UNSIGNED =
  'PIN recovery for this account is not finished: your account’s signed history does not list it yet, so the server refused it. Unlock Keyhold with your PIN on the device where you set it up, while online, then try again here. If you did not set up PIN recovery, tell whoever runs your Keyhold server.';

function failureText(failure: UiFailure, route?: 'pin'): string {
  const message = describeFailure(failure, { offline: OFFLINE, prf_unavailable: NO_PRF, ...(route === 'pin' && { credential_unbound: PIN_UNSIGNED }) });
  if (failure.code !== 'recovery_pin_wrong' || failure.guessesLeft === undefined) return message;
  return `${message} ${failure.guessesLeft === 1 ? '1 guess left' : `${failure.guessesLeft} guesses left`} before PIN recovery locks.`;
}

/**
 * "I already have a vault" on a device with none: the username, then a recovery route, then that
 * route's proof. The PIN route spends one of the server's guesses per try and says how many are
 * left; the recovery kit's route lives in kh-recover-kit, approval from another device in
 * kh-recover-approval. On success the controller unlocks this
 * device's new copy of the vault.
 *
 * @fires cancel - the user went back to creating a vault
 */
export class KhRecover extends LitElement {
  static override properties = {
    vault: { attribute: false },
    online: { type: Boolean },
    _step: { state: true },
    _username: { state: true },
    _pin: { state: true },
    _samePin: { state: true },
    _draft: { state: true },
    _code: { state: true },
    _routeMissing: { state: true },
  };

  static override styles = [sharedStyles];

  declare vault: Vault | undefined;
  declare online: boolean;
  declare private _step: Step;
  declare private _username: string;
  declare private _pin: string;
  declare private _samePin: boolean;
  /** This device's new PIN, typed twice, with the PIN policy's rules shown as it is typed. */
  declare private _draft: NewPinDraft;
  declare private _code: string;
  /** The chosen route's chunk (kit, another device) failed to load (an update replaced it). */
  declare private _routeMissing: boolean;
  readonly #recover = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.online = true;
    this._step = 'username';
    this._username = '';
    this._pin = '';
    this._samePin = true;
    this._draft = EMPTY_PIN_DRAFT;
    this._code = '';
    this._routeMissing = false;
  }

  protected override render(): unknown {
    return html`
      <h2 tabindex="-1">Recover your vault</h2>
      ${this.online
        ? nothing
        : html`<p class="card notice" role="status" data-test="recover-offline">${OFFLINE}</p>`}
      ${this._step === 'username'
        ? this.#usernameStep()
        : this._step === 'route'
          ? this.#routeStep()
          : this._step === 'pin'
            ? this.#pinStep()
            : this._step === 'totp'
              ? this.#totpStep()
              : this._step === 'kit'
                ? this.#lazyRoute(html`<kh-recover-kit .vault=${this.vault} .online=${this.online} .username=${this._username}></kh-recover-kit>`)
                : this._step === 'device'
                  ? this.#lazyRoute(html`<kh-recover-approval .vault=${this.vault} .online=${this.online} .username=${this._username}></kh-recover-approval>`)
                  : this.#passkeyStep()}
      <div class="actions stacked">
        <button type="button" data-test="recover-cancel" @click=${this._onCancel}>Create a new vault instead</button>
      </div>
    `;
  }

  #usernameStep() {
    const valid = USERNAME_PATTERN.test(this._username);
    return html`<form novalidate @submit=${this._onUsername}>
      <div class="field">
        <label for="recover-username">Username</label>
        <input id="recover-username" data-test="recover-username" autocomplete="username" autocapitalize="none" spellcheck="false"
          required .value=${live(this._username)} @input=${(e: InputEvent) => (this._username = (e.target as HTMLInputElement).value.trim().toLowerCase())} />
      </div>
      <div class="actions stacked">
        <button class="primary" type="submit" data-test="recover-next" ?disabled=${!valid}>Continue</button>
      </div>
    </form>`;
  }

  #routeStep() {
    return html`<p>How do you want to open <strong>${this._username}</strong>’s vault on this device?</p>
      <div class="actions stacked">
        <button class="primary" type="button" data-test="route-pin" @click=${() => this.#go('pin')}>With my PIN</button>
        <button type="button" data-test="route-totp" @click=${() => this.#go('totp')}>With an authenticator app code</button>
        <button type="button" data-test="route-passkey" @click=${() => this.#go('passkey')}>With a passkey</button>
        <button type="button" data-test="route-kit" @click=${() => this.#go('kit')}>With my recovery kit</button>
        <button type="button" data-test="route-device" @click=${() => this.#go('device')}>With another device I have</button>
      </div>`;
  }

  #pinStep() {
    const failure = this.#recover.failure;
    // Spent allowance: every further try answers 423 until another route succeeds, so offer those.
    const locked = failure?.code === 'recovery_pin_locked';
    const pending = this.#recover.pending;
    const disabled = pending || locked;
    return html`<form novalidate @submit=${this._onPin}>
      <p class="hint">Each wrong PIN uses one of a limited number of guesses; when they run out, PIN recovery locks.</p>
      <div class="field">
        <label for="recover-pin">Your vault PIN</label>
        <input id="recover-pin" data-test="recover-pin" type="password" inputmode="numeric" autocomplete="one-time-code" required
          aria-describedby="recover-error" .value=${live(this._pin)} ?disabled=${disabled}
          @input=${(e: InputEvent) => (this._pin = (e.target as HTMLInputElement).value)} />
      </div>
      <label class="check">
        <input type="checkbox" data-test="recover-same-pin" .checked=${this._samePin} ?disabled=${disabled}
          @change=${(e: Event) => (this._samePin = (e.target as HTMLInputElement).checked)} />
        Use the same PIN on this device
      </label>
      ${this._samePin ? nothing : this.#newPinFields(disabled)}
      <div class="actions stacked">
        <button class="primary" type="submit" data-test="recover-submit" ?disabled=${disabled || this._pin === '' || !this.online}>
          ${pending ? 'Recovering…' : 'Recover vault'}
        </button>
      </div>
      <p id="recover-error" class="error msg" role="alert" data-test="recover-error">
        ${failure ? failureText(failure, 'pin') : nothing}
      </p>
      ${locked
        ? html`<div class="actions stacked" data-test="recover-other-routes">
            <button class="primary" type="button" data-test="locked-route-totp" @click=${() => this.#go('totp')}>Use an authenticator app code</button>
            <button type="button" data-test="locked-route-passkey" @click=${() => this.#go('passkey')}>Use a passkey</button>
            <button type="button" data-test="locked-route-kit" @click=${() => this.#go('kit')}>Use my recovery kit</button>
          </div>`
        : nothing}
    </form>`;
  }

  #totpStep() {
    const failure = this.#recover.failure;
    const pending = this.#recover.pending;
    return html`<form novalidate @submit=${this._onTotp}>
      <p class="hint">After a recovery with an authenticator app you choose a new PIN for your vault.</p>
      ${this.#newPinFields(pending)}
      <div class="field">
        <label for="recover-code">Code from your authenticator app</label>
        <input id="recover-code" data-test="recover-code" inputmode="numeric" autocomplete="one-time-code" required
          aria-describedby="recover-error" .value=${live(this._code)} ?disabled=${pending}
          @input=${(e: InputEvent) => (this._code = (e.target as HTMLInputElement).value)} />
      </div>
      <div class="actions stacked">
        <button class="primary" type="submit" data-test="recover-submit" ?disabled=${pending || this._code === '' || !this.online}>
          ${pending ? 'Recovering…' : 'Recover vault'}
        </button>
      </div>
      <p id="recover-error" class="error msg" role="alert" data-test="recover-error">${failure ? failureText(failure) : nothing}</p>
    </form>`;
  }

  #passkeyStep() {
    const failure = this.#recover.failure;
    const pending = this.#recover.pending;
    return html`<form novalidate @submit=${this._onPasskey}>
      <p class="hint">
        Your passkey opens the vault only if it supports the PRF extension; otherwise use your PIN or an authenticator
        app code. Choose a PIN for your vault first.
      </p>
      ${this.#newPinFields(pending)}
      <div class="actions stacked">
        <button class="primary" type="submit" data-test="recover-submit" ?disabled=${pending || !this.online}>
          ${pending ? 'Waiting for your passkey…' : 'Sign in with passkey'}
        </button>
      </div>
      <p id="recover-error" class="error msg" role="alert" data-test="recover-error">${failure ? failureText(failure) : nothing}</p>
    </form>`;
  }

  #newPinFields(pending: boolean) {
    return renderNewPinFields({ draft: this._draft, disabled: pending, onChange: this._onDraftChange, id: 'recover-new-pin', noun: 'New PIN for this device' });
  }

  private readonly _onDraftChange = (patch: Partial<NewPinDraft>): void => {
    this._draft = { ...this._draft, ...patch };
  };

  /**
   * Marks the new PIN as submitted; when the policy refuses it or the entries differ, focuses the
   * field to fix and returns false, before a recovery guess or a one-time code is spent.
   */
  async #newPinReady(): Promise<boolean> {
    this._draft = { ...this._draft, submitted: true };
    const feedback = newPinFeedback(this._draft);
    if (feedback.ready) return true;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>(feedback.verdict.ok ? '#recover-new-pin-confirm' : '#recover-new-pin')?.focus();
    return false;
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }

  #go(step: Step): void {
    this._step = step;
    this.#recover.reset();
    // The kit's route (its word list, the QR reader) and the approval route are chunks of their
    // own: most recoveries never need them.
    const chunk = step === 'kit' ? import('./kh-recover-kit') : step === 'device' ? import('./kh-recover-approval') : undefined;
    this._routeMissing = false;
    chunk?.catch(() => (this._routeMissing = true));
  }

  #lazyRoute(route: unknown): unknown {
    return this._routeMissing
      ? html`<p class="error" role="alert">This part of Keyhold did not load. Reloading the page fixes this after an update.</p>`
      : route;
  }

  private _onUsername(event: SubmitEvent): void {
    event.preventDefault();
    if (USERNAME_PATTERN.test(this._username)) this.#go('route');
  }

  private async _onPin(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#recover.pending || this._pin === '') return;
    if (!this._samePin && !(await this.#newPinReady())) return;
    const { _username: username, _pin: pin } = this;
    const newPin = this._samePin ? undefined : this._draft.pin;
    await this.#recover.run((signal, onProgress) => vault.recovery.withPin(username, pin, { newPin, onProgress, signal }));
  }

  private async _onTotp(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#recover.pending || this._code === '' || !(await this.#newPinReady())) return;
    const { _username: username, _code: code } = this;
    const { pin: newPin, confirm } = this._draft;
    await this.#recover.run((signal, onProgress) => vault.recovery.withTotp(username, code, newPin, confirm, { onProgress, signal }));
  }

  private async _onPasskey(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#recover.pending || !(await this.#newPinReady())) return;
    const { _username: username } = this;
    const { pin: newPin, confirm } = this._draft;
    await this.#recover.run((signal, onProgress) => vault.recovery.withPasskey(username, newPin, confirm, { onProgress, signal }));
  }

  private _onCancel(): void {
    this.dispatchEvent(new Event('cancel'));
  }
}

customElements.define('kh-recover', KhRecover);

declare global {
  interface HTMLElementTagNameMap {
    'kh-recover': KhRecover;
  }
}
