import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { DeleteAccountStep, Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { OnlineController } from './online-controller';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

const STEP_TEXT: Record<DeleteAccountStep, string> = {
  passkey: 'Use your passkey when asked…',
  server: 'Deleting your account on the server…',
  device: 'Erasing this device’s data…',
};

/**
 * Settings → Data → "Delete your account", the danger card: what goes (everything, here and on
 * the server), that nothing brings it back, and to export first; then the username typed to
 * confirm, a passkey sign-in, and progress (`vault.account.deleteAccount`). When it is done the
 * vault's state is 'welcome' and the welcome screen says the account was deleted; a failure
 * before the server erased anything says that nothing was deleted.
 */
export class KhDeleteAccount extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _typed: { state: true },
    _step: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        border-left: 4px solid var(--kh-error);
        padding-left: 0.75rem;
      }
      ul {
        margin: 0.5rem 0;
        padding-left: 1.25rem;
      }
      li + li {
        margin-top: 0.375rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _typed: string;
  declare private _step: DeleteAccountStep | undefined;
  readonly #online = new OnlineController(this);
  readonly #delete = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._typed = '';
    this._step = undefined;
  }

  protected override render(): unknown {
    const pending = this.#delete.pending;
    const failure = this.#delete.failure;
    const state = this.vault?.state;
    const username = state?.kind === 'unlocked' ? state.username : '';
    return html`
      <h3 id="delete-heading">Delete your account</h3>
      <p>This deletes, for good:</p>
      <ul>
        <li>your account on the Keyhold server: every item, device, passkey registration, recovery route and activity entry;</li>
        <li>everything Keyhold keeps in this browser: the vault, its settings and the app’s offline copy.</li>
      </ul>
      <p>
        <strong>Nothing can bring it back</strong>, not even your recovery routes. Export your items first if you want to keep
        them. Other devices keep their copy until you erase it there; they can no longer sync. The server keeps one entry saying
        that an account was deleted, without your username.
      </p>
      ${this.#online.value
        ? nothing
        : html`<p class="hint" role="status">Deleting your account needs the Keyhold server. Connect to the internet first.</p>`}
      <form novalidate @submit=${this._onSubmit} aria-labelledby="delete-heading">
        <fieldset ?disabled=${pending || !this.#online.value}>
          <legend class="visually-hidden">Confirm with your username</legend>
          <div class="field">
            <label for="delete-username">Type your username, ${username}, to confirm</label>
            <input id="delete-username" name="delete-username" autocomplete="off" autocapitalize="none" spellcheck="false"
              required aria-describedby="delete-error" aria-invalid=${failure?.code === 'username_mismatch' ? 'true' : 'false'}
              .value=${live(this._typed)} @input=${this._onInput} />
          </div>
          <div class="actions">
            <button type="submit" class="danger confirm">Delete my account</button>
          </div>
        </fieldset>
        <div class="msg" role="status">${pending && this._step
          ? html`<p class="progress"><span class="spinner" aria-hidden="true"></span>${STEP_TEXT[this._step]}</p>`
          : nothing}</div>
        <p id="delete-error" class="error msg" role="alert">${failure
          ? describeFailure(failure, {
              passkey_cancelled: 'No passkey was used, so nothing was deleted. Try again when you are ready.',
              passkey_failed: 'The passkey sign-in did not work, so nothing was deleted. Try again.',
              offline: 'Keyhold cannot reach its server, so nothing was deleted. Check your connection and try again.',
              server_error: 'The server had a problem, so nothing was deleted. Try again in a moment.',
            })
          : nothing}</p>
      </form>
    `;
  }

  private _onInput(event: InputEvent): void {
    this._typed = (event.target as HTMLInputElement).value;
    if (this.#delete.failure?.code === 'username_mismatch') this.#delete.reset();
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#delete.pending) return;
    if (this._typed.trim() === '') {
      this.renderRoot.querySelector<HTMLInputElement>('#delete-username')?.focus();
      return;
    }
    const typed = this._typed;
    await this.#delete.run((signal) => vault.account.deleteAccount(typed, signal, (step) => (this._step = step)));
    this._step = undefined;
    // Done (or the wipe left something): the welcome screen replaces this one and says so.
    if (this.#delete.status === 'failed' && this.#delete.failure?.code === 'username_mismatch') {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>('#delete-username')?.focus();
    }
  }
}

customElements.define('kh-delete-account', KhDeleteAccount);

declare global {
  interface HTMLElementTagNameMap {
    'kh-delete-account': KhDeleteAccount;
  }
}
