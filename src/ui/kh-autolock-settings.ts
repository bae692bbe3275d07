import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import {
  HIDDEN_GRACE_SECONDS_MAX,
  HIDDEN_GRACE_SECONDS_MIN,
  IDLE_LOCK_MINUTES_MAX,
  IDLE_LOCK_MINUTES_MIN,
} from '../../protocol/constants';
import type { Vault, VaultSettings } from '../vault';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** The auto-lock bounds the vault clamps to; the form says them before it has to. */
const IDLE_MINUTES = { min: IDLE_LOCK_MINUTES_MIN, max: IDLE_LOCK_MINUTES_MAX } as const;
const HIDDEN_SECONDS = { min: HIDDEN_GRACE_SECONDS_MIN, max: HIDDEN_GRACE_SECONDS_MAX } as const;

/** A whole number in [min, max] typed as text, or null. */
function parseWhole(text: string, range: { readonly min: number; readonly max: number }): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const value = Number(text);
  return value >= range.min && value <= range.max ? value : null;
}

/**
 * Settings → Security → "Auto-lock": how long the vault stays open without use, and after
 * Keyhold goes to the background. Each field says its bounds up front; a value outside them is
 * refused with the field focused.
 */
export class KhAutolockSettings extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _idle: { state: true },
    _hidden: { state: true },
    _errors: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      form {
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
  declare private _errors: { idle?: string; hidden?: string };
  readonly #save = new VaultTask<void>(this);
  #shownSettings: VaultSettings | undefined;

  constructor() {
    super();
    this.vault = undefined;
    this._idle = '';
    this._hidden = '';
    this._errors = {};
  }

  protected override willUpdate(): void {
    const settings = this.vault?.settings.current;
    if (settings && settings !== this.#shownSettings) {
      this.#shownSettings = settings;
      this._idle = String(settings.idleLockMinutes);
      this._hidden = String(settings.hiddenGraceSeconds);
    }
  }

  protected override render(): unknown {
    const errors = this._errors;
    return html`
      <form novalidate @submit=${this._onSave} aria-labelledby="autolock-heading">
        <h3 id="autolock-heading">Auto-lock</h3>
        <fieldset ?disabled=${this.#save.pending}>
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
        <p role="status" class="ok msg" data-test="autolock-status">${this.#save.status === 'done' ? 'Saved.' : nothing}</p>
        <p role="alert" class="error msg">${this.#save.failure ? describeFailure(this.#save.failure) : nothing}</p>
      </form>
    `;
  }

  private _onIdleInput(event: InputEvent): void {
    this._idle = (event.target as HTMLInputElement).value;
    this._errors = { ...this._errors, idle: undefined };
    this.#save.reset();
  }

  private _onHiddenInput(event: InputEvent): void {
    this._hidden = (event.target as HTMLInputElement).value;
    this._errors = { ...this._errors, hidden: undefined };
    this.#save.reset();
  }

  private async _onSave(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#save.pending) return;
    const idleLockMinutes = parseWhole(this._idle, IDLE_MINUTES);
    const hiddenGraceSeconds = parseWhole(this._hidden, HIDDEN_SECONDS);
    this._errors = {
      idle: idleLockMinutes === null ? `Enter a whole number of minutes from ${IDLE_MINUTES.min} to ${IDLE_MINUTES.max}.` : undefined,
      hidden: hiddenGraceSeconds === null ? `Enter a whole number of seconds from ${HIDDEN_SECONDS.min} to ${HIDDEN_SECONDS.max}.` : undefined,
    };
    if (idleLockMinutes === null || hiddenGraceSeconds === null) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>(idleLockMinutes === null ? '#idle-minutes' : '#hidden-seconds')?.focus();
      return;
    }
    await this.#save.run(() => vault.settings.update({ idleLockMinutes, hiddenGraceSeconds }));
  }
}

customElements.define('kh-autolock-settings', KhAutolockSettings);

declare global {
  interface HTMLElementTagNameMap {
    'kh-autolock-settings': KhAutolockSettings;
  }
}
