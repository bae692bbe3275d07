import { LitElement, html, nothing } from 'lit';
import { QUICK_VIEW_CHANGED, type Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { QUICK_VIEW_TRADE_OFF } from './kh-quick-toggle';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * Settings → "Items shown without PIN": what the choice means, how many items this device shows
 * on its lock screen, and "Hide all", which deletes every copy and forgets the device key.
 */
export class KhQuickSettings extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _count: { state: true },
  };

  static override styles = [sharedStyles];

  declare vault: Vault | undefined;
  /** Undefined until the vault answered. */
  declare private _count: number | undefined;
  readonly #hideAll = new VaultTask<void>(this);
  #listeningTo: Vault | undefined;

  constructor() {
    super();
    this.vault = undefined;
    this._count = undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#listeningTo?.removeEventListener(QUICK_VIEW_CHANGED, this.#onQuickViewChanged);
    this.#listeningTo = undefined;
  }

  protected override willUpdate(): void {
    if (this.vault === this.#listeningTo) return;
    this.#listeningTo?.removeEventListener(QUICK_VIEW_CHANGED, this.#onQuickViewChanged);
    this.#listeningTo = this.vault;
    this.#listeningTo?.addEventListener(QUICK_VIEW_CHANGED, this.#onQuickViewChanged);
    void this.#load();
  }

  protected override render(): unknown {
    const count = this._count;
    return html`
      <h3>Items shown without PIN</h3>
      <p>
        You can choose, item by item, to show an item on this device’s lock screen without your PIN (off unless you turn it on in the
        item). ${QUICK_VIEW_TRADE_OFF}
      </p>
      <p role="status" data-test="quick-count">${this.#describeCount(count)}</p>
      ${count
        ? html`<div class="actions">
            <button type="button" class="danger" data-test="quick-hide-all" ?disabled=${this.#hideAll.pending} @click=${this._onHideAll}>
              Hide all and forget the device key
            </button>
          </div>`
        : nothing}
      <p role="alert" class="error msg">${this.#hideAll.failure ? describeFailure(this.#hideAll.failure) : nothing}</p>
    `;
  }

  #describeCount(count: number | undefined): string {
    if (count === undefined) return 'Checking…';
    if (count === 0) return this.#hideAll.status === 'done' ? 'Hidden. Every item needs your PIN again.' : 'No item is shown without PIN.';
    return count === 1 ? '1 item is shown without PIN on this device.' : `${count} items are shown without PIN on this device.`;
  }

  async #load(): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    try {
      const count = await vault.quickView.count();
      if (vault === this.vault) this._count = count;
    } catch {
      // The count is informative only; "Checking…" stays rather than a guess.
    }
  }

  private async _onHideAll(): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#hideAll.pending) return;
    await this.#hideAll.run(() => vault.quickView.hideAll());
    await this.#load();
  }

  readonly #onQuickViewChanged = (): void => void this.#load();
}

customElements.define('kh-quick-settings', KhQuickSettings);

declare global {
  interface HTMLElementTagNameMap {
    'kh-quick-settings': KhQuickSettings;
  }
}
