import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { live } from 'lit/directives/live.js';
import { toDataURL } from 'qrcode';
import type { TotpEnrollment, Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { OnlineController } from './online-controller';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * Settings → "Authenticator app": enrols a TOTP app as a recovery route for a forgotten PIN.
 * The QR code is an `<img>` with a data: URL (the CSP allows `img-src data:`), the secret is also
 * shown as text, and the screen says plainly that this route trusts the key server's operator.
 * Online only: offline the section says so. `enrolled` (from the Recovery list beside it) says
 * whether the route is set up already: then this says so instead of offering to set it up.
 *
 * @fires kh-totp-enrolled - The server confirmed the enrolment (bubbles, composed): the route is
 *   active now, so whatever shows the recovery routes (kh-settings → kh-recovery-settings) reloads.
 */
export class KhTotpSetup extends LitElement {
  static override properties = {
    vault: { attribute: false },
    enrolled: { attribute: false },
    _enrollment: { state: true },
    _qr: { state: true },
    _code: { state: true },
    _done: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      img {
        display: block;
        width: 12rem;
        height: 12rem;
        margin: 0.5rem 0;
        image-rendering: pixelated;
      }
      code {
        word-break: break-all;
      }
      .actions {
        margin-top: 0.75rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  /** Whether the server holds this route: undefined while that is being read, null when it could not be. */
  declare enrolled: boolean | null | undefined;
  declare private _enrollment: TotpEnrollment | undefined;
  declare private _qr: string | undefined;
  declare private _code: string;
  declare private _done: boolean;
  readonly #online = new OnlineController(this);
  readonly #start = new VaultTask<void>(this);
  readonly #finish = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.enrolled = undefined;
    this._enrollment = undefined;
    this._qr = undefined;
    this._code = '';
    this._done = false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Turned off in the list beside this: enrolment is on offer again.
    if (changed.has('enrolled') && this.enrolled === false && this._done) this.reset();
  }

  /** Back to the start: offers enrolment again. */
  reset(): void {
    this._done = false;
    this._enrollment = undefined;
    this._qr = undefined;
    this._code = '';
  }

  protected override render(): unknown {
    return html`
      <h3>Authenticator app</h3>
      <p class="hint">
        If you forget your PIN, a code from an authenticator app can recover your vault on a new device. The Keyhold server
        keeps the key this needs, so whoever runs the server could open your vault this way: use it only if you trust them.
      </p>
      ${this.#renderBody()}
    `;
  }

  #renderBody(): unknown {
    if (this._done || this.enrolled) {
      return html`<p role="status" data-test="totp-enrolled">Your authenticator app is set up for recovery.</p>
        <p class="hint">To move it to another app, turn authenticator app recovery off above, then set it up again.</p>`;
    }
    if (!this.#online.value) {
      return html`<p class="hint" role="status" data-test="totp-offline">Setting up an authenticator app needs the Keyhold server. Connect to the internet first.</p>`;
    }
    if (this._enrollment) return this.#renderConfirm(this._enrollment);
    if (this.enrolled === undefined) return html`<p role="status" data-test="totp-checking">Checking…</p>`;
    return html`<div class="actions">
        <button type="button" data-test="totp-start" ?disabled=${this.#start.pending} @click=${this._onStart}>Set up an authenticator app</button>
      </div>
      <p class="error msg" role="alert">${this.#start.failure ? describeFailure(this.#start.failure) : nothing}</p>`;
  }

  #renderConfirm(enrollment: TotpEnrollment) {
    const failure = this.#finish.failure;
    return html`
      <p>Scan this code with your authenticator app, or type the secret below into it.</p>
      ${this._qr ? html`<img data-test="totp-qr" src=${this._qr} alt="QR code for your authenticator app" />` : nothing}
      <p>Secret: <code data-test="totp-secret">${enrollment.secret}</code></p>
      <form novalidate @submit=${this._onConfirm}>
        <div class="field">
          <label for="totp-code">The ${enrollment.digits}-digit code the app shows</label>
          <input id="totp-code" data-test="totp-code" inputmode="numeric" autocomplete="one-time-code" required
            aria-describedby="totp-error" .value=${live(this._code)} ?disabled=${this.#finish.pending} @input=${this._onCodeInput} />
        </div>
        <div class="actions">
          <button class="primary" type="submit" data-test="totp-confirm" ?disabled=${this.#finish.pending || this._code === ''}>Confirm</button>
        </div>
        <p id="totp-error" class="error msg" role="alert" data-test="totp-error">${failure ? describeFailure(failure) : nothing}</p>
      </form>
    `;
  }

  private _onCodeInput(event: InputEvent): void {
    this._code = (event.target as HTMLInputElement).value;
  }

  private async _onStart(): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    await this.#start.run(async () => {
      const enrollment = await vault.account.startTotpEnrollment();
      this._qr = await toDataURL(enrollment.otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 192 });
      this._enrollment = enrollment;
    });
  }

  private async _onConfirm(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    const enrollment = this._enrollment;
    if (!vault || !enrollment || this._code === '') return;
    const code = this._code;
    await this.#finish.run(() => vault.account.finishTotpEnrollment(enrollment.enrollmentId, code));
    if (this.#finish.status !== 'done') return;
    this._done = true;
    this._enrollment = undefined;
    this._qr = undefined;
    this.dispatchEvent(new Event('kh-totp-enrolled', { bubbles: true, composed: true }));
  }
}

customElements.define('kh-totp-setup', KhTotpSetup);

declare global {
  interface HTMLElementTagNameMap {
    'kh-totp-setup': KhTotpSetup;
  }
}
