import { LitElement, html, nothing } from 'lit';
import type { ExportFile, Vault } from '../vault';
import { DownloadController } from './download-controller';
import { describeFailure } from './failure-messages';
import { OnlineController } from './online-controller';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * Settings → Data → "What the server holds about you": says what the key server keeps (ciphertext
 * only, the activity log, public keys) and downloads all of it as the server's JSON export
 * (`vault.account.downloadServerData`; a passkey sign-in first when the session asks for one).
 * The file downloads through an object URL and an `<a download>`; its link stays to save it again.
 */
export class KhServerData extends LitElement {
  static override properties = {
    vault: { attribute: false },
  };

  static override styles = [sharedStyles];

  declare vault: Vault | undefined;
  readonly #online = new OnlineController(this);
  readonly #fetch = new VaultTask<ExportFile>(this);
  readonly #download = new DownloadController(this);

  constructor() {
    super();
    this.vault = undefined;
  }

  protected override render(): unknown {
    const pending = this.#fetch.pending;
    const failure = this.#fetch.failure;
    return html`
      <h3>What the server holds about you</h3>
      <p>
        The Keyhold server keeps only what syncing and recovery need: your items and keys encrypted on your devices (it cannot
        read them), the activity log, and the public keys of your devices and passkeys.
      </p>
      <div class="actions">
        <button type="button" ?disabled=${pending || !this.#online.value} @click=${this._onDownload}>Download what the server holds about me</button>
      </div>
      <div class="msg" role="status">
        ${pending ? html`<p class="progress"><span class="spinner" aria-hidden="true"></span>Use your passkey if asked…</p>` : nothing}
        ${!this.#online.value ? html`<p class="hint">This needs the Keyhold server. Connect to the internet first.</p>` : nothing}
        ${pending ? nothing : this.#download.renderSaved('server')}
      </div>
      <p class="error msg" role="alert">${failure ? describeFailure(failure, { passkey_cancelled: 'No passkey was used, so nothing was downloaded. Try again when you are ready.' }) : nothing}</p>
    `;
  }

  private async _onDownload(): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#fetch.pending) return;
    const file = await this.#fetch.run((signal) => vault.account.downloadServerData(signal));
    if (file) this.#download.save(file, 'server');
  }
}

customElements.define('kh-server-data', KhServerData);

declare global {
  interface HTMLElementTagNameMap {
    'kh-server-data': KhServerData;
  }
}
