import { LitElement, css, html, nothing } from 'lit';
import { OnlineController } from './online-controller';
import { sharedStyles } from './shared-styles';
import { SyncStatusController } from './sync-status-controller';
import { describeRollback, describeSync } from './sync-text';
import type { Vault } from '../vault';

/**
 * The unlocked vault's sync line: whether every change reached the server, what waits
 * and why, a download's progress, and "Sync now". The state sentence is a polite live region;
 * the counts and "synced 2 min ago" beside it are not, so a screen reader hears what changed,
 * not every tick. Below it, an alert when the server sent older copies of items than this device
 * had seen (a rollback: the device kept its own). "Sync now" stays focusable while it cannot act (`aria-disabled`), so pressing
 * it never drops the focus to the page. It fires no events: the vault reports through the
 * controller, which every screen reads for itself.
 */
export class KhSyncStatus extends LitElement {
  static override properties = {
    vault: { attribute: false },
  };

  static override styles = [
    sharedStyles,
    css`
      .line {
        display: flex;
        align-items: center;
        gap: 0.5rem 0.75rem;
      }
      .text {
        flex: 1;
        margin: 0;
        font-size: 0.9375rem;
        line-height: 1.4;
      }
      .detail {
        color: var(--kh-muted, #94a3b8);
      }
      .problem .headline {
        color: var(--kh-error);
      }
      .mark {
        flex: none;
        width: 0.75rem;
        height: 0.75rem;
        border-radius: 50%;
        background: var(--kh-border);
      }
      .ok .mark {
        background: var(--kh-success);
      }
      .waiting .mark {
        background: var(--kh-accent, #fbbf24);
      }
      .problem .mark {
        background: var(--kh-error);
      }
      .busy .spinner {
        width: 0.875rem;
        height: 0.875rem;
        border-width: 2px;
      }
      button {
        flex: none;
        padding: 0 0.75rem;
        font-size: 0.9375rem;
      }
      button[aria-disabled='true'] {
        cursor: not-allowed;
        opacity: 0.55;
      }
      .rollback {
        margin: 0.5rem 0 0;
        padding: 0.5rem 0.75rem;
        border: 1px solid var(--kh-error);
        border-radius: 0.5rem;
        font-size: 0.9375rem;
        line-height: 1.4;
      }
      progress {
        width: 100%;
        height: 0.5rem;
        margin-top: 0.5rem;
        accent-color: var(--kh-accent, #fbbf24);
      }
    `,
  ];

  declare vault: Vault | undefined;
  readonly #sync = new SyncStatusController(this, () => this.vault, { clock: true });
  readonly #online = new OnlineController(this);

  constructor() {
    super();
    this.vault = undefined;
  }

  protected override render(): unknown {
    const status = this.#sync.shown;
    if (!status) return nothing;
    const line = describeSync(status, Date.now());
    const rollback = describeRollback(status);
    const cannotSync = this.#sync.running || !this.#online.value;
    return html`
      <div class="line ${line.tone}" data-test="sync-status" data-phase=${status.phase} data-pending=${status.pending}>
        ${line.tone === 'busy' ? html`<span class="spinner" aria-hidden="true"></span>` : html`<span class="mark" aria-hidden="true"></span>`}
        <p class="text">
          <span class="headline" role="status" data-test="sync-headline">${line.headline}</span>${line.detail
            ? html`<span class="detail" data-test="sync-detail"> · ${line.detail}</span>`
            : nothing}
        </p>
        <button
          type="button"
          data-test="sync-now"
          aria-disabled=${cannotSync ? 'true' : 'false'}
          @click=${this._onSyncNow}
        >
          Sync now
        </button>
      </div>
      <div role="alert">${rollback ? html`<p class="rollback" data-test="sync-rollback">${rollback}</p>` : nothing}</div>
      ${line.progress
        ? html`<progress data-test="sync-progress" max=${line.progress.total} .value=${line.progress.done} aria-label="Vault download"></progress>`
        : nothing}
    `;
  }

  private _onSyncNow(): void {
    if (this.#sync.running || !this.#online.value) return;
    void this.#sync.syncNow();
  }
}

customElements.define('kh-sync-status', KhSyncStatus);

declare global {
  interface HTMLElementTagNameMap {
    'kh-sync-status': KhSyncStatus;
  }
}
