import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { AppServices } from '../app-services';
import './kh-unlock';
import { LazyScreensController } from './lazy-screens-controller';
import { OnlineController } from './online-controller';
import { PageActivityController } from './page-activity-controller';
import { sharedStyles } from './shared-styles';
import { VaultStateController } from './vault-state-controller';

/**
 * The screens a returning user's first screen (the locked one, kh-unlock, bundled with this
 * shell) does not need: each is a chunk of its own, loaded when its state first comes up.
 */
const LAZY_SCREENS = {
  welcome: () => import('./kh-welcome'),
  'choose-pin': () => import('./kh-pin-setup'),
  unlocked: () => import('./kh-vault'),
};

/**
 * The Keyhold app shell: renders the screen for the vault controller's state (welcome, PIN
 * setup, unlock, the vault), tells the controller about page visibility and user activity for
 * auto-lock, and keeps the offline banner and the update prompt. (The key server's health is in
 * Settings → About: on every screen's foot it was noise.)
 */
export class KhApp extends LitElement {
  static override properties = {
    services: { attribute: false },
  };

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 100dvh;
        padding: max(1rem, env(safe-area-inset-top)) 1rem max(5rem, env(safe-area-inset-bottom));
      }
      header,
      main,
      .offline {
        width: 100%;
        max-width: 40rem;
        margin-inline: auto;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.75rem;
      }
      header img {
        width: 2.5rem;
        height: 2.5rem;
      }
      h1 {
        margin: 0;
        font-size: 1.75rem;
        letter-spacing: 0.02em;
      }
      .offline {
        margin-top: 0.75rem;
        padding: 0.625rem 0.875rem;
        border-left: 4px solid var(--kh-accent, #fbbf24);
        border-radius: 0.5rem;
        background: var(--kh-surface-raised, #1e293b);
      }
      main {
        flex: 1;
      }
      @media (min-width: 40rem) {
        :host {
          padding-inline: 2rem;
        }
      }
    `,
  ];

  declare services: AppServices | undefined;
  readonly #online = new OnlineController(this);
  readonly #vaultState = new VaultStateController(this);
  readonly #screens = new LazyScreensController(this, LAZY_SCREENS);

  constructor() {
    super();
    this.services = undefined;
    // Registers itself with this host (visibility and activity → auto-lock); nothing else holds it.
    new PageActivityController(this, () => this.services?.vault);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('services')) {
      this.#vaultState.observe(this.services?.vault);
      // Only a registered service worker can ever offer an update: its prompt is a chunk of its own.
      if (this.services?.updates) void import('./kh-update-prompt');
    }
  }

  protected override render(): unknown {
    return html`
      <header>
        <img src="/favicon.svg" alt="" />
        <h1>Keyhold</h1>
      </header>
      ${this.#online.value
        ? nothing
        : html`<p class="offline" role="status" data-test="offline-banner">
            Offline — your vault works; recovery, new devices and the audit log need the server.
          </p>`}
      <main>${this.#renderScreen()}</main>
      <kh-update-prompt .updates=${this.services?.updates}></kh-update-prompt>
    `;
  }

  #renderScreen(): unknown {
    const vault = this.services?.vault;
    const state = this.#vaultState.state;
    switch (state.kind) {
      case 'loading':
        return this.#vaultState.startFailed
          ? html`<div role="alert">
              <p class="error">Keyhold could not open its storage on this device. Private browsing, or a full disk, can cause this.</p>
              <button type="button" @click=${this._onRetryStart}>Try again</button>
            </div>`
          : html`<p role="status" class="hint">Your keys, locked on this device with your PIN. Opening…</p>`;
      case 'welcome':
        return this.#whenLoaded('welcome', () => html`<kh-welcome .vault=${vault} .online=${this.#online.value && state.online} .accountDeleted=${state.accountDeleted}></kh-welcome>`);
      case 'choose-pin':
        return this.#whenLoaded('choose-pin', () => html`<kh-pin-setup .vault=${vault} .state=${state}></kh-pin-setup>`);
      case 'locked':
        return html`<kh-unlock .vault=${vault} .state=${state}></kh-unlock>`;
      case 'unlocked':
        return this.#whenLoaded('unlocked', () => html`<kh-vault .vault=${vault} .state=${state}></kh-vault>`);
    }
  }

  /** `screen` once its element is defined; until then the same calm status as while the vault opens. */
  #whenLoaded(screen: keyof typeof LAZY_SCREENS, render: () => unknown): unknown {
    switch (this.#screens.status(screen)) {
      case 'ready':
        return render();
      case 'loading':
        return html`<p role="status" class="hint">Opening…</p>`;
      case 'failed':
        return html`<div role="alert">
          <p class="error">This part of Keyhold did not load. Reloading the page fixes this after an update.</p>
          <button type="button" @click=${this._onReload}>Reload</button>
        </div>`;
    }
  }

  private _onRetryStart(): void {
    this.#vaultState.retryStart();
  }

  private _onReload(): void {
    window.location.reload();
  }
}

customElements.define('kh-app', KhApp);

declare global {
  interface HTMLElementTagNameMap {
    'kh-app': KhApp;
  }
}
