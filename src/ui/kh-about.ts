import { LitElement, css, html } from 'lit';
import type { ServerHealth } from '../vault';
import { ServerHealthController } from './server-health-controller';
import { sharedStyles } from './shared-styles';

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
 * Settings → "About": the key server's health (checked when this screen opens and when the
 * network returns, and on "Check again") and the version of this app.
 */
export class KhAbout extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      .server {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 1rem;
      }
      .app {
        margin-top: 1.5rem;
      }
    `,
  ];

  readonly #serverHealth = new ServerHealthController(this);

  protected override render(): unknown {
    const health = this.#serverHealth.value;
    return html`
      <h3>Key server</h3>
      <p class="hint">It keeps your encrypted backup and recovery routes. Keyhold opens and works without it.</p>
      <div class="server">
        <p role="status" data-test="server-health">Key server: ${describeHealth(health)}</p>
        <button type="button" ?disabled=${health === undefined} @click=${this._onCheckAgain}>Check again</button>
      </div>
      <h3 class="app">This app</h3>
      <p data-test="app-version">Keyhold version ${__KEYHOLD_VERSION__}</p>
    `;
  }

  private _onCheckAgain(): void {
    void this.#serverHealth.refresh();
  }
}

customElements.define('kh-about', KhAbout);

declare global {
  interface HTMLElementTagNameMap {
    'kh-about': KhAbout;
  }
}
