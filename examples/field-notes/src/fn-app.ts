import { LitElement, html, type PropertyValues } from 'lit';
import { STATE_CHANGED, type Vault } from 'keyhold-sdk';
import { sharedStyles } from './shared-styles';
import './fn-lock';
import './fn-notes';
import './fn-sign-in';

/**
 * The app: one screen per vault state. `welcome` (no vault here) signs in with the Keyhold
 * account's passkey, `locked` asks for this device's PIN, `unlocked` shows the notes.
 */
export class FnApp extends LitElement {
  static override styles = sharedStyles;
  static override properties = { vault: { attribute: false }, _started: { state: true }, _failed: { state: true } };

  declare vault: Vault | undefined;
  declare private _started: boolean;
  declare private _failed: boolean;
  readonly #rerender = (): void => this.requestUpdate();

  constructor() {
    super();
    this.vault = undefined;
    this._started = false;
    this._failed = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.vault?.addEventListener(STATE_CHANGED, this.#rerender);
  }

  override disconnectedCallback(): void {
    this.vault?.removeEventListener(STATE_CHANGED, this.#rerender);
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('vault') && this.vault && !this._started) {
      this._started = true;
      this.vault.addEventListener(STATE_CHANGED, this.#rerender);
      this.vault.start().catch(() => (this._failed = true));
    }
  }

  override render() {
    const vault = this.vault;
    if (this._failed) return html`<main><h1>Field notes</h1><p class="error" role="alert">Field notes could not open its storage on this device. Reload the page to try again.</p></main>`;
    if (!vault) return html``;
    switch (vault.state.kind) {
      case 'welcome':
        return html`<fn-sign-in .vault=${vault}></fn-sign-in>`;
      case 'locked':
        return html`<fn-lock .vault=${vault}></fn-lock>`;
      case 'unlocked':
        return html`<fn-notes .vault=${vault}></fn-notes>`;
      default:
        return html`<main aria-busy="true"><h1>Field notes</h1><p role="status">Opening…</p></main>`;
    }
  }
}

customElements.define('fn-app', FnApp);

declare global {
  interface HTMLElementTagNameMap {
    'fn-app': FnApp;
  }
}
