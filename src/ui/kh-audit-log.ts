import { LitElement, css, html, nothing } from 'lit';
import type { AuditPage, Vault } from '../vault';
import { appLabel } from './app-groups';
import { describeAuditEvent } from './audit-labels';
import { describeFailure } from './failure-messages';
import './kh-passkey-signin';
import { OnlineController } from './online-controller';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

type AuditEvent = AuditPage['events'][number];

/**
 * Settings → Data → "Activity": the account's audit log from the key server, newest first, one
 * line per event with the app it happened in (where the entry names one: device and passkey
 * sign-ins, device registrations and removals) and its local time, and "Load older" following the server's `nextBefore`.
 * Online only. Where the server wants a passkey sign-in first, that is offered instead of
 * "Try again", which could never help.
 */
export class KhAuditLog extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _events: { state: true },
    _nextBefore: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      ol {
        list-style: none;
        margin: 0.5rem 0;
        padding: 0;
      }
      li {
        padding: 0.5rem 0;
        border-bottom: 1px solid var(--kh-border);
      }
      .app,
      time {
        display: block;
        font-size: 0.875rem;
        opacity: 0.85;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _events: readonly AuditEvent[];
  declare private _nextBefore: number | null;
  readonly #online = new OnlineController(this);
  readonly #load = new VaultTask<AuditPage>(this);
  #started = false;

  constructor() {
    super();
    this.vault = undefined;
    this._events = [];
    this._nextBefore = null;
  }

  protected override updated(): void {
    if (!this.#started && this.vault && this.#online.value) {
      this.#started = true;
      void this.#fetch(undefined);
    }
  }

  protected override render(): unknown {
    const failure = this.#load.failure;
    return html`
      <h3 id="activity-heading">Activity</h3>
      ${!this.#online.value
        ? html`<p class="hint" role="status" data-test="activity-offline">Activity needs the Keyhold server. Connect to the internet first.</p>`
        : html`
            ${this._events.length === 0 && this.#load.pending ? html`<p role="status">Loading…</p>` : nothing}
            ${this._events.length === 0 && this.#load.status === 'done' ? html`<p data-test="activity-empty">No activity yet.</p>` : nothing}
            <ol aria-labelledby="activity-heading" data-test="activity-list" ?hidden=${this._events.length === 0}>
              ${this._events.map(
                (event) => html`<li data-test="activity-event" data-type=${event.type}>
                  ${describeAuditEvent(event.type, event.data, event.count)}
                  ${event.app ? html`<span class="app">${appLabel(event.app)}</span>` : nothing}
                  <time datetime=${new Date(event.at).toISOString()}>${new Date(event.at).toLocaleString()}</time>
                </li>`,
              )}
            </ol>
            ${failure?.code === 'forbidden_scope'
              ? html`<kh-passkey-signin .vault=${this.vault} what="Activity" @kh-signed-in=${this._onLoadMore}></kh-passkey-signin>`
              : this.#renderMore()}
          `}
    `;
  }

  #renderMore(): unknown {
    const failure = this.#load.failure;
    return html`
      ${this._nextBefore !== null || failure
        ? html`<div class="actions">
            <button type="button" data-test="activity-load-older" ?disabled=${this.#load.pending} @click=${this._onLoadMore}>
              ${failure ? 'Try again' : 'Load older'}
            </button>
          </div>`
        : nothing}
      <p role="alert" class="error msg" data-test="activity-error">${failure ? describeFailure(failure) : nothing}</p>
    `;
  }

  private async _onLoadMore(): Promise<void> {
    await this.#fetch(this._events.length === 0 ? undefined : (this._nextBefore ?? undefined));
  }

  async #fetch(before: number | undefined): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#load.pending) return;
    const page = await this.#load.run((signal) => vault.account.auditLog(before, signal));
    if (!page) return;
    this._events = before === undefined ? page.events : [...this._events, ...page.events];
    this._nextBefore = page.nextBefore;
  }
}

customElements.define('kh-audit-log', KhAuditLog);

declare global {
  interface HTMLElementTagNameMap {
    'kh-audit-log': KhAuditLog;
  }
}
