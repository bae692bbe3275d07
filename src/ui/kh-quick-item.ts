import { LitElement, css, html, nothing } from 'lit';
import type { QuickViewItem } from '../vault';
import { sharedStyles } from './shared-styles';

/** "12 Mar 2030, 14:05" in the reader's locale. */
function formatAsOf(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * One item shown without PIN, on the lock screen: read-only text (no field can be edited here),
 * the password hidden until "Show", a Copy button, and how current this device's copy is.
 *
 * @fires kh-close - Back to the list of items.
 */
export class KhQuickItem extends LitElement {
  static override properties = {
    item: { attribute: false },
    _showPassword: { state: true },
    _copyStatus: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      h4 {
        margin: 0 0 0.25rem;
        font-size: 1.125rem;
        overflow-wrap: anywhere;
      }
      h4:focus {
        outline: none;
      }
      dl {
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
        margin: 1rem 0;
      }
      dt {
        font-weight: 600;
      }
      dd {
        margin: 0.125rem 0 0;
        overflow-wrap: anywhere;
      }
      .text {
        white-space: pre-wrap;
      }
      .secret {
        display: block;
        font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
      }
      dd .actions {
        margin-top: 0.5rem;
      }
      dd .hint {
        display: block;
        margin-top: 0.25rem;
      }
      .back {
        margin-top: 0.5rem;
      }
    `,
  ];

  declare item: QuickViewItem | undefined;
  declare private _showPassword: boolean;
  declare private _copyStatus: string;

  constructor() {
    super();
    this.item = undefined;
    this._showPassword = false;
    this._copyStatus = '';
  }

  protected override render(): unknown {
    const item = this.item;
    if (!item) return nothing;
    const content = item.content;
    return html`
      <h4 tabindex="-1" data-test="quick-item-title">${item.title}</h4>
      <p class="hint" data-test="quick-as-of">
        Read-only copy on this device, as of <time datetime=${new Date(item.asOf).toISOString()}>${formatAsOf(item.asOf)}</time>.
        ${item.outdated ? html`<strong data-test="quick-outdated">It has changed since: unlock to see the newest version.</strong>` : nothing}
      </p>
      <dl>
        ${content.kind === 'login'
          ? html`${this.#entry('Username', content.username, 'quick-username')} ${this.#password(content.password)}
            ${this.#entry('Web address', content.url, 'quick-url')} ${this.#entry('Notes', content.notes, 'quick-notes')}`
          : this.#entry('Note', content.body, 'quick-body')}
      </dl>
      <div class="actions back">
        <button type="button" data-test="quick-close" @click=${this._onClose}><span aria-hidden="true">←</span> Back</button>
      </div>
    `;
  }

  #entry(label: string, value: string, test: string): unknown {
    if (value.trim() === '') return nothing;
    return html`<div><dt>${label}</dt><dd class="text" data-test=${test}>${value}</dd></div>`;
  }

  #password(password: string): unknown {
    if (password === '') return nothing;
    return html`<div>
      <dt>Password</dt>
      <dd>
        <span class="secret" data-test="quick-password">${this._showPassword
          ? password
          : html`<span aria-hidden="true">••••••••</span><span class="visually-hidden">hidden</span>`}</span>
        <span class="actions">
          <button type="button" data-test="quick-show-password" aria-pressed=${this._showPassword ? 'true' : 'false'} @click=${this._onTogglePassword}>
            ${this._showPassword ? 'Hide' : 'Show'}
          </button>
          <button type="button" data-test="quick-copy-password" @click=${this._onCopy}>Copy</button>
        </span>
        <span class="hint" role="status" data-test="quick-copy-status">${this._copyStatus}</span>
      </dd>
    </div>`;
  }

  private _onTogglePassword(): void {
    this._showPassword = !this._showPassword;
  }

  private async _onCopy(): Promise<void> {
    if (this.item?.content.kind !== 'login') return;
    try {
      await navigator.clipboard.writeText(this.item.content.password);
      this._copyStatus = 'Password copied.';
    } catch {
      this._copyStatus = 'Could not copy: this browser did not allow it. Show the password and copy it by hand.';
    }
  }

  private _onClose(): void {
    this.dispatchEvent(new Event('kh-close'));
  }
}

customElements.define('kh-quick-item', KhQuickItem);

declare global {
  interface HTMLElementTagNameMap {
    'kh-quick-item': KhQuickItem;
  }
}
