import { LitElement, css, html } from 'lit';
import type { RecoveryRoutes, Vault } from '../vault';
import './kh-about';
import './kh-audit-log';
import './kh-autolock-settings';
import './kh-change-pin';
import './kh-delete-account';
import './kh-devices';
import './kh-export';
import './kh-import';
import './kh-lock-everywhere';
import './kh-passkeys';
import './kh-quick-settings';
import './kh-recovery-kit';
import './kh-recovery-settings';
import './kh-reprompt-settings';
import './kh-server-data';
import './kh-storage-settings';
import './kh-totp-setup';
import { rowButtonBox } from './row-styles';
import { OPEN_SETTINGS_SECTION, SETTINGS_SECTIONS, type OpenSettingsSection, type SettingsSection } from './settings-sections';
import { sharedStyles } from './shared-styles';

/**
 * Settings: a list of sections a phone user can scan (settings-sections.ts), each opening a
 * screen of its own with a "Back to settings" button. Focus follows the person: a section's
 * heading when it opens, the section's entry in the list when they come back.
 *
 * @fires kh-close - The user goes back to the vault.
 */
export class KhSettings extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _section: { state: true },
    _totpEnrolled: { state: true },
    _kit: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      .back {
        margin-top: 1rem;
      }
      ul {
        list-style: none;
        margin: 0.5rem 0 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
      }
      .entry {
        ${rowButtonBox}
        text-align: left;
      }
      .entry:hover {
        border-color: var(--kh-border);
      }
      .summary {
        grid-column: 1;
        color: var(--kh-muted, #94a3b8);
        font-size: 0.9375rem;
        font-weight: 400;
      }
      .chevron {
        grid-column: 2;
        grid-row: 1 / span 2;
        font-size: 1.25rem;
      }
      section {
        margin-top: 1rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _section: SettingsSection | undefined;
  /** Whether the authenticator app route is set up, as the Recovery list last read it (undefined: reading; null: unknown). */
  declare private _totpEnrolled: boolean | null | undefined;
  /** The recovery kit's status, as the Recovery list last read it (undefined: reading; null: unknown). */
  declare private _kit: RecoveryRoutes['kit'] | null | undefined;

  constructor() {
    super();
    this.vault = undefined;
    this._section = undefined;
    this._totpEnrolled = undefined;
    this._kit = undefined;
    this.addEventListener(OPEN_SETTINGS_SECTION, this.#onOpenSection as EventListener);
  }

  protected override firstUpdated(): void {
    this.#focus('h2');
  }

  protected override render(): unknown {
    const section = SETTINGS_SECTIONS.find((s) => s.id === this._section);
    if (!section) return this.#renderList();
    return html`
      <div class="actions back">
        <button type="button" @click=${this._onBack}><span aria-hidden="true">←</span> Back to settings</button>
      </div>
      <h2 tabindex="-1">${section.title}</h2>
      ${this.#renderSection(section.id)}
    `;
  }

  #renderList(): unknown {
    return html`
      <div class="actions back">
        <button type="button" data-test="settings-close" @click=${this._onClose}><span aria-hidden="true">←</span> Back to vault</button>
      </div>
      <h2 tabindex="-1" id="settings-heading">Settings</h2>
      <ul aria-labelledby="settings-heading">
        ${SETTINGS_SECTIONS.map(
          ({ id, title, summary }) => html`<li>
            <button type="button" class="entry" data-section=${id} @click=${() => this.#open(id)}>
              <span>${title}</span>
              <span class="summary">${summary}</span>
              <span class="chevron" aria-hidden="true">›</span>
            </button>
          </li>`,
        )}
      </ul>
    `;
  }

  #renderSection(id: SettingsSection): unknown {
    const vault = this.vault;
    switch (id) {
      case 'security':
        return html`
          <section class="card"><kh-change-pin .vault=${vault}></kh-change-pin></section>
          <section class="card"><kh-autolock-settings .vault=${vault}></kh-autolock-settings></section>
          <section class="card"><kh-reprompt-settings .vault=${vault}></kh-reprompt-settings></section>
          <section class="card"><kh-quick-settings .vault=${vault}></kh-quick-settings></section>
        `;
      case 'recovery':
        return html`
          <section class="card">
            <kh-recovery-settings .vault=${vault} @kh-recovery-status=${this._onRecoveryStatus}></kh-recovery-settings>
          </section>
          <section class="card">
            <kh-recovery-kit .vault=${vault} .status=${this._kit} @kh-recovery-kit-changed=${this._onTotpEnrolled}></kh-recovery-kit>
          </section>
          <section class="card">
            <kh-totp-setup .vault=${vault} .enrolled=${this._totpEnrolled} @kh-totp-enrolled=${this._onTotpEnrolled}></kh-totp-setup>
          </section>
        `;
      case 'devices':
        return html`
          <section class="card"><kh-devices .vault=${vault}></kh-devices></section>
          <section class="card"><kh-passkeys .vault=${vault}></kh-passkeys></section>
          <section class="card">
            <kh-lock-everywhere .vault=${vault} @kh-locked-everywhere=${this._onLockedEverywhere}
              @kh-passkeys-changed=${this._onPasskeysChanged}></kh-lock-everywhere>
          </section>
        `;
      case 'data':
        return html`
          <section class="card"><kh-import .vault=${vault}></kh-import></section>
          <section class="card"><kh-export .vault=${vault}></kh-export></section>
          <section class="card"><kh-storage-settings .vault=${vault}></kh-storage-settings></section>
          <section class="card"><kh-audit-log .vault=${vault}></kh-audit-log></section>
          <section class="card"><kh-server-data .vault=${vault}></kh-server-data></section>
          <section class="card"><kh-delete-account .vault=${vault}></kh-delete-account></section>
        `;
      case 'about':
        return html`<section class="card"><kh-about></kh-about></section>`;
    }
  }

  async #open(section: SettingsSection): Promise<void> {
    this._section = section;
    this._totpEnrolled = undefined;
    this._kit = undefined;
    window.scrollTo({ top: 0 });
    await this.updateComplete;
    this.#focus('h2');
  }

  #focus(selector: string): void {
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus({ preventScroll: true });
  }

  readonly #onOpenSection = (event: CustomEvent<OpenSettingsSection>): void => {
    event.stopPropagation();
    void this.#open(event.detail.section);
  };

  private async _onBack(): Promise<void> {
    const left = this._section;
    this._section = undefined;
    await this.updateComplete;
    this.#focus(`[data-section="${left}"]`);
  }

  private _onClose(): void {
    this.dispatchEvent(new Event('kh-close'));
  }

  private _onRecoveryStatus(event: CustomEvent<RecoveryRoutes | null>): void {
    this._totpEnrolled = event.detail ? event.detail.totp.enrolled : null;
    this._kit = event.detail ? event.detail.kit : null;
  }

  private _onLockedEverywhere(): void {
    void this.renderRoot.querySelector('kh-devices')?.reload();
    void this.renderRoot.querySelector('kh-passkeys')?.reload();
  }

  private _onPasskeysChanged(): void {
    void this.renderRoot.querySelector('kh-passkeys')?.reload();
  }

  /** A route was set up or changed beside the list (authenticator app, recovery kit): the list reads the routes again. */
  private _onTotpEnrolled(): void {
    this.renderRoot.querySelector('kh-recovery-settings')?.reload();
  }
}

customElements.define('kh-settings', KhSettings);

declare global {
  interface HTMLElementTagNameMap {
    'kh-settings': KhSettings;
  }
}
