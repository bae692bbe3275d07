import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { PasskeyInfo, Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** Said when a passkey's authenticator cannot give what opening the vault takes (PRF). */
export const CANNOT_UNLOCK = 'This passkey signs you in, but its authenticator cannot open the vault. Your PIN still does.';

/**
 * "Add a passkey": a name, then the browser's passkey prompt (`vault.passkeys.add`). Where this
 * device's session may not add one, the vault first asks for an existing passkey, which may be on
 * another phone or a security key. Says whether the new passkey can open the vault. Used under
 * Passkeys, and under Recovery on a device that has no passkey yet.
 *
 * @fires kh-passkey-added - The passkey exists (bubbles, composed; `detail`: it).
 */
export class KhAddPasskey extends LitElement {
  static override properties = {
    vault: { attribute: false },
    /** Disables the form while the host runs another change. */
    busy: { type: Boolean },
    _name: { state: true },
    _nameError: { state: true },
    _added: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      form {
        margin-top: 0;
      }
      h4 {
        margin: 0;
        font-size: 1.0625rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare busy: boolean;
  declare private _name: string;
  declare private _nameError: boolean;
  declare private _added: PasskeyInfo | undefined;
  readonly #add = new VaultTask<PasskeyInfo>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.busy = false;
    this._name = '';
    this._nameError = false;
    this._added = undefined;
  }

  get pending(): boolean {
    return this.#add.pending;
  }

  /** Scrolls to the name field and focuses it. */
  async focusName(): Promise<void> {
    await this.updateComplete;
    const input = this.renderRoot.querySelector<HTMLInputElement>('#new-passkey-name');
    input?.scrollIntoView({ block: 'center' });
    input?.focus({ preventScroll: true });
  }

  protected override render(): unknown {
    const pending = this.#add.pending;
    const disabled = pending || this.busy;
    const nameError = this._nameError;
    const added = this._added;
    return html`<form novalidate @submit=${this._onSubmit} aria-labelledby="add-passkey-heading">
      <h4 id="add-passkey-heading">Add a passkey</h4>
      <div class="field">
        <label for="new-passkey-name">Name for the new passkey</label>
        <input id="new-passkey-name" name="passkey-name" autocomplete="off" maxlength="64" required placeholder="e.g. Security key"
          aria-describedby="new-passkey-hint" aria-invalid=${nameError ? 'true' : 'false'} .value=${live(this._name)}
          ?disabled=${disabled} @input=${this._onInput} />
        <p id="new-passkey-hint" class=${nameError ? 'error' : 'hint'}>
          ${nameError ? 'Give it a name you will recognise.' : 'Your browser then asks which authenticator to use.'}
        </p>
      </div>
      <div class="actions">
        <button type="submit" class="primary" ?disabled=${disabled}>${pending ? 'Waiting for your passkey…' : 'Add a passkey'}</button>
      </div>
      <p role="status" class="ok msg">
        ${added ? `“${added.name}” was added. ${added.canUnlock ? 'It can open your vault too.' : CANNOT_UNLOCK}` : nothing}
      </p>
      <p role="alert" class="error msg">${this.#add.failure ? describeFailure(this.#add.failure) : nothing}</p>
    </form>`;
  }

  private _onInput(event: InputEvent): void {
    this._name = (event.target as HTMLInputElement).value;
    this._nameError = false;
    this.#add.reset();
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    const name = this._name.trim();
    if (!vault || this.#add.pending || this.busy) return;
    this._added = undefined;
    if (name === '') {
      this._nameError = true;
      await this.focusName();
      return;
    }
    const added = await this.#add.run((signal) => vault.passkeys.add(name, signal));
    if (!added) return;
    this._name = '';
    this._added = added;
    this.dispatchEvent(new CustomEvent<PasskeyInfo>('kh-passkey-added', { detail: added, bubbles: true, composed: true }));
  }
}

customElements.define('kh-add-passkey', KhAddPasskey);

declare global {
  interface HTMLElementTagNameMap {
    'kh-add-passkey': KhAddPasskey;
  }
}
