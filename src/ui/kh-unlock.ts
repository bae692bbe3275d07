import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { PIN_THROTTLE_MAX_DELAY_MS } from '../../protocol/constants';
import type { LockReason, StateOf, Vault } from '../vault';
import { CountdownController, formatWait } from './countdown-controller';
import { sharedStyles } from './shared-styles';
import { TIMING_MARKS, markTime } from './timing-marks';
import type { UiFailure } from './ui-failure';
import { VaultTask, type DerivePhase } from './vault-task';

type FailureMessages = typeof import('./failure-messages');

/** The wording of failures loads with the first one: a lock screen that opens at once never needs it. */
let failureMessages: FailureMessages | undefined;

const LOCK_REASONS: Record<LockReason, string> = {
  button: 'You locked the vault.',
  idle: 'Locked after a while without use.',
  hidden: 'Locked while Keyhold was in the background.',
  'pin-changed': 'Your PIN has changed. Unlock with the new one.',
};

const PHASES: Record<DerivePhase, string> = {
  deriving: 'Checking your PIN… this takes a moment.',
  unwrapping: 'Opening your vault…',
  done: 'Opening your vault…',
};

/**
 * The locked vault: PIN (or passphrase) entry and, when the passkey can unlock on this device,
 * "Unlock with passkey". Says why the vault locked, counts wrong PINs, and after too many shows a
 * countdown to the throttle's `retryAt` (from persisted state, so it survives a reload). Below
 * the form, the items the user chose to show on this device without PIN (kh-quick-items).
 * "Forgot your PIN?" opens kh-forgot-pin: a new PIN from the recovery kit, offline.
 */
export class KhUnlock extends LitElement {
  static override properties = {
    vault: { attribute: false },
    state: { attribute: false },
    _pin: { state: true },
    _passphrase: { state: true },
    _forgot: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      #pin {
        font-size: 1.25rem;
        letter-spacing: 0.15em;
      }
      .or {
        margin: 0;
        text-align: center;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare state: StateOf<'locked'> | undefined;
  declare private _pin: string;
  declare private _passphrase: boolean;
  /** True while firstUpdated focuses the field itself: only the person's own attention warms the unlock. */
  #autofocusing = false;
  /** "Forgot your PIN?" was chosen: the recovery kit's screen (a chunk of its own) replaces the PIN entry. */
  declare private _forgot: 'loading' | 'shown' | 'failed' | undefined;
  readonly #unlock = new VaultTask<void>(this);
  readonly #countdown = new CountdownController(this);

  constructor() {
    super();
    this.vault = undefined;
    this.state = undefined;
    this._pin = '';
    this._passphrase = false;
    this._forgot = undefined;
  }

  protected override willUpdate(): void {
    // The later of the persisted throttle and the wait a failure just reported, but never past the
    // longest wait: the vault clamps a retry time from a clock set back, and so does the countdown.
    const deadlines = [this.state?.throttle.retryAt, this.#unlock.failure?.retryAt].filter((at): at is number => typeof at === 'number');
    const deadline = deadlines.length === 0 ? null : Math.min(Math.max(...deadlines), Date.now() + PIN_THROTTLE_MAX_DELAY_MS);
    this.#countdown.countTo(deadline);
  }

  protected override render(): unknown {
    const state = this.state;
    const pending = this.#unlock.pending;
    const waiting = this.#countdown.running;
    const failures = state?.throttle.failures ?? 0;
    if (this._forgot === 'shown') {
      return html`<h2>Unlock</h2>
        <kh-forgot-pin .vault=${this.vault} @cancel=${this._onForgotCancel}></kh-forgot-pin>`;
    }
    return html`
      <h2>Unlock</h2>
      ${state ? html`<p>Vault of <strong>${state.username}</strong></p>` : nothing}
      ${state?.lockedBecause ? html`<p class="hint" data-test="lock-reason">${LOCK_REASONS[state.lockedBecause]}</p>` : nothing}
      <kh-locked-sync .vault=${this.vault}></kh-locked-sync>
      <form novalidate @submit=${this._onSubmit}>
        <div class="field">
          <label for="pin">${this._passphrase ? 'Passphrase' : 'PIN'}</label>
          <input
            id="pin"
            name="pin"
            data-test="pin"
            type="password"
            inputmode=${this._passphrase ? 'text' : 'numeric'}
            autocomplete="one-time-code"
            autocapitalize="off"
            spellcheck="false"
            enterkeyhint="go"
            required
            aria-describedby="unlock-error unlock-wait"
            aria-invalid=${this.#unlock.failure?.code === 'wrong_pin' ? 'true' : 'false'}
            .value=${live(this._pin)}
            ?disabled=${pending}
            @input=${this._onPinInput}
            @focus=${this._onPinFocus}
            @pointerdown=${this._onPinAttention}
            @keydown=${this._onPinAttention}
          />
          <div class="msg" role="alert" id="unlock-error" data-test="unlock-error">${this.#renderFailure(failures, waiting)}</div>
          <p id="unlock-wait" class="hint msg" data-test="unlock-wait">${waiting ? this.#renderWaitUntil() : nothing}</p>
          <label class="check">
            <input type="checkbox" data-test="unlock-passphrase" .checked=${this._passphrase} @change=${this._onPassphraseToggle} />
            I use a passphrase
          </label>
        </div>
        <div class="actions stacked">
          <button class="primary" type="submit" data-test="unlock" ?disabled=${pending || waiting}>
            ${waiting ? html`Try again in <span data-test="countdown">${formatWait(this.#countdown.secondsLeft)}</span>` : 'Unlock'}
          </button>
          ${state?.prfUnlock
            ? html`<p class="or hint">or</p>
                <button type="button" data-test="unlock-passkey" ?disabled=${pending} @click=${this._onPasskey}>
                  Unlock with passkey
                </button>`
            : nothing}
          <button type="button" data-test="forgot-pin" ?disabled=${pending || this._forgot === 'loading'} @click=${this._onForgot}>
            Forgot your PIN?
          </button>
        </div>
        ${this._forgot === 'failed'
          ? html`<p class="error" role="alert">This part of Keyhold did not load. Reloading the page fixes this after an update.</p>`
          : nothing}
        <div class="msg" role="status" data-test="unlock-progress">${pending
          ? html`<p class="progress"><span class="spinner" aria-hidden="true"></span>${PHASES[this.#unlock.phase ?? 'deriving']}</p>`
          : nothing}</div>
      </form>
      <kh-quick-items .vault=${this.vault}></kh-quick-items>
    `;
  }


  #renderFailure(failures: number, waiting: boolean): unknown {
    // After a reload there is no failure object, but the persisted throttle still explains the wait.
    const failure = this.#unlock.failure ?? (waiting ? { code: 'throttled' as const } : undefined);
    if (!failure && failures === 0) return nothing;
    return html`${failure ? html`<p class="error">${this.#describe(failure)}</p>` : nothing}${failures > 0
      ? html`<p class="hint" data-test="failure-count">${this.#failureCount(failures)}</p>`
      : nothing}`;
  }

  /** The failure's wording, or nothing for the moment it takes to load (the screen updates then). */
  #describe(failure: UiFailure): string {
    if (failureMessages) return failureMessages.describeFailure(failure);
    void import('./failure-messages').then((loaded) => {
      failureMessages = loaded;
      this.requestUpdate();
    });
    return '';
  }

  #failureCount(failures: number): string {
    const attempts = failures === 1 ? '1 wrong attempt' : `${failures} wrong attempts`;
    return `${attempts} since the last unlock. After several, each new attempt has to wait longer.`;
  }

  /** Said once, as a clock time: a screen reader should not announce every tick of the countdown. */
  #renderWaitUntil(): string {
    const at = new Date(this.#countdown.deadline ?? Date.now());
    return `You can try again at ${at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}.`;
  }

  protected override firstUpdated(): void {
    this.#autofocusing = true;
    this.renderRoot.querySelector<HTMLInputElement>('#pin')?.focus({ preventScroll: true });
    this.#autofocusing = false;
    markTime(TIMING_MARKS.pinReady);
    void import('./kh-locked-sync');
    // <kh-quick-items> is a chunk of its own, fetched only on devices where the user chose items
    // to show without the PIN (off by default): the lock screen is the first screen of every start.
    void this.vault
      ?.quickView.count()
      .then((count) => (count > 0 ? import('./kh-quick-items') : undefined))
      .catch(() => {});
  }

  private _onPinInput(event: InputEvent): void {
    this._pin = (event.target as HTMLInputElement).value;
    this.#prepareUnlock();
  }

  private _onPinFocus(): void {
    if (!this.#autofocusing) this.#prepareUnlock();
  }

  private _onPinAttention(): void {
    this.#prepareUnlock();
  }

  /**
   * The person is about to type a PIN: the Argon2 worker starts and the unlocked vault's code loads
   * meanwhile (docs/architecture.md "The unlock path"). Not on the autofocus of a lock screen that
   * may only be glanced at: that would start a 64 MiB worker on every start of the app.
   */
  #prepareUnlock(): void {
    this.vault?.prepareUnlock();
    void import('./kh-vault').catch(() => {}); // kh-app shows its own failure if the chunk is missing
  }

  private _onPassphraseToggle(event: Event): void {
    this._passphrase = (event.target as HTMLInputElement).checked;
    this.renderRoot.querySelector<HTMLInputElement>('#pin')?.focus();
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    const pin = this._pin;
    if (!vault || this.#unlock.pending || this.#countdown.running || pin === '') return;
    markTime(TIMING_MARKS.unlockSubmitted);
    await this.#unlock.run((signal, onProgress) =>
      vault.unlockWithPin(
        pin,
        (phase) => {
          if (phase === 'unwrapping') markTime(TIMING_MARKS.unlockDerived);
          onProgress(phase);
        },
        signal,
      ),
    );
    if (this.#unlock.status !== 'failed') return;
    // A wrong PIN is cleared so the next attempt starts fresh.
    this._pin = '';
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('#pin')?.focus();
  }

  private async _onForgot(): Promise<void> {
    this._forgot = 'loading';
    try {
      await import('./kh-forgot-pin');
      this._forgot = 'shown';
    } catch {
      this._forgot = 'failed';
    }
  }

  private async _onForgotCancel(): Promise<void> {
    this._forgot = undefined;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('#pin')?.focus();
  }

  private async _onPasskey(): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#unlock.pending) return;
    await this.#unlock.run((signal) => vault.unlockWithPasskey(signal));
  }
}

customElements.define('kh-unlock', KhUnlock);

declare global {
  interface HTMLElementTagNameMap {
    'kh-unlock': KhUnlock;
  }
}
