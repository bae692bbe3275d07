import { LitElement, css, html, nothing } from 'lit';
import type { LogMigrationItem, LogMigrationPlan, Vault } from '../vault';
import { accountListStyles, formatDay } from './account-list';
import { describeFailure } from './failure-messages';
import { openSettingsSection } from './settings-sections';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** The words for a failed confirmation where the SDK's code reads differently here. */
const CONFIRM_FAILURES = {
  not_found: 'This list is out of date. Choose “Not now”, then unlock again to see the current one.',
} as const;

/** The plan's devices with this one first: the one entry that is always kept. */
const thisDeviceFirst = (plan: LogMigrationPlan): LogMigrationItem[] =>
  [...plan.devices].sort((a, b) => Number(b.id === plan.currentDeviceId) - Number(a.id === plan.currentDeviceId));

/**
 * "Confirm who can open your account": shown once after unlocking an account made before the
 * signed account log (`vault.accountLog.migration()` gives a plan). Lists the passkeys and devices
 * the key server holds, each with when it was added and its key fingerprint, all ticked; this
 * device is ticked and cannot be unticked. The recovery routes that are on are kept as they are.
 * Confirm starts the log vouching for what stays ticked (`confirmMigration`): from then on the
 * server refuses the rest, and every device of the account warns of anything added behind its
 * back. "Not now" leaves the account as it is; the screen comes back at the next unlock.
 * Loaded only when needed (its own chunk).
 *
 * @fires kh-close - Done, "Not now", or nothing to confirm: back to the vault.
 */
export class KhLogMigration extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _dropped: { state: true },
    _noPasskey: { state: true },
  };

  static override styles = [
    sharedStyles,
    accountListStyles,
    css`
      fieldset {
        margin-top: 1.25rem;
        gap: 0;
      }
      legend {
        padding: 0;
        margin-bottom: 0.25rem;
        font-size: 1.125rem;
        font-weight: 600;
      }
      .item {
        padding: 0.5rem 0;
        border-top: 1px solid var(--kh-border);
      }
      .item .meta {
        margin-left: 2.125rem;
      }
      .kept {
        margin: 0.25rem 0 0;
        padding-left: 1.25rem;
      }
      .routes {
        margin-top: 1.25rem;
      }
      .actions {
        margin-top: 1.25rem;
      }
      .actions + .hint {
        margin-top: 0.75rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  /** Ids of the passkeys and devices the person unticked. */
  declare private _dropped: ReadonlySet<string>;
  /** Confirm was pressed with every passkey unticked. */
  declare private _noPasskey: boolean;
  readonly #plan = new VaultTask<LogMigrationPlan | null>(this);
  readonly #confirm = new VaultTask<void>(this);

  constructor() {
    super();
    this.vault = undefined;
    this._dropped = new Set();
    this._noPasskey = false;
  }

  async #load(): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    const plan = await this.#plan.run((signal) => vault.accountLog.migration(signal));
    // Nothing to confirm (the account has a log now, perhaps from another device): back to the vault.
    if (this.#plan.status === 'done' && plan === null) this.#close();
  }

  protected override updated(): void {
    // Read once there is a vault (and again if leaving the page cancelled the read).
    if (this.vault && this.#plan.status === 'idle') void this.#load();
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }

  protected override render(): unknown {
    return html`<h2 tabindex="-1">Confirm who can open your account</h2>
      ${this.#confirm.status === 'done' && this.#plan.value ? this.#renderDone(this.#plan.value) : this.#renderBody()}`;
  }

  #renderBody(): unknown {
    const plan = this.#plan.value;
    if (this.#plan.failure) {
      return html`<p class="error msg" role="alert">${describeFailure(this.#plan.failure)}</p>
        <div class="actions">
          <button type="button" class="primary" @click=${() => this.#load()}>Try again</button>
          <button type="button" @click=${this.#close}>Not now</button>
        </div>`;
    }
    if (!plan) return html`<p role="status">Reading your account from the server…</p>`;
    const pending = this.#confirm.pending;
    const failure = this.#confirm.failure;
    return html`
      <p>
        Keyhold now keeps a signed history of the passkeys and devices that can open your account, so that nobody can add one on
        the server without your phones noticing. Check this list, and untick anything you do not recognise: the server will
        refuse it from then on.
      </p>
      ${this.#renderGroup('Passkeys', 'passkey', plan.passkeys, plan)} ${this.#renderGroup('Devices', 'device', thisDeviceFirst(plan), plan)}
      ${this.#renderRoutes(plan)}
      <p class="error msg" role="alert">
        ${this._noPasskey
          ? 'Keep at least one passkey: signing in to your account, and removing a lost device, need one.'
          : failure
            ? describeFailure(failure, CONFIRM_FAILURES)
            : nothing}
      </p>
      <div class="actions">
        <button type="button" class="primary" ?disabled=${pending} @click=${() => this._onConfirm(plan)}>${pending ? 'Confirming…' : 'Confirm'}</button>
        <button type="button" ?disabled=${pending} @click=${this.#close}>Not now</button>
      </div>
      <p class="hint">“Not now” leaves your account as it is. Keyhold asks again the next time you unlock, and Settings → Devices &
        passkeys offers it meanwhile.</p>
    `;
  }

  #renderGroup(legend: string, kind: 'passkey' | 'device', items: readonly LogMigrationItem[], plan: LogMigrationPlan): unknown {
    if (items.length === 0) return nothing;
    return html`<fieldset>
      <legend>${legend}</legend>
      ${items.map((item) => {
        const current = kind === 'device' && item.id === plan.currentDeviceId;
        const metaId = `${kind}-${item.id}-meta`;
        return html`<div class="item">
          <label class="check">
            <input type="checkbox" aria-describedby=${metaId} .checked=${current || !this._dropped.has(item.id)} ?disabled=${current || this.#confirm.pending}
              @change=${(event: Event) => this._onToggle(item.id, (event.target as HTMLInputElement).checked)} />
            ${item.name}${current ? ' (this device)' : ''}
          </label>
          <p class="meta" id=${metaId}>
            Added ${formatDay(item.createdAt)} · Key fingerprint
            ${item.fingerprint ? html`<code class="fingerprint">${item.fingerprint}</code>` : 'unreadable'}
          </p>
        </div>`;
      })}
    </fieldset>`;
  }

  #renderRoutes(plan: LogMigrationPlan): unknown {
    const routes = [
      plan.pinRecovery ? 'Recovery with your PIN on a new device' : null,
      plan.totp ? 'Recovery with an authenticator app' : null,
      plan.kit ? 'Your recovery kit' : null,
    ].filter((route): route is string => route !== null);
    if (routes.length === 0) return nothing;
    return html`<section class="routes" aria-labelledby="routes-heading">
      <h3 id="routes-heading">Kept as they are</h3>
      <ul class="kept">
        ${routes.map((route) => html`<li>${route}</li>`)}
      </ul>
    </section>`;
  }

  #renderDone(plan: LogMigrationPlan): unknown {
    const dropped = [...plan.passkeys, ...plan.devices].filter((item) => this._dropped.has(item.id) && item.id !== plan.currentDeviceId);
    return html`
      <p class="ok" role="status">Confirmed. From now on, only a passkey or device that one of your devices added can open your account.</p>
      ${dropped.length > 0
        ? html`<p>Not kept: ${dropped.map((item) => (item.fingerprint ? `${item.name} (${item.fingerprint})` : item.name)).join(', ')}. ${dropped.length === 1 ? 'It' : 'They'} can no longer sign in. Remove
              ${dropped.length === 1 ? 'it' : 'them'} in Devices & passkeys.</p>`
        : nothing}
      <div class="actions">
        <button type="button" class="primary" @click=${this.#close}>Go to your vault</button>
        ${dropped.length > 0 ? html`<button type="button" @click=${this._onOpenDevices}>Open Devices & passkeys</button>` : nothing}
      </div>
    `;
  }

  private _onToggle(id: string, keep: boolean): void {
    const dropped = new Set(this._dropped);
    if (keep) dropped.delete(id);
    else dropped.add(id);
    this._dropped = dropped;
    this._noPasskey = false;
  }

  private async _onConfirm(plan: LogMigrationPlan): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#confirm.pending) return;
    const keep = {
      passkeys: plan.passkeys.filter((p) => !this._dropped.has(p.id)).map((p) => p.id),
      devices: plan.devices.filter((d) => d.id === plan.currentDeviceId || !this._dropped.has(d.id)).map((d) => d.id),
    };
    this._noPasskey = plan.passkeys.length > 0 && keep.passkeys.length === 0;
    if (this._noPasskey) return;
    await this.#confirm.run(() => vault.accountLog.confirmMigration(plan, { keep }));
    if (this.#confirm.status === 'done') {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
    }
  }

  private _onOpenDevices(): void {
    openSettingsSection(this, { section: 'devices' });
  }

  readonly #close = (): void => {
    this.dispatchEvent(new Event('kh-close'));
  };
}

customElements.define('kh-log-migration', KhLogMigration);

declare global {
  interface HTMLElementTagNameMap {
    'kh-log-migration': KhLogMigration;
  }
}
