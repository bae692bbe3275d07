import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { USERNAME_PATTERN } from '../../protocol/constants';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import type { AccountDeleted, Vault } from '../vault';
import './kh-account-deleted';
import './kh-recover';
import { VaultTask } from './vault-task';

const OFFLINE = 'Keyhold cannot reach its server, and creating a vault needs it. Check your connection and try again.';

/** Why a typed username cannot be used yet, or null when it can. */
function usernameProblem(username: string): string | null {
  if (username.length < 3 || username.length > 32) return 'Use 3 to 32 characters.';
  if (!USERNAME_PATTERN.test(username)) {
    return 'Use lowercase letters, digits, dot, underscore or hyphen, starting with a letter or digit.';
  }
  return null;
}

/**
 * Onboarding on a device with no vault: choose a username, create a passkey for it
 * (`createAccount`), then the controller moves on to choosing a PIN. Creating an account needs
 * the key server, so offline the screen says so instead of failing.
 */
export class KhWelcome extends LitElement {
  static override properties = {
    vault: { attribute: false },
    online: { type: Boolean },
    accountDeleted: { attribute: false },
    _username: { state: true },
    _submitted: { state: true },
    _recovering: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      .lead {
        font-size: 1.0625rem;
      }
      .notice {
        margin: 1rem 0 0;
        border-left: 4px solid var(--kh-accent, #fbbf24);
      }
    `,
  ];

  declare vault: Vault | undefined;
  /** False when there is no network, or the controller found the server unreachable. */
  declare online: boolean;
  /** Set right after this page deleted the account: the screen says so first. */
  declare accountDeleted: AccountDeleted | undefined;
  declare private _username: string;
  declare private _submitted: boolean;
  /** "I already have a vault": the recovery screen replaces onboarding. */
  declare private _recovering: boolean;
  readonly #create = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.online = true;
    this.accountDeleted = undefined;
    this._username = '';
    this._submitted = false;
    this._recovering = false;
  }

  protected override render(): unknown {
    if (this._recovering) {
      return html`<kh-recover .vault=${this.vault} .online=${this.online} @cancel=${() => (this._recovering = false)}></kh-recover>`;
    }
    const problem = usernameProblem(this._username);
    const showProblem = problem !== null && (this._submitted || this._username.length >= 3);
    const failure = this.#create.failure;
    const pending = this.#create.pending;
    return html`
      ${this.accountDeleted ? html`<kh-account-deleted .vault=${this.vault} .leftovers=${this.accountDeleted.leftovers}></kh-account-deleted>` : nothing}
      <h2 tabindex="-1">Create a vault</h2>
      <p class="lead">Keyhold keeps your keys encrypted on this device and opens them with a PIN you choose next.</p>
      <p class="hint">
        A passkey is a sign-in key that your phone or computer keeps for you, unlocked with your fingerprint, face or
        screen lock, so there is no password to remember or steal.
      </p>
      ${this.online
        ? nothing
        : html`<p class="card notice" role="status" data-test="welcome-offline">
            Creating a vault needs the Keyhold server, which cannot be reached now. Connect to the internet, then create your
            passkey.
          </p>`}
      <form novalidate @submit=${this._onSubmit}>
        <div class="field">
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            data-test="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck="false"
            enterkeyhint="go"
            minlength="3"
            maxlength="32"
            required
            aria-describedby="username-hint username-error"
            aria-invalid=${showProblem ? 'true' : 'false'}
            .value=${live(this._username)}
            ?disabled=${pending}
            @input=${this._onUsernameInput}
          />
          <p id="username-hint" class="hint">3 to 32 characters: a–z, 0–9, dot, underscore or hyphen.</p>
          <p id="username-error" class="error msg" aria-live="polite">${showProblem ? problem : nothing}</p>
        </div>
        <div class="actions stacked">
          <button class="primary" type="submit" data-test="create-passkey" ?disabled=${pending}>
            ${pending ? 'Waiting for your passkey…' : 'Create passkey'}
          </button>
        </div>
        <p class="error msg" role="alert" data-test="welcome-error">${failure ? describeFailure(failure, { offline: OFFLINE }) : nothing}</p>
      </form>
      <div class="actions stacked">
        <button type="button" data-test="have-vault" ?disabled=${pending} @click=${() => (this._recovering = true)}>I already have a vault</button>
      </div>
    `;
  }

  protected override firstUpdated(): void {
    // After a deletion the notice comes first: it says what happened to the screen the person left.
    const notice = this.renderRoot.querySelector('kh-account-deleted');
    if (notice) void notice.updateComplete.then(() => notice.focus());
    else this.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }

  private _onUsernameInput(event: InputEvent): void {
    // Usernames are lowercase: fold what a phone keyboard capitalises instead of refusing it.
    this._username = (event.target as HTMLInputElement).value.trim().toLowerCase();
    if (this.#create.failure?.code === 'username_taken' || this.#create.failure?.code === 'username_invalid') this.#create.reset();
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    this._submitted = true;
    const vault = this.vault;
    if (!vault || this.#create.pending || usernameProblem(this._username) !== null) {
      if (usernameProblem(this._username) !== null) this.renderRoot.querySelector<HTMLInputElement>('#username')?.focus();
      return;
    }
    const username = this._username;
    await this.#create.run((signal) => vault.onboarding.createAccount(username, signal));
  }
}

customElements.define('kh-welcome', KhWelcome);

declare global {
  interface HTMLElementTagNameMap {
    'kh-welcome': KhWelcome;
  }
}
