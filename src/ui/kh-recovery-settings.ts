import { LitElement, css, html, nothing } from 'lit';
import type { PasskeyInfo, RecoveryRouteName, RecoveryRoutes, Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { OnlineController } from './online-controller';
import './kh-add-passkey';
import { ensureReprompt } from './reprompt';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

const ROUTE_NAMES: Record<RecoveryRouteName, string> = { pin: 'PIN recovery', totp: 'authenticator app recovery' };

/**
 * Settings → "Recovery": which recovery routes the key server holds for this account (PIN with
 * its guesses left, authenticator app, and whether this device has a passkey and whether it can
 * open the vault, with "Add a passkey" right here where it has none: a device just recovered still
 * holds the recovery session that may add one), and a way to turn the first two off.
 * Turning off asks for confirmation, for the PIN again when the unlock is a while old
 * (reprompt.ts), then for a passkey (the vault signs in with it before the server allows the
 * removal). Online only. `reload()` reads the status again after a route changed elsewhere on
 * the screen.
 *
 * @fires kh-recovery-status - The routes were read (`detail`: the routes) or could not be
 *   (`detail`: null), so what sits beside this list (kh-totp-setup) can follow it.
 */
export class KhRecoverySettings extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _confirming: { state: true },
    _done: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      dl {
        margin: 0.5rem 0;
      }
      dt {
        font-weight: 600;
        margin-top: 0.75rem;
      }
      dd {
        margin: 0.25rem 0 0;
      }
      kh-add-passkey {
        margin-top: 0.75rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _confirming: RecoveryRouteName | undefined;
  /** What just changed, for the status line ("PIN recovery is off."). */
  declare private _done: string | undefined;
  readonly #online = new OnlineController(this);
  readonly #load = new VaultTask<RecoveryRoutes>(this);
  readonly #turnOff = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._confirming = undefined;
    this._done = undefined;
  }

  protected override updated(): void {
    // First load once there is a vault and a network; a failure stays shown until "Try again".
    if (this.vault && this.#online.value && this.#load.status === 'idle') void this._onLoad();
  }

  protected override render(): unknown {
    return html`
      <h3 id="recovery-heading">Recovery routes</h3>
      <p class="hint">The ways to get your vault back on a new device if you lose this one or forget your PIN.</p>
      ${!this.#online.value
        ? html`<p class="hint" role="status" data-test="recovery-offline">Recovery settings need the Keyhold server. Connect to the internet first.</p>`
        : this.#renderStatus()}
    `;
  }

  #renderStatus(): unknown {
    const status = this.#load.value;
    const failure = this.#load.failure;
    if (failure) {
      return html`<p class="error msg" role="alert" data-test="recovery-error">${describeFailure(failure)}</p>
        <div class="actions"><button type="button" data-test="recovery-retry" @click=${this._onLoad}>Try again</button></div>`;
    }
    if (!status) return html`<p role="status" data-test="recovery-loading">Checking…</p>`;
    const { pin, totp, passkey } = status;
    const pinText = !pin.active
      ? 'Not set up.'
      : pin.guessesLeft === 0
        ? 'Locked after too many wrong PINs.'
        : `Active${pin.guessesLeft === null ? '' : `: ${pin.guessesLeft} ${pin.guessesLeft === 1 ? 'guess' : 'guesses'} left`}.`;
    const totpText = !totp.enrolled ? 'Not set up.' : totp.locked ? 'Locked after too many wrong codes.' : 'Active.';
    return html`
      <dl>
        <dt>PIN recovery</dt>
        <dd data-test="recovery-pin-status">${pinText}</dd>
        ${pin.active ? this.#renderTurnOff('pin') : nothing}
        <dt>Authenticator app</dt>
        <dd data-test="recovery-totp-status">${totpText}</dd>
        ${totp.enrolled ? this.#renderTurnOff('totp') : nothing}
        <dt>Passkey</dt>
        <dd data-test="recovery-passkey-status">
          ${!passkey.onThisDevice
            ? 'No passkey on this device yet. Add one to sign in with it here, and to open the vault with it where the passkey supports that.'
            : passkey.prfOnThisDevice
              ? 'This device\'s passkey can open the vault.'
              : 'This device\'s passkey can sign in but cannot open the vault.'}
        </dd>
        ${passkey.onThisDevice
          ? nothing
          : html`<dd><kh-add-passkey .vault=${this.vault} @kh-passkey-added=${this._onPasskeyAdded}></kh-add-passkey></dd>`}
      </dl>
      <p role="status" class="ok msg" data-test="recovery-turned-off">${this._done ?? nothing}</p>
      <p role="alert" class="error msg" data-test="recovery-turn-off-error">${this.#turnOff.failure ? describeFailure(this.#turnOff.failure) : nothing}</p>
    `;
  }

  #renderTurnOff(route: RecoveryRouteName): unknown {
    const name = ROUTE_NAMES[route];
    const pending = this.#turnOff.pending;
    if (this._confirming !== route) {
      return html`<dd class="actions">
        <button type="button" class="danger" data-test="recovery-turn-off-${route}" aria-label="Turn off ${name}" ?disabled=${pending}
          @click=${() => this._onAskTurnOff(route)}>Turn off</button>
      </dd>`;
    }
    return html`<dd>
      <p id="confirm-${route}">Turn off ${name}? You will be asked for your passkey.</p>
      <div class="actions" role="group" aria-labelledby="confirm-${route}">
        <button type="button" class="danger confirm" data-test="recovery-confirm-${route}" ?disabled=${pending}
          @click=${(event: Event) => this._onTurnOff(route, event.currentTarget as HTMLElement)}>${pending ? 'Waiting for passkey…' : `Yes, turn off ${name}`}</button>
        <button type="button" data-test="recovery-cancel-${route}" ?disabled=${pending} @click=${this._onCancel}>Keep it</button>
      </div>
    </dd>`;
  }

  /** Reads the routes again (e.g. after `kh-totp-enrolled`); offline, the next online render loads them. */
  reload(): void {
    if (this.#online.value) void this._onLoad();
    else this.#load.reset();
  }

  private async _onLoad(): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    const routes = await this.#load.run((signal) => vault.account.recoveryRoutes(signal));
    if (this.#load.status !== 'done' && this.#load.status !== 'failed') return; // cancelled: a newer load tells
    this.dispatchEvent(new CustomEvent<RecoveryRoutes | null>('kh-recovery-status', { detail: routes ?? null }));
  }


  private async _onPasskeyAdded(event: CustomEvent<PasskeyInfo>): Promise<void> {
    this._done = `“${event.detail.name}” was added.`;
    await this._onLoad();
  }

  private _onAskTurnOff(route: RecoveryRouteName): void {
    this._confirming = route;
    this._done = undefined;
    this.#turnOff.reset();
  }

  private _onCancel(): void {
    this._confirming = undefined;
  }

  private async _onTurnOff(route: RecoveryRouteName, button: HTMLElement): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#turnOff.pending) return;
    if (!(await ensureReprompt(vault, button, `turn off ${ROUTE_NAMES[route]}`))) return;
    await this.#turnOff.run((signal) => vault.account.turnOffRecoveryRoute(route, signal));
    if (this.#turnOff.status !== 'done') return;
    this._confirming = undefined;
    this._done = `${capitalize(ROUTE_NAMES[route])} is off.`;
    await this._onLoad();
  }
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

customElements.define('kh-recovery-settings', KhRecoverySettings);

declare global {
  interface HTMLElementTagNameMap {
    'kh-recovery-settings': KhRecoverySettings;
  }
}
