import { LitElement, html, nothing } from 'lit';
import type { Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * What a screen shows in place of a failure when the key server wants a passkey sign-in first
 * (`forbidden_scope`: this device's own sign-in may sync, not do this): what is needed, and a
 * button that signs in. A device with no passkey of its own can still use one on another phone or
 * a security key: the browser's prompt offers that.
 *
 * @fires kh-signed-in - The sign-in worked: the host tries its call again.
 */
export class KhPasskeySignin extends LitElement {
  static override properties = {
    vault: { attribute: false },
    /** What needs the sign-in, as the end of "… needs a sign-in with your passkey" ("Activity"). */
    what: { type: String },
  };

  static override styles = [sharedStyles];

  declare vault: Vault | undefined;
  declare what: string;
  readonly #signIn = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.what = 'This';
  }

  protected override render(): unknown {
    const pending = this.#signIn.pending;
    return html`
      <p data-test="needs-passkey-signin">
        ${this.what} needs a sign-in with your passkey. If it is not on this device, your browser can use one on another phone or a
        security key.
      </p>
      <div class="actions">
        <button type="button" class="primary" ?disabled=${pending} @click=${this._onSignIn}>
          ${pending ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
        </button>
      </div>
      <p role="alert" class="error msg">${this.#signIn.failure ? describeFailure(this.#signIn.failure) : nothing}</p>
    `;
  }

  private async _onSignIn(): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#signIn.pending) return;
    await this.#signIn.run((signal) => vault.account.signInWithPasskey(signal));
    if (this.#signIn.status === 'done') this.dispatchEvent(new Event('kh-signed-in'));
  }
}

customElements.define('kh-passkey-signin', KhPasskeySignin);

declare global {
  interface HTMLElementTagNameMap {
    'kh-passkey-signin': KhPasskeySignin;
  }
}
