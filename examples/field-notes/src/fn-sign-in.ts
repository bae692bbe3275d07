import { LitElement, html } from 'lit';
import type { Vault } from 'keyhold-sdk';
import { failureMessage } from './messages';
import { sharedStyles } from './shared-styles';

type Route = 'passkey' | 'pin' | 'code';

/**
 * First start on a device: "sign in with your passkey". The Keyhold account's PRF passkey gives
 * the vault's root secret in one tap (`vault.recovery.withPasskey`); the SDK then makes this app's
 * own device key and wraps the secret under the PIN chosen here. Without a PRF passkey: the
 * account's Keyhold PIN or an authenticator-app code, as Keyhold's own recovery.
 */
export class FnSignIn extends LitElement {
  static override styles = sharedStyles;
  static override properties = {
    vault: { attribute: false },
    _username: { state: true },
    _pin: { state: true },
    _confirm: { state: true },
    _keyholdPin: { state: true },
    _code: { state: true },
    _busy: { state: true },
    _error: { state: true },
    _errorRoute: { state: true },
  };

  declare vault: Vault | undefined;
  declare private _username: string;
  /** This device's PIN for Field notes, typed twice. */
  declare private _pin: string;
  declare private _confirm: string;
  declare private _keyholdPin: string;
  declare private _code: string;
  declare private _busy: Route | null;
  declare private _error: string;
  /** The way in that failed: its alert shows beside its own button, where the person is looking. */
  declare private _errorRoute: Route;

  constructor() {
    super();
    this.vault = undefined;
    this._username = '';
    this._pin = '';
    this._confirm = '';
    this._keyholdPin = '';
    this._code = '';
    this._busy = null;
    this._error = '';
    this._errorRoute = 'passkey';
  }

  override render() {
    const busy = this._busy !== null;
    return html`<main>
      <h1>Field notes</h1>
      <p>Notes with a place, written offline and kept encrypted by your Keyhold account. Sign in once with your passkey; from then on this device opens with its own PIN, offline too.</p>
      <form @submit=${this._onPasskey}>
        <label>Keyhold username <input autocomplete="username webauthn" autocapitalize="none" required .value=${this._username} @input=${this._bind('_username')} /></label>
        <label>Choose a PIN for Field notes <input type="password" inputmode="numeric" autocomplete="new-password" .value=${this._pin} @input=${this._bind('_pin')} /></label>
        <label>Enter that PIN again <input type="password" inputmode="numeric" autocomplete="new-password" .value=${this._confirm} @input=${this._bind('_confirm')} /></label>
        <p class="hint">It can be the PIN you use in Keyhold, or another one: your choice.</p>
        <button type="submit" ?disabled=${busy}>${this._busy === 'passkey' ? 'Signing in…' : 'Sign in with your passkey'}</button>
      </form>
      ${this._alert('passkey')}
      <details>
        <summary>No passkey that opens your vault?</summary>
        <p class="hint">
          Use a way in your Keyhold account has turned on, with the username above. With your Keyhold PIN, leave the Field notes PIN empty to keep the Keyhold PIN on
          this device; a code needs the Field notes PIN chosen above.
        </p>
        <form @submit=${this._onKeyholdPin}>
          <label>Your Keyhold PIN <input type="password" inputmode="numeric" autocomplete="current-password" required .value=${this._keyholdPin} @input=${this._bind('_keyholdPin')} /></label>
          <button type="submit" class="secondary" ?disabled=${busy}>${this._busy === 'pin' ? 'Signing in…' : 'Sign in with my Keyhold PIN'}</button>
        </form>
        ${this._alert('pin')}
        <form @submit=${this._onCode}>
          <label>Code from your authenticator app <input inputmode="numeric" autocomplete="one-time-code" required .value=${this._code} @input=${this._bind('_code')} /></label>
          <button type="submit" class="secondary" ?disabled=${busy}>${this._busy === 'code' ? 'Signing in…' : 'Sign in with a code'}</button>
        </form>
        ${this._alert('code')}
      </details>
    </main>`;
  }

  private _alert(route: Route) {
    return this._error && this._errorRoute === route ? html`<p class="error" role="alert">${this._error}</p>` : '';
  }

  private _bind(field: '_username' | '_pin' | '_confirm' | '_keyholdPin' | '_code') {
    return (event: InputEvent) => (this[field] = (event.target as HTMLInputElement).value);
  }

  private _onPasskey(event: SubmitEvent): void {
    event.preventDefault();
    void this.#run('passkey', (vault, username) => vault.recovery.withPasskey(username, this._pin, this._confirm));
  }

  private _onKeyholdPin(event: SubmitEvent): void {
    event.preventDefault();
    // A Field notes PIN typed above replaces the Keyhold PIN on this device; the SDK checks both entries match.
    const keepKeyholdPin = this._pin === '' && this._confirm === '';
    if (!keepKeyholdPin && this._pin !== this._confirm) {
      this._errorRoute = 'pin';
      this._error = 'The two Field notes PINs are not the same.';
      return;
    }
    void this.#run('pin', (vault, username) => vault.recovery.withPin(username, this._keyholdPin, keepKeyholdPin ? {} : { newPin: this._pin }));
  }

  private _onCode(event: SubmitEvent): void {
    event.preventDefault();
    void this.#run('code', (vault, username) => vault.recovery.withTotp(username, this._code.replace(/\s/g, ''), this._pin, this._confirm));
  }

  async #run(route: Route, signIn: (vault: Vault, username: string) => Promise<void>): Promise<void> {
    const vault = this.vault;
    if (!vault || this._busy) return;
    this._errorRoute = route;
    const username = this._username.trim();
    if (username === '') {
      this._error = 'Enter your Keyhold username first.';
      return;
    }
    this._busy = route;
    this._error = '';
    try {
      await signIn(vault, username);
    } catch (error) {
      this._error = failureMessage(error, route === 'pin' ? 'pin' : undefined);
    } finally {
      this._busy = null;
    }
  }
}

customElements.define('fn-sign-in', FnSignIn);

declare global {
  interface HTMLElementTagNameMap {
    'fn-sign-in': FnSignIn;
  }
}
