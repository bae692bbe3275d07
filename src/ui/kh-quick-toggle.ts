import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { live } from 'lit/directives/live.js';
import { QUICK_VIEW_CHANGED, type Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** The trade-off, said the same way wherever the setting appears (src/vault/quick-view/quick-view.ts explains why). */
export const QUICK_VIEW_TRADE_OFF =
  'Anyone holding this device can then read it on the lock screen without your PIN, and so can someone with a copy of this device’s files. It cannot be edited there.';

/**
 * "Show on this device without PIN" for one saved record, with the trade-off next to it. Off by
 * default; the change applies at once (the vault seals or removes the record's read-only copy).
 */
export class KhQuickToggle extends LitElement {
  static override properties = {
    vault: { attribute: false },
    recordId: { attribute: false },
    _shown: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      :host {
        margin-top: 1.5rem;
      }
      .hint {
        margin-left: 2.125rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare recordId: string | null;
  /** Undefined until the vault answered. */
  declare private _shown: boolean | undefined;
  readonly #change = new VaultTask<void>(this);
  #listeningTo: Vault | undefined;

  constructor() {
    super();
    this.vault = undefined;
    this.recordId = null;
    this._shown = undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#listeningTo?.removeEventListener(QUICK_VIEW_CHANGED, this.#onQuickViewChanged);
    this.#listeningTo = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.vault !== this.#listeningTo) {
      this.#listeningTo?.removeEventListener(QUICK_VIEW_CHANGED, this.#onQuickViewChanged);
      this.#listeningTo = this.vault;
      this.#listeningTo?.addEventListener(QUICK_VIEW_CHANGED, this.#onQuickViewChanged);
    }
    if (changed.has('vault') || changed.has('recordId')) void this.#load();
  }

  protected override render(): unknown {
    const failure = this.#change.failure;
    return html`
      <label class="check">
        <input type="checkbox" data-test="quick-toggle" aria-describedby="quick-trade-off quick-error"
          .checked=${live(this._shown === true)} ?disabled=${this._shown === undefined || this.#change.pending} @change=${this._onChange} />
        Show on this device without PIN
      </label>
      <p id="quick-trade-off" class="hint">${QUICK_VIEW_TRADE_OFF}</p>
      <p id="quick-error" class="error msg" role="alert">${failure ? describeFailure(failure) : nothing}</p>
    `;
  }

  async #load(): Promise<void> {
    const vault = this.vault;
    const id = this.recordId;
    if (!vault || id === null) return;
    try {
      const shown = await vault.quickView.isShown(id);
      if (vault === this.vault && id === this.recordId) this._shown = shown;
    } catch {
      // Reading the device's own choice failed: the box stays disabled rather than guessing.
    }
  }

  private async _onChange(event: Event): Promise<void> {
    const vault = this.vault;
    const id = this.recordId;
    const on = (event.target as HTMLInputElement).checked;
    if (!vault || id === null) return;
    this._shown = on; // the box shows the choice while it is applied; the reload below corrects a failure
    await this.#change.run(() => vault.quickView.setShown(id, on));
    await this.#load();
  }

  readonly #onQuickViewChanged = (): void => void this.#load();
}

customElements.define('kh-quick-toggle', KhQuickToggle);

declare global {
  interface HTMLElementTagNameMap {
    'kh-quick-toggle': KhQuickToggle;
  }
}
