import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { REPROMPT_MINUTES_MAX, REPROMPT_MINUTES_MIN } from '../../protocol/constants';
import type { Vault, VaultSettings } from '../vault';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * Settings → Security: how old an unlock may be before Keyhold asks for the PIN again to show or
 * copy a password, turn off a recovery route or remove a device (`vault.settings.repromptMinutes`,
 * whole minutes within the SDK's bounds, which the form says before it has to).
 */
export class KhRepromptSettings extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _minutes: { state: true },
    _error: { state: true },
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
  declare private _minutes: string;
  declare private _error: string | undefined;
  readonly #save = new VaultTask<void>(this);
  #shownSettings: VaultSettings | undefined;

  constructor() {
    super();
    this.vault = undefined;
    this._minutes = '';
    this._error = undefined;
  }

  protected override willUpdate(): void {
    const settings = this.vault?.settings.current;
    if (settings && settings !== this.#shownSettings) {
      this.#shownSettings = settings;
      this._minutes = String(settings.repromptMinutes);
    }
  }

  protected override render(): unknown {
    const error = this._error;
    return html`
      <form novalidate @submit=${this._onSave} aria-labelledby="reprompt-settings-heading">
        <h3 id="reprompt-settings-heading">Ask for the PIN again</h3>
        <fieldset ?disabled=${this.#save.pending}>
          <legend class="visually-hidden">When to ask for the PIN again</legend>
          <p class="hint" id="reprompt-minutes-hint">
            Before showing or copying a password, turning off a recovery route or removing a device, when Keyhold was
            unlocked longer ago than this.
          </p>
          <div class="field">
            <label for="reprompt-minutes">Ask for the PIN again after this many minutes (${REPROMPT_MINUTES_MIN}–${REPROMPT_MINUTES_MAX})</label>
            <input id="reprompt-minutes" class="number" name="reprompt-minutes" type="number" inputmode="numeric"
              min=${REPROMPT_MINUTES_MIN} max=${REPROMPT_MINUTES_MAX} step="1" required aria-invalid=${error ? 'true' : 'false'}
              aria-describedby="reprompt-minutes-hint reprompt-minutes-error" .value=${live(this._minutes)} @input=${this._onInput} />
            <p id="reprompt-minutes-error" class="error msg">${error ?? nothing}</p>
          </div>
          <div class="actions">
            <button type="submit" class="primary">Save</button>
          </div>
        </fieldset>
        <p role="status" class="ok msg">${this.#save.status === 'done' ? 'Saved.' : nothing}</p>
        <p role="alert" class="error msg">${this.#save.failure ? describeFailure(this.#save.failure) : nothing}</p>
      </form>
    `;
  }

  private _onInput(event: InputEvent): void {
    this._minutes = (event.target as HTMLInputElement).value;
    this._error = undefined;
    this.#save.reset();
  }

  private async _onSave(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#save.pending) return;
    const text = this._minutes.trim();
    const minutes = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(minutes >= REPROMPT_MINUTES_MIN && minutes <= REPROMPT_MINUTES_MAX)) {
      this._error = `Enter a whole number of minutes from ${REPROMPT_MINUTES_MIN} to ${REPROMPT_MINUTES_MAX}.`;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('#reprompt-minutes')?.focus();
      return;
    }
    await this.#save.run(() => vault.settings.update({ repromptMinutes: minutes }));
  }
}

customElements.define('kh-reprompt-settings', KhRepromptSettings);

declare global {
  interface HTMLElementTagNameMap {
    'kh-reprompt-settings': KhRepromptSettings;
  }
}
