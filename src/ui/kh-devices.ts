import { LitElement, css, html, nothing } from 'lit';
import type { DeviceInfo, Vault } from '../vault';
import { accountListStyles, formatDay, formatMoment, renderFingerprint, splitByLog } from './account-list';
import { appLabel, groupByApp } from './app-groups';
import { AccountListController } from './account-list-controller';
import { AccountLogController } from './account-log-controller';
import { describeFailure } from './failure-messages';
import { confirmAction } from './kh-confirm-dialog';
import './kh-log-warning';
import './kh-rename';
import { describeUnlistedGroup } from './log-warning-text';
import { openLogMigration } from './settings-sections';
import { ensureReprompt } from './reprompt';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** This device first, then the others as they were added, removed ones last. */
function byRelevance(a: DeviceInfo, b: DeviceInfo): number {
  return Number(b.current) - Number(a.current) || Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || a.createdAt - b.createdAt;
}

/**
 * Settings → Devices & passkeys → "Devices": every device of the account (this one marked, when
 * each was added and last seen, which were removed), renaming one, and removing a lost one. A
 * removal is confirmed in a dialog, may ask for the PIN again (reprompt.ts), and the vault asks for
 * a passkey before the server allows it; the removed device stops syncing at once. This device is
 * not removed from here: "Lock everywhere" or another device does that. Online only.
 * `reload()` reads the list again (after a lock everywhere).
 *
 * Each entry shows its key fingerprint. Once the account has a signed log, only the devices it
 * added are listed as the account's; an active device the server lists beside them goes in a
 * "Not added by you" group with the warning, offering nothing but its removal (renaming it would
 * treat it as the account's). The account log's warnings about its history show above the list.
 *
 * One key server serves several apps (issue 17), each with its own device keys: when the account's
 * devices belong to more than one app, they are listed under each app's name (this app first), and
 * a device of another app is renamed and removed like any other (removing it stops that app's sync).
 */
export class KhDevices extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _renaming: { state: true },
    _removed: { state: true },
  };

  static override styles = [
    sharedStyles,
    accountListStyles,
    css`
      /* An app's name over its devices: set apart from the device names in the list. */
      h4.app-name {
        margin: 1.5rem 0 0;
        font-size: 0.875rem;
        letter-spacing: 0.06em;
        text-transform: uppercase;
        color: var(--kh-muted, #94a3b8);
      }
    `,
  ];

  declare vault: Vault | undefined;
  /** The id of the device whose name is being edited. */
  declare private _renaming: string | undefined;
  /** The name of the device just removed, for the status line. */
  declare private _removed: string | undefined;
  readonly #list = new AccountListController<DeviceInfo>(this, (vault, signal) => vault.devices.list(signal));
  readonly #remove = new VaultTask<void>(this);
  readonly #log = new AccountLogController(this, () => this.vault);

  constructor() {
    super();
    this.vault = undefined;
    this._renaming = undefined;
    this._removed = undefined;
  }

  /** Reads the list again. */
  reload(): Promise<void> {
    return this.#list.reload();
  }

  protected override render(): unknown {
    return html`
      <h3 id="devices-heading" tabindex="-1">Devices</h3>
      <p class="hint">
        Every device that has opened your vault. Remove one you lost: it stops syncing at once and can no longer sign in. What it
        already holds stays on it, locked by your PIN.
      </p>
      <kh-log-warning .vault=${this.vault} in-settings></kh-log-warning>
      ${this.#log.status.state === 'needs-confirmation'
        ? html`<div class="confirm-log">
            <p>
              Your account has no signed history yet: the server alone decides which devices and passkeys can open it. Confirm the
              list once, and every device of yours will notice anything added behind your back.
            </p>
            <button type="button" class="primary" @click=${this._onConfirmLog}>Confirm who can open your account</button>
          </div>`
        : nothing}
      ${this.#list.online
        ? html`${this.#renderOwn()}
          ${this.#renderUnlisted()}`
        : html`<p class="hint" role="status">The list of devices needs the Keyhold server. Connect to the internet first.</p>`}
      <p role="status" class="ok msg">${this._removed ? `${this._removed} was removed. It no longer syncs or signs in.` : nothing}</p>
      <p role="alert" class="error msg">${this.#remove.failure ? describeFailure(this.#remove.failure) : nothing}</p>
    `;
  }

  /** The account's devices: one list, or one per app when they belong to several. */
  #renderOwn(): unknown {
    return this.#list.renderLoaded((devices) => {
      const groups = groupByApp(splitByLog(devices, this.#log.logged).own);
      if (groups.length <= 1) {
        return html`<ul class="entries" aria-labelledby="devices-heading">
          ${groups.flatMap(({ items }) => items.sort(byRelevance).map((device) => this.#renderDevice(device, false)))}
        </ul>`;
      }
      return groups.map(
        ({ app, label, items }) => html`<h4 id="devices-app-${app.id}" class="app-name">${label}</h4>
          <ul class="entries" aria-labelledby="devices-app-${app.id}">
            ${items.sort(byRelevance).map((device) => this.#renderDevice(device, false))}
          </ul>`,
      );
    });
  }

  #renderUnlisted(): unknown {
    const unlisted = splitByLog(this.#list.items ?? [], this.#log.logged).unlisted;
    if (unlisted.length === 0) return nothing;
    return html`<div class="unlisted">
      <h4 id="devices-unlisted-heading">Not added by you</h4>
      <p class="error">${describeUnlistedGroup('device', unlisted.length)}</p>
      <ul class="entries" aria-label="Devices not added by you">
        ${[...unlisted].sort(byRelevance).map((device) => this.#renderDevice(device, true))}
      </ul>
    </div>`;
  }

  #renderDevice(device: DeviceInfo, unlisted: boolean): unknown {
    const removed = device.revokedAt !== null;
    return html`<li>
      <div class="head">
        <span class="name">${device.name}</span>
        ${device.current ? html`<span class="badge">This device</span>` : nothing}
        ${removed ? html`<span class="badge removed">Removed</span>` : nothing}
      </div>
      ${renderFingerprint(device.fingerprint)}
      ${unlisted ? html`<p class="meta">App: ${appLabel(device.app)}</p>` : nothing}
      <p class="meta">Added ${formatDay(device.createdAt)}</p>
      <p class="meta">
        ${device.revokedAt !== null
          ? `Removed ${formatMoment(device.revokedAt)}`
          : device.current
            ? 'In use now'
            : device.lastSeenAt !== null
              ? `Last seen ${formatMoment(device.lastSeenAt)}`
              : 'Not seen since it was added'}
      </p>
      ${removed ? nothing : this._renaming === device.id ? this.#renderRename(device) : this.#renderActions(device, unlisted)}
    </li>`;
  }

  #renderRename(device: DeviceInfo): unknown {
    const vault = this.vault;
    return html`<kh-rename
      .current=${device.name}
      .save=${(name: string) => vault!.devices.rename(device.id, name)}
      @kh-renamed=${this._onRenamed}
      @kh-cancel=${this._onRenameCancel}
    ></kh-rename>`;
  }

  #renderActions(device: DeviceInfo, unlisted: boolean): unknown {
    const pending = this.#remove.pending;
    return html`<div class="actions">
      ${unlisted
        ? nothing
        : html`<button type="button" aria-label="Rename ${device.name}" data-rename=${device.id} ?disabled=${pending}
            @click=${() => this._onRename(device)}>Rename</button>`}
      ${device.current
        ? nothing
        : html`<button type="button" class="danger" aria-label="Remove ${device.name}" ?disabled=${pending}
            @click=${(event: Event) => this._onRemove(device, event.currentTarget as HTMLElement)}>
            ${pending ? 'Removing…' : 'Remove'}
          </button>`}
    </div>`;
  }

  private _onConfirmLog(): void {
    openLogMigration(this);
  }

  private _onRename(device: DeviceInfo): void {
    this._renaming = device.id;
    this._removed = undefined;
  }

  private async _onRenameCancel(): Promise<void> {
    const id = this._renaming;
    this._renaming = undefined;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`[data-rename="${id}"]`)?.focus();
  }

  private async _onRenamed(): Promise<void> {
    await this.reload();
    await this._onRenameCancel();
  }

  private async _onRemove(device: DeviceInfo, button: HTMLElement): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#remove.pending) return;
    this._removed = undefined;
    this.#remove.reset();
    const confirmed = await confirmAction(button, {
      title: `Remove ${device.name}?`,
      body: html`<p>It stops syncing at once and can no longer sign in to your account. You will be asked for your passkey.</p>
        <p>What it already holds stays on it, locked by your PIN. To change your keys as well, use “Lock everywhere”.</p>`,
      confirm: `Remove ${device.name}`,
      cancel: 'Keep it',
      danger: true,
    });
    if (!confirmed || !(await ensureReprompt(vault, button, `remove ${device.name}`))) return;
    await this.#remove.run((signal) => vault.devices.remove(device.id, signal));
    if (this.#remove.status !== 'done') return;
    this._removed = device.name;
    await this.reload();
    this.renderRoot.querySelector<HTMLElement>('#devices-heading')?.focus();
  }
}

customElements.define('kh-devices', KhDevices);

declare global {
  interface HTMLElementTagNameMap {
    'kh-devices': KhDevices;
  }
}
