import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { UPDATE_READY, type AppUpdates } from '../pwa';

/**
 * Offers a new version of Keyhold once it has installed and waits: "New version available —
 * Reload". It never swaps versions by itself; the user chooses the moment.
 */
export class KhUpdatePrompt extends LitElement {
  static override properties = {
    updates: { attribute: false },
    _updateReady: { state: true },
    _applying: { state: true },
  };

  static override styles = css`
    :host {
      position: fixed;
      inset: auto 0 0 0;
      display: flex;
      justify-content: center;
      padding: 0 0.75rem max(0.75rem, env(safe-area-inset-bottom));
      pointer-events: none;
    }
    .banner {
      display: flex;
      align-items: center;
      gap: 1rem;
      max-width: 32rem;
      width: 100%;
      padding: 0.75rem 1rem;
      border-radius: 0.75rem;
      background: var(--kh-surface-raised, #1e293b);
      color: inherit;
      box-shadow: 0 0.5rem 1.5rem rgb(0 0 0 / 0.4);
      pointer-events: auto;
    }
    .message {
      flex: 1;
    }
    button {
      min-height: 2.75rem; /* a comfortable touch target */
      padding: 0 1.25rem;
      border: 0;
      border-radius: 0.5rem;
      background: var(--kh-accent, #fbbf24);
      color: var(--kh-on-accent, #0f172a);
      font: inherit;
      font-weight: 600;
    }
    button:focus-visible {
      outline: 3px solid var(--kh-focus, #93c5fd);
      outline-offset: 2px;
    }
  `;

  declare updates: AppUpdates | undefined;
  declare private _updateReady: boolean;
  declare private _applying: boolean;
  #listeningTo: AppUpdates | undefined;

  constructor() {
    super();
    this.updates = undefined;
    this._updateReady = false;
    this._applying = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#listenTo(this.updates);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#listenTo(undefined);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('updates') && this.isConnected) this.#listenTo(this.updates);
  }

  protected override render(): unknown {
    // The live region stays in the DOM, so screen readers announce the message when it appears.
    return html`<div role="status">${this._updateReady ? this.#renderBanner() : nothing}</div>`;
  }

  #renderBanner(): unknown {
    return html`
      <div class="banner">
        <span class="message">New version available</span>
        <button type="button" ?disabled=${this._applying} @click=${this._onReload}>
          ${this._applying ? 'Reloading…' : 'Reload'}
        </button>
      </div>
    `;
  }

  #listenTo(updates: AppUpdates | undefined): void {
    if (updates === this.#listeningTo) return;
    this.#listeningTo?.removeEventListener(UPDATE_READY, this._onUpdateReady);
    this.#listeningTo = updates;
    updates?.addEventListener(UPDATE_READY, this._onUpdateReady);
    this._updateReady = updates?.updateReady ?? false;
  }

  private readonly _onUpdateReady = (): void => {
    this._updateReady = true;
  };

  private _onReload(): void {
    this._applying = true;
    this.updates?.applyUpdate();
  }
}

customElements.define('kh-update-prompt', KhUpdatePrompt);

declare global {
  interface HTMLElementTagNameMap {
    'kh-update-prompt': KhUpdatePrompt;
  }
}
