import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import {
  HIDDEN_GRACE_SECONDS_MAX,
  HIDDEN_GRACE_SECONDS_MIN,
  IDLE_LOCK_MINUTES_MAX,
  IDLE_LOCK_MINUTES_MIN,
} from '../../protocol/constants';
import type { StoragePersistence, Vault, VaultSettings } from '../vault';
import { describeFailure } from './failure-messages';
import './kh-audit-log';
import './kh-change-pin';
import './kh-quick-settings';
import './kh-recovery-settings';
import './kh-reprompt-settings';
import './kh-totp-setup';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** The auto-lock bounds the controller clamps to; the form says them before it has to. */
const IDLE_MINUTES = { min: IDLE_LOCK_MINUTES_MIN, max: IDLE_LOCK_MINUTES_MAX } as const;
const HIDDEN_SECONDS = { min: HIDDEN_GRACE_SECONDS_MIN, max: HIDDEN_GRACE_SECONDS_MAX } as const;

const PERSISTENCE: Record<StoragePersistence, string> = {
  granted: 'Protected from automatic clearing.',
  'not-granted': 'Not protected — the browser may clear it; server backup arrives with recovery.',
  unsupported: 'This browser cannot protect its storage from automatic clearing; server backup arrives with recovery.',
};

/** A whole number in [min, max] typed as text, or null. */
function parseWhole(text: string, range: { readonly min: number; readonly max: number }): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const value = Number(text);
  return value >= range.min && value <= range.max ? value : null;
}

/**
 * The unlocked vault's settings: change the PIN, the auto-lock timings, and the storage
 * protection status with a way to request it (`navigator.storage.persist()`, via the controller).
 *
 * @fires kh-close - The user goes back to the vault.
 */
export class KhSettings extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _idle: { state: true },
    _hidden: { state: true },
    _timingErrors: { state: true },
    _persistence: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      .back {
        margin-top: 1rem;
      }
      section {
        margin-top: 1rem;
      }
      section form {
        margin-top: 0;
      }
      .number {
        max-width: 8rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _idle: string;
  declare private _hidden: string;
  declare private _timingErrors: { idle?: string; hidden?: string };
  declare private _persistence: StoragePersistence | undefined;
  readonly #saveTimings = new VaultTask<void>(this);
  readonly #persist = new VaultTask<StoragePersistence>(this);
  #shownSettings: VaultSettings | undefined;

  constructor() {
    super();
    this.vault = undefined;
    this._idle = '';
    this._hidden = '';
    this._timingErrors = {};
    this._persistence = undefined;
  }

  protected override willUpdate(): void {
    const settings = this.vault?.settings.current;
    if (settings && settings !== this.#shownSettings) {
      this.#shownSettings = settings;
      this._idle = String(settings.idleLockMinutes);
      this._hidden = String(settings.hiddenGraceSeconds);
    }
    this._persistence ??= this.vault?.settings.persistence;
  }

  protected override render(): unknown {
    return html`
      <div class="actions back">
        <button type="button" data-test="settings-close" @click=${this._onClose}><span aria-hidden="true">←</span> Back to vault</button>
      </div>
      <h2 tabindex="-1">Settings</h2>
      <section class="card"><kh-change-pin .vault=${this.vault}></kh-change-pin></section>
      <section class="card"><kh-totp-setup .vault=${this.vault} @kh-totp-enrolled=${this._onTotpEnrolled}></kh-totp-setup></section>
      <section class="card"><kh-recovery-settings .vault=${this.vault} @kh-recovery-route-off=${this._onRouteOff}></kh-recovery-settings></section>
      <section class="card">${this.#renderTimings()}</section>
      <section class="card"><kh-reprompt-settings .vault=${this.vault}></kh-reprompt-settings></section>
      <section class="card">${this.#renderStorage()}</section>
      <section class="card"><kh-quick-settings .vault=${this.vault}></kh-quick-settings></section>
      <section class="card"><kh-audit-log .vault=${this.vault}></kh-audit-log></section>
    `;
  }

  #renderTimings(): unknown {
    const errors = this._timingErrors;
    const pending = this.#saveTimings.pending;
    return html`
      <form novalidate @submit=${this._onSaveTimings} aria-labelledby="autolock-heading">
        <h3 id="autolock-heading">Auto-lock</h3>
        <fieldset ?disabled=${pending}>
          <legend class="visually-hidden">Auto-lock timings</legend>
          <div class="field">
            <label for="idle-minutes">Lock after this many minutes without use (${IDLE_MINUTES.min}–${IDLE_MINUTES.max})</label>
            <input id="idle-minutes" class="number" name="idle-minutes" data-test="idle-minutes" type="number" inputmode="numeric"
              min=${IDLE_MINUTES.min} max=${IDLE_MINUTES.max} step="1" required aria-invalid=${errors.idle ? 'true' : 'false'}
              aria-describedby="idle-error" .value=${live(this._idle)} @input=${this._onIdleInput} />
            <p id="idle-error" class="error msg">${errors.idle ?? nothing}</p>
          </div>
          <div class="field">
            <label for="hidden-seconds">
              Lock this many seconds after Keyhold goes to the background (${HIDDEN_SECONDS.min}–${HIDDEN_SECONDS.max})
            </label>
            <input id="hidden-seconds" class="number" name="hidden-seconds" data-test="hidden-seconds" type="number" inputmode="numeric"
              min=${HIDDEN_SECONDS.min} max=${HIDDEN_SECONDS.max} step="1" required aria-invalid=${errors.hidden ? 'true' : 'false'}
              aria-describedby="hidden-error" .value=${live(this._hidden)} @input=${this._onHiddenInput} />
            <p id="hidden-error" class="error msg">${errors.hidden ?? nothing}</p>
          </div>
          <div class="actions">
            <button type="submit" class="primary" data-test="save-autolock">Save auto-lock</button>
          </div>
        </fieldset>
        <p role="status" class="ok msg" data-test="autolock-status">${this.#saveTimings.status === 'done' ? 'Saved.' : nothing}</p>
        <p role="alert" class="error msg">${this.#saveTimings.failure ? describeFailure(this.#saveTimings.failure) : nothing}</p>
      </form>
    `;
  }

  #renderStorage(): unknown {
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
            <button type="button" data-test="request-persistence" ?disabled=${this.#persist.pending} @click=${this._onRequestPersistence}>
              Request protection
            </button>
          </div>`
        : nothing}
      <p role="alert" class="error msg">${this.#persist.failure ? describeFailure(this.#persist.failure) : nothing}</p>
    `;
  }

  private _onClose(): void {
    this.dispatchEvent(new Event('kh-close'));
  }

  private _onRouteOff(event: CustomEvent<string>): void {
    if (event.detail === 'totp') this.renderRoot.querySelector('kh-totp-setup')?.reset();
  }

  private _onTotpEnrolled(): void {
    this.renderRoot.querySelector('kh-recovery-settings')?.reload();
  }

  private _onIdleInput(event: InputEvent): void {
    this._idle = (event.target as HTMLInputElement).value;
    this._timingErrors = { ...this._timingErrors, idle: undefined };
    this.#saveTimings.reset();
  }

  private _onHiddenInput(event: InputEvent): void {
    this._hidden = (event.target as HTMLInputElement).value;
    this._timingErrors = { ...this._timingErrors, hidden: undefined };
    this.#saveTimings.reset();
  }

  private async _onSaveTimings(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#saveTimings.pending) return;
    const idleLockMinutes = parseWhole(this._idle, IDLE_MINUTES);
    const hiddenGraceSeconds = parseWhole(this._hidden, HIDDEN_SECONDS);
    this._timingErrors = {
      idle: idleLockMinutes === null ? `Enter a whole number of minutes from ${IDLE_MINUTES.min} to ${IDLE_MINUTES.max}.` : undefined,
      hidden: hiddenGraceSeconds === null ? `Enter a whole number of seconds from ${HIDDEN_SECONDS.min} to ${HIDDEN_SECONDS.max}.` : undefined,
    };
    if (idleLockMinutes === null || hiddenGraceSeconds === null) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>(idleLockMinutes === null ? '#idle-minutes' : '#hidden-seconds')?.focus();
      return;
    }
    await this.#saveTimings.run(() => vault.settings.update({ idleLockMinutes, hiddenGraceSeconds }));
  }

  private async _onRequestPersistence(): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    const result = await this.#persist.run(() => vault.settings.requestPersistence());
    if (result) this._persistence = result;
  }
}

customElements.define('kh-settings', KhSettings);

declare global {
  interface HTMLElementTagNameMap {
    'kh-settings': KhSettings;
  }
}
