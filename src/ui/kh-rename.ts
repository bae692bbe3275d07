import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/**
 * Renames one device or passkey in place: a field holding the current name, Save and Cancel.
 * `save` is the vault call; a refusal (`name_invalid`, offline…) shows under the field, which
 * keeps the focus. The field is focused when the form opens.
 *
 * @fires kh-renamed - Saved (`detail`: the new name).
 * @fires kh-cancel - The person kept the old name.
 */
export class KhRename extends LitElement {
  static override properties = {
    current: { attribute: false },
    save: { attribute: false },
    _name: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      form {
        margin-top: 0.5rem;
        --kh-gap: 0.5rem;
      }
    `,
  ];

  /** The name as it is now. */
  declare current: string;
  declare save: ((name: string) => Promise<void>) | undefined;
  declare private _name: string;
  readonly #save = new VaultTask<void>(this);

  constructor() {
    super();
    this.current = '';
    this.save = undefined;
    this._name = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._name = this.current;
  }

  protected override firstUpdated(): void {
    const input = this.renderRoot.querySelector('input');
    input?.focus();
    input?.select();
  }

  protected override render(): unknown {
    const pending = this.#save.pending;
    const failure = this.#save.failure;
    return html`
      <form novalidate @submit=${this._onSubmit} @keydown=${this._onKeydown}>
        <div class="field">
          <label for="rename">New name for ${this.current}</label>
          <input id="rename" name="name" autocomplete="off" maxlength="64" required aria-describedby="rename-error"
            aria-invalid=${failure?.code === 'name_invalid' ? 'true' : 'false'} .value=${live(this._name)} ?disabled=${pending}
            @input=${this._onInput} />
          <p id="rename-error" class="error msg" role="alert">${failure ? describeFailure(failure) : nothing}</p>
        </div>
        <div class="actions">
          <button type="submit" class="primary" ?disabled=${pending}>Save name</button>
          <button type="button" ?disabled=${pending} @click=${this._onCancel}>Cancel</button>
        </div>
      </form>
    `;
  }

  private _onInput(event: InputEvent): void {
    this._name = (event.target as HTMLInputElement).value;
    this.#save.reset();
  }

  private _onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') this._onCancel();
  }

  private _onCancel(): void {
    this.dispatchEvent(new Event('kh-cancel'));
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const save = this.save;
    const name = this._name.trim();
    if (!save || this.#save.pending) return;
    if (name === this.current) {
      this._onCancel();
      return;
    }
    await this.#save.run(() => save(name));
    if (this.#save.status === 'done') this.dispatchEvent(new CustomEvent<string>('kh-renamed', { detail: name }));
    else this.renderRoot.querySelector('input')?.focus();
  }
}

customElements.define('kh-rename', KhRename);

declare global {
  interface HTMLElementTagNameMap {
    'kh-rename': KhRename;
  }
}
