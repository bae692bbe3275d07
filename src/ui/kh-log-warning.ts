import { LitElement, css, html, nothing } from 'lit';
import type { Vault } from '../vault';
import { AccountLogController } from './account-log-controller';
import { describeLogWarning, isHistoryWarning } from './log-warning-text';
import { openSettingsSection } from './settings-sections';
import { sharedStyles } from './shared-styles';

/**
 * The vault screen's warning when the account log does not hold up (`vault.accountLog.status`
 * has warnings): the key server showed a history that breaks what this phone verified before, or
 * lists a device or passkey the history never added. One sentence group per warning, then a way to
 * Settings → Devices & passkeys, where the lists show which entries are the account's. An alert:
 * it appears when a sync run finds something, and it is about who can open the vault.
 * With `inSettings` (on the devices screen itself) it shows only the warnings about the history:
 * that screen's "Not added by you" groups say the rest, beside the entries themselves.
 */
export class KhLogWarning extends LitElement {
  static override properties = {
    vault: { attribute: false },
    inSettings: { type: Boolean, attribute: 'in-settings' },
  };

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .card {
        margin-bottom: 1rem;
        border-left: 4px solid var(--kh-error);
      }
      h3 {
        color: var(--kh-error);
      }
      ul,
      p {
        margin: 0 0 0.75rem;
        padding-left: 1.25rem;
      }
      li + li {
        margin-top: 0.5rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare inSettings: boolean;
  readonly #log = new AccountLogController(this, () => this.vault);

  constructor() {
    super();
    this.vault = undefined;
    this.inSettings = false;
  }

  protected override render(): unknown {
    const warnings = this.#log.status.warnings.filter((warning) => !this.inSettings || isHistoryWarning(warning));
    if (warnings.length === 0) return nothing;
    return html`<section class="card" role="alert" aria-labelledby="log-warning-heading" data-test="log-warning">
      <h3 id="log-warning-heading">Check who can open your account</h3>
      ${warnings.length === 1
        ? html`<p>${describeLogWarning(warnings[0]!)}</p>`
        : html`<ul>
            ${warnings.map((warning) => html`<li>${describeLogWarning(warning)}</li>`)}
          </ul>`}
      ${this.inSettings
        ? nothing
        : html`<div class="actions"><button type="button" class="primary" @click=${this._onOpenDevices}>Open Devices & passkeys</button></div>`}
    </section>`;
  }

  private _onOpenDevices(): void {
    openSettingsSection(this, { section: 'devices' });
  }
}

customElements.define('kh-log-warning', KhLogWarning);

declare global {
  interface HTMLElementTagNameMap {
    'kh-log-warning': KhLogWarning;
  }
}
