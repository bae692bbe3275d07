import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { live } from 'lit/directives/live.js';
import { toDataURL } from 'qrcode';
import type { PendingRecoveryKit, RecoveryRoutes, Vault } from '../vault';
import { describeFailure, toUiFailure, type UiFailure } from './failure-messages';
import { kitDate } from './kh-kit-sheet';
import { KitPrintCopy } from './kit-print-copy';
import { OnlineController } from './online-controller';
import { ensureReprompt } from './reprompt';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

type KitStatus = RecoveryRoutes['kit'];
/** Idle (status and buttons), the words on screen, or two of them typed back. */
type Step = 'idle' | 'show' | 'check';

const MISMATCH = 'These words do not match your kit. Look at the words again and check their numbers.';

/**
 * Settings → Recovery → "Recovery kit": the route that trusts nobody. Says whether the account
 * has a kit and since when; "Create recovery kit" (or "Replace…", which says the old kit stops
 * working once the new one is confirmed) asks for the PIN again when the unlock is a while old,
 * then shows the twelve words once, numbered, with the QR code, the username and the date, and
 * "Print or save as PDF" (a print-only copy under `<body>`, kh-kit-sheet). "I wrote it down" asks
 * for two of the words back; only then is the kit stored (`recoveryKit.activate`), and the words
 * leave the page. "Remove recovery kit" needs a passkey sign-in.
 *
 * @fires kh-recovery-kit-changed - A kit was made, replaced or removed (bubbles, composed): the
 *   recovery list beside this reloads, and with it `status`.
 */
export class KhRecoveryKit extends LitElement {
  static override properties = {
    vault: { attribute: false },
    status: { attribute: false },
    _step: { state: true },
    _kit: { state: true },
    _qr: { state: true },
    _typed: { state: true },
    _prepareFailure: { state: true },
    _confirmingRemove: { state: true },
    _done: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      kh-kit-sheet {
        margin: 1rem 0;
      }
      .warning {
        padding-left: 0.75rem;
        border-left: 4px solid var(--kh-accent, #fbbf24);
      }
      .actions {
        margin-top: 0.75rem;
      }
      .done:not(:empty) {
        margin: 0.75rem 0;
      }
    `,
  ];

  declare vault: Vault | undefined;
  /** The account's kit as the recovery list last read it: undefined while reading, null when it could not be read. */
  declare status: KitStatus | null | undefined;
  declare private _step: Step;
  declare private _kit: PendingRecoveryKit | undefined;
  declare private _qr: string | undefined;
  /** The two words typed back, for `kit.checkPositions`. */
  declare private _typed: readonly [string, string];
  declare private _prepareFailure: UiFailure | undefined;
  declare private _confirmingRemove: boolean;
  /** What just changed ("Your recovery kit is ready."). */
  declare private _done: string | undefined;
  readonly #online = new OnlineController(this);
  readonly #activate = new VaultTask<{ createdAt: number; replaced: boolean }>(this);
  readonly #remove = new VaultTask<void>(this);
  /** The print-only copy of the kit under `<body>` while the words are shown. */
  readonly #printCopy = new KitPrintCopy(this);

  constructor() {
    super();
    this.vault = undefined;
    this.status = undefined;
    this._step = 'idle';
    this._kit = undefined;
    this._qr = undefined;
    this._typed = ['', ''];
    this._prepareFailure = undefined;
    this._confirmingRemove = false;
    this._done = undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Leaving the screen forgets a kit not yet confirmed: it was never stored, and is shown only once.
    this.#forget();
  }

  protected override updated(changed: PropertyValues): void {
    if (!changed.has('_step') && !changed.has('_qr')) return;
    if (this._step === 'show' && this._kit) this.#printCopy.show(this._kit, this._qr);
    else this.#printCopy.hide();
  }

  protected override render(): unknown {
    return html`
      <h3>Recovery kit</h3>
      <p class="hint">
        A page with 12 words and a QR code that you keep somewhere safe. With it you can open your vault on a new device, or set a
        new PIN here, without trusting anyone: not even the Keyhold server can use it.
      </p>
      ${this._step === 'show' ? this.#renderShow() : this._step === 'check' ? this.#renderCheck() : this.#renderIdle()}
    `;
  }

  #renderIdle(): unknown {
    const done = html`<p class="ok msg done" role="status" data-test="kit-done">${this._done ?? nothing}</p>`;
    if (!this.#online.value) {
      return html`${done}<p class="hint" role="status">Making or removing a recovery kit needs the Keyhold server. Connect to the internet first.</p>`;
    }
    const status = this.status;
    if (status === undefined) return html`${done}<p role="status">Checking…</p>`;
    const failure = this._prepareFailure ?? this.#remove.failure;
    return html`
      ${done}
      <p data-test="kit-status">
        ${status === null
          ? 'Keyhold could not check whether you have a recovery kit.'
          : status.active
            ? `You made your recovery kit on ${kitDate(status.createdAt ?? Date.now())}.`
            : 'You have no recovery kit yet.'}
      </p>
      ${status?.active
        ? html`<p class="warning">A new kit replaces this one: the old page stops working once you confirm the new one.</p>`
        : nothing}
      <div class="actions">
        <button type="button" class=${status?.active ? '' : 'primary'} ?disabled=${this.#remove.pending} @click=${this._onCreate}>
          ${status?.active ? 'Replace recovery kit' : 'Create recovery kit'}
        </button>
        ${status?.active && !this._confirmingRemove
          ? html`<button type="button" class="danger" @click=${this._onAskRemove}>Remove recovery kit</button>`
          : nothing}
      </div>
      ${this._confirmingRemove ? this.#renderConfirmRemove() : nothing}
      <p class="error msg" role="alert">${failure ? describeFailure(failure) : nothing}</p>
    `;
  }

  #renderConfirmRemove(): unknown {
    const pending = this.#remove.pending;
    return html`<p id="kit-remove-q">Remove your recovery kit? Its page stops working. You will be asked for your passkey.</p>
      <div class="actions" role="group" aria-labelledby="kit-remove-q">
        <button type="button" class="danger confirm" ?disabled=${pending} @click=${this._onRemove}>
          ${pending ? 'Waiting for passkey…' : 'Yes, remove the recovery kit'}
        </button>
        <button type="button" ?disabled=${pending} @click=${this._onKeep}>Keep it</button>
      </div>`;
  }

  #renderShow(): unknown {
    return html`
      <p>
        <strong>Write these 12 words down in order, or print this page,</strong> and keep it somewhere safe and private. Keyhold
        shows them only now.
      </p>
      <kh-kit-sheet .kit=${this._kit} .qr=${this._qr}></kh-kit-sheet>
      <div class="actions">
        <button type="button" @click=${this._onPrint}>Print or save as PDF</button>
        <button type="button" class="primary" @click=${this._onWroteItDown}>I wrote it down</button>
        <button type="button" @click=${this._onCancel}>Cancel</button>
      </div>
    `;
  }

  #renderCheck(): unknown {
    const kit = this._kit;
    if (!kit) return nothing;
    const failure = this.#activate.failure;
    const pending = this.#activate.pending;
    const [a, b] = kit.checkPositions;
    return html`<form novalidate @submit=${this._onActivate}>
      <p>To check your copy, type two of its words.</p>
      ${[a, b].map(
        (position, i) => html`<div class="field">
          <label for="kit-check-${i}">Word ${(position ?? 0) + 1}</label>
          <input id="kit-check-${i}" autocomplete="off" autocapitalize="none" spellcheck="false" required aria-describedby="kit-error"
            aria-invalid=${failure?.code === 'kit_mismatch' ? 'true' : 'false'} .value=${live(this._typed[i] ?? '')} ?disabled=${pending}
            @input=${(event: InputEvent) => this.#type(i, (event.target as HTMLInputElement).value)} />
        </div>`,
      )}
      <div class="actions">
        <button type="submit" class="primary" ?disabled=${pending || this._typed.some((word) => word.trim() === '')}>
          ${pending ? 'Saving your kit…' : 'Turn on the recovery kit'}
        </button>
        <button type="button" ?disabled=${pending} @click=${this._onShowAgain}>Show the words again</button>
      </div>
      <p id="kit-error" class="error msg" role="alert">${failure ? describeFailure(failure, { kit_mismatch: MISMATCH }) : nothing}</p>
    </form>`;
  }

  #type(i: number, value: string): void {
    this._typed = i === 0 ? [value, this._typed[1]] : [this._typed[0], value];
    this.#activate.reset();
  }

  #forget(): void {
    this._kit = undefined;
    this._qr = undefined;
    this._typed = ['', ''];
    this._step = 'idle';
    this.#printCopy.hide();
  }

  private async _onCreate(event: Event): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    this._done = undefined;
    this._prepareFailure = undefined;
    this._confirmingRemove = false;
    this.#remove.reset();
    if (!(await ensureReprompt(vault, event.currentTarget as HTMLElement, 'make a recovery kit'))) return;
    try {
      const kit = await vault.account.recoveryKit.prepare();
      this._qr = await toDataURL(kit.qrText, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
      this._kit = kit;
      this._typed = ['', ''];
      this._step = 'show';
      this.#activate.reset();
    } catch (error) {
      this._prepareFailure = toUiFailure(error);
    }
  }

  private _onPrint(): void {
    window.print();
  }

  private async _onWroteItDown(): Promise<void> {
    this._step = 'check';
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('#kit-check-0')?.focus();
  }

  private _onShowAgain(): void {
    this._step = 'show';
  }

  private _onCancel(): void {
    this.#forget();
  }

  private async _onActivate(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    const kit = this._kit;
    if (!vault || !kit || this.#activate.pending) return;
    const typed = [...this._typed];
    // Reading and copying the words can outlast the re-prompt window: confirm again first if so.
    const submit = this.renderRoot.querySelector<HTMLElement>('button[type="submit"]') ?? this;
    if (!(await ensureReprompt(vault, submit, 'turn on your recovery kit'))) return;
    const result = await this.#activate.run(() => vault.account.recoveryKit.activate(kit, typed));
    if (!result) return;
    this.#forget();
    this._done = result.replaced
      ? 'Your new recovery kit is ready. The old one no longer works: destroy its page.'
      : 'Your recovery kit is ready. Keep it somewhere safe.';
    this.dispatchEvent(new Event('kh-recovery-kit-changed', { bubbles: true, composed: true }));
  }

  private _onAskRemove(): void {
    this._confirmingRemove = true;
    this._done = undefined;
    this.#remove.reset();
  }

  private _onKeep(): void {
    this._confirmingRemove = false;
  }

  private async _onRemove(event: Event): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#remove.pending) return;
    if (!(await ensureReprompt(vault, event.currentTarget as HTMLElement, 'remove your recovery kit'))) return;
    await this.#remove.run((signal) => vault.account.recoveryKit.remove(signal));
    if (this.#remove.status !== 'done') return;
    this._confirmingRemove = false;
    this._done = 'Your recovery kit is removed: its page no longer works.';
    this.dispatchEvent(new Event('kh-recovery-kit-changed', { bubbles: true, composed: true }));
  }
}

customElements.define('kh-recovery-kit', KhRecoveryKit);

declare global {
  interface HTMLElementTagNameMap {
    'kh-recovery-kit': KhRecoveryKit;
  }
}
