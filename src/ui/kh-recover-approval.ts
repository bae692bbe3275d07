import { LitElement, css, html, nothing } from 'lit';
import type { Vault } from '../vault';
import { approvalPhraseStyles } from './approval-phrase-styles';
import { describeFailure } from './failure-messages';
import { EMPTY_PIN_DRAFT, newPinFeedback, renderNewPinFields, type NewPinDraft } from './new-pin-fields';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

const OFFLINE = 'Asking your other device needs the Keyhold server, which cannot be reached now. Check your connection and try again.';
/** The answer was sealed to another key than this device's: the server swapped it, so the other device showed other words. */
const NOT_FOR_THIS_DEVICE = 'The answer was not meant for this device: the words on your other device were not these. Nothing was opened here. Ask again, and approve only if the words match.';

/**
 * "I already have a vault" → "With another device I have": a new PIN for this device, then a
 * request to join; this device shows 5 words (its request's fingerprint) and waits until a device
 * where the vault is open approves — after its owner checked it shows the same words — or denies,
 * or the 10 minutes run out (`vault.recovery.withApproval`). Cancel stops waiting.
 */
export class KhRecoverApproval extends LitElement {
  static override properties = {
    vault: { attribute: false },
    online: { type: Boolean },
    username: { type: String },
    _draft: { state: true },
    _phrase: { state: true },
  };

  static override styles = [
    sharedStyles,
    approvalPhraseStyles,
    css`
      form,
      section {
        margin-bottom: 1rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare online: boolean;
  declare username: string;
  declare private _draft: NewPinDraft;
  /** The words of the request waiting for an answer; undefined before asking. */
  declare private _phrase: string[] | undefined;
  readonly #ask = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.online = true;
    this.username = '';
    this._draft = EMPTY_PIN_DRAFT;
    this._phrase = undefined;
  }

  protected override render(): unknown {
    if (this.#ask.pending && this._phrase) return this.#waiting(this._phrase);
    const failure = this.#ask.failure;
    const pending = this.#ask.pending;
    return html`<form novalidate @submit=${this._onSubmit}>
      <p class="hint">
        Choose a PIN for <strong>${this.username}</strong>’s vault on this device. Then approve this device on a phone or computer where
        your vault is open.
      </p>
      ${renderNewPinFields({ draft: this._draft, disabled: pending, onChange: this._onDraftChange, id: 'recover-new-pin', noun: 'New PIN for this device' })}
      <div class="actions stacked">
        <button class="primary" type="submit" ?disabled=${pending || !this.online}>${pending ? 'Asking…' : 'Ask my other device'}</button>
      </div>
      <p id="recover-error" class="error msg" role="alert">${failure ? this.#describe(failure) : nothing}</p>
    </form>`;
  }

  #waiting(phrase: string[]) {
    return html`<section aria-labelledby="approval-words-label">
      <p id="approval-words-label">Open Keyhold on your other device and check it shows these words:</p>
      <ol class="phrase" aria-label="Words to compare" data-test="approval-phrase">
        ${phrase.map((word) => html`<li>${word}</li>`)}
      </ol>
      <p class="hint" role="status">Waiting for your other device to approve. If the words differ there, deny the request.</p>
      <div class="actions stacked">
        <button type="button" @click=${this._onCancel}>Cancel request</button>
      </div>
    </section>`;
  }

  #describe(failure: NonNullable<VaultTask<void>['failure']>): string {
    return describeFailure(failure, { offline: OFFLINE, decrypt_failed: NOT_FOR_THIS_DEVICE });
  }

  private readonly _onDraftChange = (patch: Partial<NewPinDraft>): void => {
    this._draft = { ...this._draft, ...patch };
  };

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this.#ask.pending) return;
    this._draft = { ...this._draft, submitted: true };
    const feedback = newPinFeedback(this._draft);
    if (!feedback.ready) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>(feedback.verdict.ok ? '#recover-new-pin-confirm' : '#recover-new-pin')?.focus();
      return;
    }
    const { pin, confirm } = this._draft;
    this._phrase = undefined;
    await this.#ask.run((signal, onProgress) =>
      vault.recovery.withApproval(this.username, pin, confirm, { signal, onProgress, onPhrase: (words) => (this._phrase = words) }),
    );
    this._phrase = undefined;
  }

  private _onCancel(): void {
    this.#ask.abort();
    this._phrase = undefined;
  }
}

customElements.define('kh-recover-approval', KhRecoverApproval);

declare global {
  interface HTMLElementTagNameMap {
    'kh-recover-approval': KhRecoverApproval;
  }
}
