import { LitElement, css, html, nothing } from 'lit';
import type { Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * On the welcome screen right after this page deleted the account: "Your account was deleted",
 * and, when the wipe of this device left something (a database another tab holds open), what is
 * left and a button to erase it again (`vault.account.eraseThisDevice`). Focusable, so the
 * welcome screen can put the person here first.
 */
export class KhAccountDeleted extends LitElement {
  static override properties = {
    vault: { attribute: false },
    leftovers: { attribute: false },
  };

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin-bottom: 1rem;
      }
      :host(:focus) {
        outline: none;
      }
      .card {
        border-left: 4px solid var(--kh-accent, #fbbf24);
      }
      ul {
        margin: 0.5rem 0;
        padding-left: 1.25rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare leftovers: readonly string[];
  readonly #erase = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.leftovers = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.tabIndex = -1;
  }

  protected override render(): unknown {
    const left = this.leftovers;
    const failure = this.#erase.failure;
    return html`<div class="card">
      <p role="status" data-test="account-deleted"><strong>Your account was deleted.</strong>${left.length === 0
        ? ' Its data is gone from the server and from this browser.'
        : nothing}</p>
      ${left.length > 0
        ? html`<div role="alert">
              <p>It is gone from the server, but some of its data is still in this browser:</p>
              <ul>${left.map((what) => html`<li>${what}</li>`)}</ul>
              <p>Close Keyhold in your other tabs and windows, then erase it.</p>
            </div>
            <div class="actions">
              <button type="button" class="danger" ?disabled=${this.#erase.pending} @click=${this._onErase}>Erase this device’s data</button>
            </div>
            <p class="error msg" role="alert">${failure && failure.code !== 'wipe_incomplete' ? describeFailure(failure) : nothing}</p>`
        : nothing}
    </div>`;
  }

  private async _onErase(): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#erase.pending) return;
    // A wipe that still leaves something shows up as new leftovers in the welcome state.
    await this.#erase.run(() => vault.account.eraseThisDevice());
  }
}

customElements.define('kh-account-deleted', KhAccountDeleted);

declare global {
  interface HTMLElementTagNameMap {
    'kh-account-deleted': KhAccountDeleted;
  }
}
