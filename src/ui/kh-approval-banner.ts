import { LitElement, css, html, nothing } from 'lit';
import { APPROVALS_CHANGED, type ApprovalRequest, type Vault } from '../vault';
import { appLabel } from './app-groups';
import { approvalPhraseStyles } from './approval-phrase-styles';
import { describeFailure } from './failure-messages';
import { ensureReprompt } from './reprompt';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** Who asks, as the owner should read it: the app the request came from on the device it names ("Field notes on Pixel 8"). */
const joining = (request: ApprovalRequest): string => `${appLabel(request.app)} on ${request.deviceName}`;

/**
 * In the open vault: a new device asked to join this account (`vault.approvals`, found on opening
 * the app and by each minute's sync). Shows the app it asks from (Keyhold or another app of the
 * account, which its key is then signed in for), its name and the 5 words its request carries, and asks
 * the owner to compare them with the new device's screen; Approve (after the PIN re-prompt when
 * the unlock is old) sends the vault's root secret sealed to that device, Deny refuses it.
 * One request at a time, oldest first.
 */
export class KhApprovalBanner extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _requests: { state: true },
    _done: { state: true },
  };

  static override styles = [
    sharedStyles,
    approvalPhraseStyles,
    css`
      :host {
        display: block;
      }
      .card {
        border-left: 4px solid var(--kh-accent, currentColor);
        margin-bottom: 1rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _requests: readonly ApprovalRequest[];
  /** What the last answer did, said once. */
  declare private _done: string | undefined;
  readonly #answer = new VaultTask<void>(this);
  #watched: Vault | undefined;

  constructor() {
    super();
    this.vault = undefined;
    this._requests = [];
    this._done = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#watch();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#watched?.removeEventListener(APPROVALS_CHANGED, this._onChanged);
    this.#watched = undefined;
  }

  protected override willUpdate(): void {
    if (this.vault !== this.#watched && this.isConnected) this.#watch();
  }

  #watch(): void {
    this.#watched?.removeEventListener(APPROVALS_CHANGED, this._onChanged);
    this.#watched = this.vault;
    this.vault?.addEventListener(APPROVALS_CHANGED, this._onChanged);
    this._requests = this.vault?.approvals.requests ?? [];
  }

  private readonly _onChanged = (): void => {
    this._requests = this.vault?.approvals.requests ?? [];
  };

  protected override render(): unknown {
    const request = this._requests[0];
    if (!request) return this._done ? html`<p class="ok msg" role="status">${this._done}</p>` : nothing;
    const pending = this.#answer.pending;
    const failure = this.#answer.failure;
    return html`<section class="card" aria-labelledby="approval-title">
      <h3 id="approval-title">A new device wants to join: ${joining(request)}</h3>
      <p>Approve only if the new device shows these same words:</p>
      <ol class="phrase" aria-label="Words the new device must show">
        ${request.phrase.map((word) => html`<li>${word}</li>`)}
      </ol>
      <p class="hint">Approving lets that device open your whole vault. If you did not ask to add a device, deny.</p>
      <div class="actions">
        <button type="button" class="primary" ?disabled=${pending} @click=${(e: Event) => this._onApprove(request, e.currentTarget as HTMLElement)}>Approve</button>
        <button type="button" ?disabled=${pending} @click=${() => this._onDeny(request)}>Deny</button>
      </div>
      <p class="error msg" role="alert">${failure ? describeFailure(failure) : nothing}</p>
    </section>`;
  }

  private async _onApprove(request: ApprovalRequest, button: HTMLElement): Promise<void> {
    const vault = this.vault;
    if (!vault || !(await ensureReprompt(vault, button, 'let this device in'))) return;
    this._done = undefined;
    await this.#answer.run(() => vault.approvals.approve(request.id));
    if (this.#answer.status === 'done') this._done = `Approved. ${joining(request)} can now open your vault.`;
  }

  private async _onDeny(request: ApprovalRequest): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    this._done = undefined;
    await this.#answer.run(() => vault.approvals.deny(request.id));
    if (this.#answer.status === 'done') this._done = `Denied. ${joining(request)} was not let in.`;
  }
}

customElements.define('kh-approval-banner', KhApprovalBanner);

declare global {
  interface HTMLElementTagNameMap {
    'kh-approval-banner': KhApprovalBanner;
  }
}
