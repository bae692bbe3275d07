import { LitElement, html, nothing } from 'lit';
import { sharedStyles } from './shared-styles';
import { SyncStatusController } from './sync-status-controller';
import { describeLockedSync } from './sync-text';
import type { Vault } from '../vault';

/**
 * The lock screen's line about sync: locked, the engine still sends and receives ciphertext, so
 * the screen says what waits (for the network, or for the PIN). Nothing when all is saved. A
 * chunk of its own, loaded after the lock screen has drawn (kh-unlock), like the engine itself.
 */
export class KhLockedSync extends LitElement {
  static override properties = { vault: { attribute: false } };
  static override styles = [sharedStyles];

  declare vault: Vault | undefined;
  readonly #sync = new SyncStatusController(this, () => this.vault);

  constructor() {
    super();
    this.vault = undefined;
  }

  protected override render(): unknown {
    const note = this.#sync.shown ? describeLockedSync(this.#sync.shown) : null;
    return note ? html`<p class="hint" data-test="locked-sync">${note}</p>` : nothing;
  }
}

customElements.define('kh-locked-sync', KhLockedSync);

declare global {
  interface HTMLElementTagNameMap {
    'kh-locked-sync': KhLockedSync;
  }
}
