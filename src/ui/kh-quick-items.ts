import { LitElement, css, html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { QUICK_VIEW_CHANGED, RECORDS_CHANGED, type QuickViewItem, type Vault } from '../vault';
import { toUiFailure, type UiFailure } from './failure-messages';
import { describeFailure } from './failure-messages';
import './kh-quick-item';
import { sharedStyles } from './shared-styles';

/**
 * The lock screen's items shown without PIN: loads when the host connects and again whenever the
 * copies or the records change (a sync while locked can delete one or make it outdated). Drops
 * every decrypted item when the host leaves the page.
 */
class QuickItemsController implements ReactiveController {
  items: readonly QuickViewItem[] = [];
  failure: UiFailure | undefined;
  readonly #host: ReactiveControllerHost;
  readonly #vault: () => Vault | undefined;
  #listeningTo: Vault | undefined;
  #request = 0;

  constructor(host: ReactiveControllerHost, vault: () => Vault | undefined) {
    this.#host = host;
    this.#vault = vault;
    host.addController(this);
  }

  hostConnected(): void {
    this.#follow();
  }

  hostUpdate(): void {
    if (this.#vault() !== this.#listeningTo) this.#follow();
  }

  hostDisconnected(): void {
    this.#listeningTo?.removeEventListener(QUICK_VIEW_CHANGED, this.#onChanged);
    this.#listeningTo?.removeEventListener(RECORDS_CHANGED, this.#onChanged);
    this.#listeningTo = undefined;
    this.items = [];
    this.#request++;
  }

  async reload(): Promise<void> {
    const vault = this.#listeningTo;
    if (!vault) return;
    const request = ++this.#request;
    try {
      const items = await vault.quickView.items();
      if (request !== this.#request) return;
      this.items = items;
      this.failure = undefined;
    } catch (error) {
      if (request !== this.#request) return;
      this.failure = toUiFailure(error);
      if (this.failure.code === 'unexpected') console.error('Keyhold: reading the items shown without PIN failed', error);
    }
    this.#host.requestUpdate();
  }

  #follow(): void {
    this.#listeningTo?.removeEventListener(QUICK_VIEW_CHANGED, this.#onChanged);
    this.#listeningTo?.removeEventListener(RECORDS_CHANGED, this.#onChanged);
    this.#listeningTo = this.#vault();
    this.#listeningTo?.addEventListener(QUICK_VIEW_CHANGED, this.#onChanged);
    this.#listeningTo?.addEventListener(RECORDS_CHANGED, this.#onChanged);
    void this.reload();
  }

  readonly #onChanged = (): void => void this.reload();
}

/**
 * On the lock screen: the records the user chose to show on this device without PIN, each opening
 * read-only with no prompt. Renders nothing when there are none (the default).
 */
export class KhQuickItems extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _openId: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      :host {
        margin-top: 2rem;
      }
      ul {
        list-style: none;
        margin: 0.75rem 0 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
      }
      .item {
        display: flex;
        flex-direction: column;
        align-items: flex-start;
        gap: 0.125rem;
        width: 100%;
        min-height: 3.5rem;
        padding: 0.625rem 1rem;
        background: var(--kh-background, #0f172a);
        font-weight: 400;
        text-align: left;
      }
      .title {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .subtitle {
        color: var(--kh-muted, #94a3b8);
        font-size: 0.9375rem;
        overflow-wrap: anywhere;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _openId: string | null;
  readonly #items = new QuickItemsController(this, () => this.vault);

  constructor() {
    super();
    this.vault = undefined;
    this._openId = null;
  }

  protected override render(): unknown {
    const { items, failure } = this.#items;
    if (items.length === 0 && !failure) return nothing;
    const open = items.find((item) => item.id === this._openId);
    return html`<section class="card" data-test="quick-items" aria-labelledby="quick-heading">
      <h3 id="quick-heading">Shown without PIN</h3>
      ${failure ? html`<p class="error" role="alert">${describeFailure(failure)}</p>` : nothing}
      ${open
        ? html`<kh-quick-item .item=${open} @kh-close=${this._onCloseItem}></kh-quick-item>`
        : html`<p class="hint">Read-only copies kept on this device. Unlock to edit them.</p>
            <ul aria-labelledby="quick-heading">
              ${items.map(
                (item) => html`<li>
                  <button type="button" class="item" data-test="quick-item" data-id=${item.id} @click=${this._onOpenItem}>
                    <span class="title">${item.title}</span>
                    <span class="subtitle">${item.kind === 'note' ? 'Note' : item.subtitle || 'Login'}</span>
                  </button>
                </li>`,
              )}
            </ul>`}
    </section>`;
  }

  private async _onOpenItem(event: Event): Promise<void> {
    this._openId = (event.currentTarget as HTMLElement).dataset.id ?? null;
    await this.updateComplete;
    const item = this.renderRoot.querySelector('kh-quick-item');
    await item?.updateComplete;
    item?.renderRoot.querySelector<HTMLElement>('h4')?.focus();
  }

  private async _onCloseItem(): Promise<void> {
    const id = this._openId;
    this._openId = null;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`[data-test="quick-item"][data-id="${CSS.escape(id ?? '')}"]`)?.focus();
  }
}

customElements.define('kh-quick-items', KhQuickItems);

declare global {
  interface HTMLElementTagNameMap {
    'kh-quick-items': KhQuickItems;
  }
}
