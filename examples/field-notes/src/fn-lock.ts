import { LitElement, html } from 'lit';
import type { Vault } from 'keyhold-sdk';
import { failureMessage } from './messages';
import { sharedStyles } from './shared-styles';

/** The lock screen: this device's PIN opens the notes, with no network (Argon2id on the device). */
export class FnLock extends LitElement {
  static override styles = sharedStyles;
  static override properties = { vault: { attribute: false }, _pin: { state: true }, _busy: { state: true }, _error: { state: true } };

  declare vault: Vault | undefined;
  declare private _pin: string;
  declare private _busy: boolean;
  declare private _error: string;

  constructor() {
    super();
    this.vault = undefined;
    this._pin = '';
    this._busy = false;
    this._error = '';
  }

  override render() {
    const state = this.vault?.state;
    const username = state?.kind === 'locked' ? state.username : '';
    return html`<main>
      <h1>Field notes</h1>
      <p>Locked. Signed in as <strong>${username}</strong>.</p>
      <form @submit=${this._onUnlock}>
        <label
          >Your Field notes PIN
          <input type="password" inputmode="numeric" autocomplete="current-password" required .value=${this._pin} @input=${this._onPinInput} @focus=${this._onFocus}
        /></label>
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
        <button type="submit" ?disabled=${this._busy}>${this._busy ? 'Unlocking…' : 'Unlock'}</button>
      </form>
    </main>`;
  }

  private _onFocus(): void {
    this.vault?.prepareUnlock();
  }

  private _onPinInput(event: InputEvent): void {
    this._pin = (event.target as HTMLInputElement).value;
  }

  private async _onUnlock(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (!this.vault || this._busy) return;
    this._busy = true;
    this._error = '';
    try {
      await this.vault.unlockWithPin(this._pin);
    } catch (error) {
      this._error = failureMessage(error);
    } finally {
      this._busy = false;
      this._pin = '';
    }
  }
}

customElements.define('fn-lock', FnLock);

declare global {
  interface HTMLElementTagNameMap {
    'fn-lock': FnLock;
  }
}
