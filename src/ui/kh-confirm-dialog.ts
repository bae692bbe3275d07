import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { dialogStyles } from './dialog-styles';
import { showModal } from './modal';
import { sharedStyles } from './shared-styles';

/** What a confirmation asks: a question as its heading, what will happen, and the two answers. */
export interface ConfirmRequest {
  readonly title: string;
  readonly body: TemplateResult | string;
  /** The button that goes ahead, e.g. "Remove Pixel 8". */
  readonly confirm: string;
  /** The button that changes nothing; "Cancel" unless given. */
  readonly cancel?: string;
  /** The action removes something: the confirm button reads as dangerous. */
  readonly danger?: boolean;
}

/**
 * Asks before a step that takes something away (removing a device or a passkey): a modal native
 * `<dialog>` in the document's body, labelled by its question and described by its text, that
 * opens with the focus on the safe answer. Escape cancels. Resolves true when the person chose to
 * go ahead; the focus returns to `from`.
 */
export function confirmAction(from: HTMLElement, request: ConfirmRequest): Promise<boolean> {
  const dialog = document.createElement('kh-confirm-dialog');
  dialog.request = request;
  return showModal(from, dialog);
}

/** The dialog `confirmAction` shows; `closed` says how it ended. */
export class KhConfirmDialog extends LitElement {
  static override properties = {
    request: { attribute: false },
  };

  static override styles = [
    sharedStyles,
    dialogStyles,
    css`
      .actions {
        margin-top: 1.25rem;
      }
    `,
  ];

  declare request: ConfirmRequest | undefined;
  readonly closed: Promise<boolean>;
  #settle: (confirmed: boolean) => void = () => {};
  #settled = false;

  constructor() {
    super();
    this.request = undefined;
    this.closed = new Promise<boolean>((resolve) => (this.#settle = resolve));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#finish(false);
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
    this.renderRoot.querySelector<HTMLElement>('.cancel')?.focus();
  }

  protected override render(): unknown {
    const request = this.request;
    if (!request) return nothing;
    return html`
      <dialog aria-labelledby="confirm-heading" aria-describedby="confirm-body" @close=${this._onCancel}>
        <h2 id="confirm-heading">${request.title}</h2>
        <div id="confirm-body">${typeof request.body === 'string' ? html`<p>${request.body}</p>` : request.body}</div>
        <div class="actions stacked">
          <button type="button" class=${request.danger ? 'danger confirm' : 'primary'} @click=${this._onConfirm}>${request.confirm}</button>
          <button type="button" class="cancel" @click=${this._onCancel}>${request.cancel ?? 'Cancel'}</button>
        </div>
      </dialog>
    `;
  }

  #finish(confirmed: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(confirmed);
    const dialog = this.renderRoot?.querySelector('dialog');
    if (dialog?.open) dialog.close();
  }

  private _onConfirm(): void {
    this.#finish(true);
  }

  private _onCancel(): void {
    this.#finish(false);
  }
}

customElements.define('kh-confirm-dialog', KhConfirmDialog);

declare global {
  interface HTMLElementTagNameMap {
    'kh-confirm-dialog': KhConfirmDialog;
  }
}
