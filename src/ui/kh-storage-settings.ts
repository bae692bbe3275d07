import { LitElement, html, nothing } from 'lit';
import type { StoragePersistence, Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * What each answer means for the vault. The server keeps an encrypted copy of what has synced,
 * which any recovery route brings back to a new device: losing this device's storage loses only
 * edits not yet synced.
 */
const PERSISTENCE: Record<StoragePersistence, string> = {
  granted: 'Protected from automatic clearing.',
  'not-granted':
    'Not protected: the browser may clear it when space runs low. What has synced is kept encrypted on the Keyhold server, and a recovery route brings it back.',
  unsupported:
    'This browser cannot protect its storage from automatic clearing. What has synced is kept encrypted on the Keyhold server, and a recovery route brings it back.',
};

/**
 * Settings → Data → "Storage on this device": whether the browser protects the vault's storage
 * from automatic clearing, and a way to ask it to (`navigator.storage.persist()`, via the vault).
 */
export class KhStorageSettings extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _persistence: { state: true },
  };

  static override styles = [sharedStyles];

  declare vault: Vault | undefined;
  declare private _persistence: StoragePersistence | undefined;
  readonly #persist = new VaultTask<StoragePersistence>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._persistence = undefined;
  }

  protected override willUpdate(): void {
    this._persistence ??= this.vault?.settings.persistence;
  }

  protected override render(): unknown {
    const persistence = this._persistence;
    const refused = this.#persist.status === 'done' && this.#persist.value === 'not-granted';
    return html`
      <h3>Storage on this device</h3>
      <p role="status" data-test="persistence">${persistence ? PERSISTENCE[persistence] : 'Checking…'}</p>
      ${refused
        ? html`<p class="hint">The browser said no for now. Browsers usually agree once Keyhold is installed to the home screen.</p>`
        : nothing}
      ${persistence === 'not-granted'
        ? html`<div class="actions">
            <button type="button" data-test="request-persistence" ?disabled=${this.#persist.pending} @click=${this._onRequest}>
              Request protection
            </button>
          </div>`
        : nothing}
      <p role="alert" class="error msg">${this.#persist.failure ? describeFailure(this.#persist.failure) : nothing}</p>
    `;
  }

  private async _onRequest(): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    const result = await this.#persist.run(() => vault.settings.requestPersistence());
    if (result) this._persistence = result;
  }
}

customElements.define('kh-storage-settings', KhStorageSettings);

declare global {
  interface HTMLElementTagNameMap {
    'kh-storage-settings': KhStorageSettings;
  }
}
