import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { LockEverywhereReport, Vault } from '../vault';
import { describeFailure, type UiFailure } from './failure-messages';
import { OnlineController } from './online-controller';
import { openSettingsSection } from './settings-sections';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

type Step = LockEverywhereReport['needsStep'][number];

/** "1 other device was removed", "No other device was active". */
function devicesRemoved(n: number): string {
  if (n === 0) return 'No other device was active.';
  return n === 1 ? '1 other device was removed.' : `${n} other devices were removed.`;
}

/**
 * Settings → Devices & passkeys → "Lock everywhere": after a lost phone, or any doubt, removes
 * every other device and ends every session, then changes the vault's keys (`vault.account
 * .lockEverywhere`). It says plainly what this protects (everything saved from now on) and what it
 * cannot (what a removed device already decrypted or keeps), asks for the PIN (so no separate
 * re-prompt), and then for a passkey. The report lists what needs a step from the person, each
 * with its button: another passkey's unlock, a recovery route to set up again.
 *
 * @fires kh-locked-everywhere - The lock went through (bubbles, composed): lists beside this reload.
 * @fires kh-passkeys-changed - A passkey can unlock again (bubbles, composed).
 */
export class KhLockEverywhere extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _pin: { state: true },
    _passphrase: { state: true },
    _enabled: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      form {
        margin-top: 1rem;
      }
      ul {
        margin: 0.5rem 0;
        padding-left: 1.25rem;
      }
      li + li {
        margin-top: 0.5rem;
      }
      .report {
        margin-top: 1rem;
      }
      .step {
        margin-top: 0.75rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _pin: string;
  declare private _passphrase: boolean;
  /** Passkeys whose unlock was turned on again from the report. */
  declare private _enabled: ReadonlySet<string>;
  readonly #online = new OnlineController(this);
  readonly #lock = new VaultTask<LockEverywhereReport>(this);
  readonly #enable = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._pin = '';
    this._passphrase = false;
    this._enabled = new Set();
  }

  protected override render(): unknown {
    return html`
      <h3 id="lock-heading">Lock everywhere</h3>
      <p>
        If a device was lost or stolen, or you are not sure who has seen your vault: this removes every other device, ends every
        sign-in but this one, and changes your vault’s keys.
      </p>
      <ul>
        <li><strong>Protects</strong> everything saved from now on: a removed device, or a copy of its storage, cannot open it, even with your PIN.</li>
        <li>
          <strong>Cannot protect</strong> what a removed device already decrypted or keeps: items saved before now stay readable there
          to anyone who knows your PIN. Change the passwords that matter.
        </li>
      </ul>
      ${this.#lock.value ? this.#renderReport(this.#lock.value) : this.#online.value ? this.#renderForm() : this.#renderOffline()}
    `;
  }

  #renderOffline(): unknown {
    return html`<p class="hint" role="status">Lock everywhere needs the Keyhold server. Connect to the internet first.</p>`;
  }

  #renderForm(): unknown {
    const pending = this.#lock.pending;
    const failure = this.#lock.failure;
    return html`<form novalidate @submit=${this._onSubmit} aria-labelledby="lock-heading">
      <fieldset ?disabled=${pending}>
        <legend class="visually-hidden">Confirm with your PIN</legend>
        <div class="field">
          <label for="lock-pin">Your ${this._passphrase ? 'passphrase' : 'PIN'}</label>
          <input id="lock-pin" name="lock-pin" type="password" inputmode=${this._passphrase ? 'text' : 'numeric'} autocomplete="one-time-code"
            autocapitalize="off" spellcheck="false" required aria-describedby="lock-error"
            aria-invalid=${failure?.code === 'wrong_pin' ? 'true' : 'false'} .value=${live(this._pin)} @input=${this._onPinInput} />
          <label class="check">
            <input type="checkbox" .checked=${this._passphrase} @change=${this._onPassphrase} />
            I use a passphrase
          </label>
        </div>
        <div class="actions">
          <button type="submit" class="danger confirm">Lock everywhere</button>
        </div>
      </fieldset>
      <div class="msg" role="status">${pending
        ? html`<p class="progress"><span class="spinner" aria-hidden="true"></span>Use your passkey when asked, then Keyhold changes your keys…</p>`
        : nothing}</div>
      <p id="lock-error" class="error msg" role="alert">${failure ? this.#describe(failure) : nothing}</p>
    </form>`;
  }

  #describe(failure: UiFailure): string {
    return describeFailure(failure, { wrong_pin: 'Wrong PIN. Nothing was changed.' });
  }

  #renderReport(report: LockEverywhereReport): unknown {
    return html`<div class="report">
      <p role="status" class="ok">Locked everywhere. ${devicesRemoved(report.devicesRemoved)} Your vault has new keys.</p>
      ${report.needsStep.length > 0
        ? html`<p>What needs a step from you:</p>
            ${report.needsStep.map((step) => html`<div class="step">${this.#renderStep(step)}</div>`)}`
        : nothing}
      <p role="alert" class="error msg">${this.#enable.failure ? describeFailure(this.#enable.failure) : nothing}</p>
    </div>`;
  }

  #renderStep(step: Step): unknown {
    switch (step.route) {
      case 'passkey':
        return this._enabled.has(step.id)
          ? html`<p class="ok">“${step.name}” can unlock your vault again.</p>`
          : html`<p>Tap your passkey “${step.name}” to use it for unlocking again.</p>
              <div class="actions">
                <button type="button" ?disabled=${this.#enable.pending} @click=${() => this._onEnable(step.id)}>
                  Use “${step.name}” for unlocking
                </button>
              </div>`;
      case 'pin':
        return html`<p>PIN recovery was turned off. Keyhold sets it up again the next time you unlock with your PIN.</p>`;
      case 'totp':
        return html`<p>Set up authenticator app recovery again.</p>
          <div class="actions"><button type="button" @click=${this._onOpenRecovery}>Open Recovery</button></div>`;
      case 'kit':
        return html`<p>Your recovery kit stopped working: it held the old keys. Make a new one and destroy the old page.</p>
          <div class="actions"><button type="button" @click=${this._onOpenRecovery}>Make a new recovery kit</button></div>`;
    }
  }

  private _onPinInput(event: InputEvent): void {
    this._pin = (event.target as HTMLInputElement).value;
    this.#lock.reset();
  }

  private _onPassphrase(event: Event): void {
    this._passphrase = (event.target as HTMLInputElement).checked;
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    const pin = this._pin;
    if (!vault || this.#lock.pending) return;
    if (pin === '') {
      this.renderRoot.querySelector<HTMLInputElement>('#lock-pin')?.focus();
      return;
    }
    await this.#lock.run((signal) => vault.account.lockEverywhere(pin, signal));
    this._pin = ''; // forgotten whatever happened
    if (this.#lock.status === 'done') {
      this.dispatchEvent(new Event('kh-locked-everywhere', { bubbles: true, composed: true }));
      return;
    }
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('#lock-pin')?.focus();
  }

  private async _onEnable(id: string): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#enable.pending) return;
    await this.#enable.run(async (signal) => {
      await vault.passkeys.enableUnlock(id, signal);
    });
    if (this.#enable.status !== 'done') return;
    this._enabled = new Set([...this._enabled, id]);
    this.dispatchEvent(new Event('kh-passkeys-changed', { bubbles: true, composed: true }));
  }

  private _onOpenRecovery(): void {
    openSettingsSection(this, { section: 'recovery' });
  }
}

customElements.define('kh-lock-everywhere', KhLockEverywhere);

declare global {
  interface HTMLElementTagNameMap {
    'kh-lock-everywhere': KhLockEverywhere;
  }
}
