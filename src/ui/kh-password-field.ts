import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { live } from 'lit/directives/live.js';
import { generatePassword, type Vault } from '../vault';
import { ensureReprompt } from './reprompt';
import { sharedStyles } from './shared-styles';

/**
 * A login's password in the record editor: the field, hidden until "Show", with Generate and Copy.
 * Showing or copying a saved password asks for the PIN again once the unlock is a while old
 * (reprompt.ts); a new item's password is the user's own typing, so it is never asked for. Give
 * each record its own element (the editor keys it by record id): "shown" never carries over.
 * Focusing the element focuses the field.
 *
 * @fires kh-password-change - The password was typed or generated; `detail` is the new value.
 */
export class KhPasswordField extends LitElement {
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  static override properties = {
    vault: { attribute: false },
    value: { attribute: false },
    saved: { attribute: false },
    error: { attribute: false },
    disabled: { attribute: false },
    _show: { state: true },
    _copyStatus: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      .password-tools {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .password-tools button {
        flex: 1;
      }
      #password {
        font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare value: string;
  /** The password belongs to a saved record: showing or copying it may need the PIN again. */
  declare saved: boolean;
  /** The editor's validation message for this field. */
  declare error: string | undefined;
  /** While the editor saves or deletes. */
  declare disabled: boolean;
  declare private _show: boolean;
  declare private _copyStatus: string;

  constructor() {
    super();
    this.vault = undefined;
    this.value = '';
    this.saved = false;
    this.error = undefined;
    this.disabled = false;
    this._show = false;
    this._copyStatus = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // "Password copied." is about the value that was copied, not about a new one.
    if (changed.has('value')) this._copyStatus = '';
  }

  protected override render(): unknown {
    const error = this.error;
    return html`<fieldset class="field" ?disabled=${this.disabled}>
      <label for="password">Password</label>
      <input id="password" name="password" data-test="record-password" type=${this._show ? 'text' : 'password'}
        autocomplete="new-password" autocapitalize="none" spellcheck="false" aria-invalid=${error ? 'true' : 'false'}
        aria-describedby="password-error copy-status" .value=${live(this.value)}
        @input=${this._onInput} />
      <div class="password-tools">
        <button type="button" data-test="toggle-password" aria-pressed=${this._show ? 'true' : 'false'} @click=${this._onToggle}>
          ${this._show ? 'Hide' : 'Show'}
        </button>
        <button type="button" data-test="generate-password" @click=${this._onGenerate}>Generate</button>
        <button type="button" data-test="copy-password" ?disabled=${this.value === ''} @click=${this._onCopy}>Copy</button>
      </div>
      <p id="password-error" class="error msg">${error ?? nothing}</p>
      <p id="copy-status" class="hint msg" role="status" data-test="copy-status">${this._copyStatus}</p>
    </fieldset>`;
  }

  /** Whether the saved password may be shown or copied now (asks for the PIN again when the unlock is old). */
  async #mayReveal(from: EventTarget | null, reason: string): Promise<boolean> {
    const vault = this.vault;
    if (!vault || !this.saved) return true;
    return ensureReprompt(vault, from as HTMLElement, reason);
  }

  #change(value: string): void {
    this.dispatchEvent(new CustomEvent<string>('kh-password-change', { detail: value }));
  }

  private _onInput(event: InputEvent): void {
    this.#change((event.target as HTMLInputElement).value);
  }

  private async _onToggle(event: Event): Promise<void> {
    if (!this._show && !(await this.#mayReveal(event.currentTarget, 'show this password'))) return;
    this._show = !this._show;
  }

  private async _onGenerate(): Promise<void> {
    this.#change(await generatePassword());
    this._show = true;
  }

  private async _onCopy(event: Event): Promise<void> {
    if (!(await this.#mayReveal(event.currentTarget, 'copy this password'))) return;
    try {
      await navigator.clipboard.writeText(this.value);
      this._copyStatus = 'Password copied.';
    } catch {
      this._copyStatus = 'Could not copy: this browser did not allow it. Show the password and copy it by hand.';
    }
  }
}

customElements.define('kh-password-field', KhPasswordField);

declare global {
  interface HTMLElementTagNameMap {
    'kh-password-field': KhPasswordField;
  }
}
