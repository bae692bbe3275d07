import { LitElement, css, html } from 'lit';
import type { AppServices } from '../app-services';
import type { ServerHealth } from '../vault/server-health';
import { ServerHealthController } from './server-health-controller';
import './kh-update-prompt';

/** Words for the key server's state; "offline" is normal for Keyhold, so it reads calmly. */
function describeHealth(health: ServerHealth | undefined): string {
  switch (health?.state) {
    case undefined:
      return 'checking…';
    case 'online': {
      const state = health.status === 'ok' ? 'online' : health.status;
      return health.version ? `${state}, version ${health.version}` : state;
    }
    case 'error':
      return `not answering properly (HTTP ${health.httpStatus})`;
    case 'offline':
      return 'offline';
  }
}

/**
 * The Keyhold app shell. For now it names the app, shows whether the key server answers, and
 * offers a waiting update; the vault screens arrive with the vault SDK.
 */
export class KhApp extends LitElement {
  static override properties = {
    services: { attribute: false },
  };

  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 100dvh;
      padding: max(1rem, env(safe-area-inset-top)) 1rem max(5rem, env(safe-area-inset-bottom));
      box-sizing: border-box;
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
    main {
      flex: 1;
      max-width: 40rem;
    }
    .server {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
      color: var(--kh-muted, #94a3b8);
    }
    .server button {
      min-height: 2.75rem;
      padding: 0 1rem;
      border: 1px solid currentColor;
      border-radius: 0.5rem;
      background: transparent;
      color: inherit;
      font: inherit;
    }
    .server button:focus-visible {
      outline: 3px solid var(--kh-focus, #93c5fd);
      outline-offset: 2px;
    }
    @media (min-width: 40rem) {
      :host {
        padding-inline: 2rem;
      }
    }
  `;

  declare services: AppServices | undefined;
  readonly #serverHealth = new ServerHealthController(this);

  constructor() {
    super();
    this.services = undefined;
  }

  protected override render(): unknown {
    const health = this.#serverHealth.value;
    return html`
      <header>
        <img src="/favicon.svg" alt="" />
        <h1>Keyhold</h1>
      </header>
      <main>
        <p>Your keys, locked on this device with your PIN.</p>
        <p class="server">
          <span role="status">Key server: ${describeHealth(health)}</span>
          ${health === undefined ? '' : html`<button type="button" @click=${this._onCheckAgain}>Check again</button>`}
        </p>
      </main>
      <kh-update-prompt .updates=${this.services?.updates}></kh-update-prompt>
    `;
  }

  private _onCheckAgain(): void {
    void this.#serverHealth.refresh();
  }
}

customElements.define('kh-app', KhApp);

declare global {
  interface HTMLElementTagNameMap {
    'kh-app': KhApp;
  }
}
