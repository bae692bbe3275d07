import { LitElement, css, html, nothing } from 'lit';
import type { PasskeyInfo, Vault } from '../vault';
import { accountListStyles, formatDay, formatMoment, renderFingerprint, splitByLog } from './account-list';
import { AccountListController } from './account-list-controller';
import { AccountLogController } from './account-log-controller';
import { describeFailure } from './failure-messages';
import { CANNOT_UNLOCK } from './kh-add-passkey';
import { confirmAction } from './kh-confirm-dialog';
import './kh-rename';
import { describeUnlistedGroup } from './log-warning-text';
import { ensureReprompt } from './reprompt';
import { sharedStyles } from './shared-styles';
import { VaultTask } from './vault-task';

/** What just happened, for the status line. */
type Outcome = { kind: 'unlock-enabled' | 'removed'; name: string };

function describeOutcome({ kind, name }: Outcome): string {
  switch (kind) {
    case 'unlock-enabled':
      return `“${name}” can open your vault now.`;
    case 'removed':
      return `“${name}” was removed. It no longer signs you in.`;
  }
}

/**
 * Settings → Devices & passkeys → "Passkeys": the account's passkeys (when each was added and
 * last used, whether it can open the vault), adding one (a security key, a laptop, another phone:
 * with PRF it gets its own unlock), renaming, "Use for unlocking" for one that cannot yet, and
 * removing one. The only passkey cannot be removed, and removing the only one that can open the
 * vault says so first: a way in is never taken away silently. Online only. `reload()` reads the
 * list again.
 *
 * Each entry shows its key fingerprint. Once the account has a signed log, a passkey the server
 * lists that the log never added (with that key) goes in a "Not added by you" group with the
 * warning, offering only its removal: neither renaming nor "Use for unlocking", which would hand
 * it a wrap of the vault's secret.
 */
export class KhPasskeys extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _renaming: { state: true },
    _outcome: { state: true },
  };

  static override styles = [
    sharedStyles,
    accountListStyles,
    css`
      .unlock {
        margin: 0.25rem 0 0;
        font-size: 0.9375rem;
      }
      kh-add-passkey {
        margin-top: 1.25rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _renaming: string | undefined;
  declare private _outcome: Outcome | undefined;
  readonly #list = new AccountListController<PasskeyInfo>(this, (vault, signal) => vault.passkeys.list(signal));
  /** Removing, or enabling unlock. */
  readonly #change = new VaultTask<void>(this);
  readonly #log = new AccountLogController(this, () => this.vault);

  constructor() {
    super();
    this.vault = undefined;
    this._renaming = undefined;
    this._outcome = undefined;
  }

  /** Reads the list again. */
  reload(): Promise<void> {
    return this.#list.reload();
  }

  protected override render(): unknown {
    const failure = this.#change.failure;
    return html`
      <h3 id="passkeys-heading" tabindex="-1">Passkeys</h3>
      <p class="hint">
        Passkeys sign you in to your account. One whose authenticator supports it also opens your vault without your PIN. Add a
        second one, such as a security key, in case you lose this phone.
      </p>
      ${this.#list.online
        ? html`${this.#list.render('passkeys-heading', (passkeys) => {
              const { own } = splitByLog(passkeys, this.#log.logged);
              return own.map((passkey) => this.#renderPasskey(passkey, own, false));
            })}
            ${this.#renderUnlisted()}
            <kh-add-passkey .vault=${this.vault} ?busy=${this.#change.pending} @kh-passkey-added=${this._onAdded}></kh-add-passkey>`
        : html`<p class="hint" role="status">Passkeys need the Keyhold server. Connect to the internet first.</p>`}
      <p role="status" class="ok msg" data-test="passkeys-status">${this._outcome ? describeOutcome(this._outcome) : nothing}</p>
      <p role="alert" class="error msg">${failure ? describeFailure(failure, { prf_unavailable: CANNOT_UNLOCK }) : nothing}</p>
    `;
  }

  #renderUnlisted(): unknown {
    const { own, unlisted } = splitByLog(this.#list.items ?? [], this.#log.logged);
    if (unlisted.length === 0) return nothing;
    return html`<div class="unlisted">
      <h4 id="passkeys-unlisted-heading">Not added by you</h4>
      <p class="error">${describeUnlistedGroup('passkey', unlisted.length)}</p>
      <ul class="entries" aria-label="Passkeys not added by you">
        ${unlisted.map((passkey) => this.#renderPasskey(passkey, [...own, ...unlisted], true))}
      </ul>
    </div>`;
  }

  /** `all`: the passkeys removing this one is weighed against; `unlisted`: in the "Not added by you" group. */
  #renderPasskey(passkey: PasskeyInfo, all: readonly PasskeyInfo[], unlisted: boolean): unknown {
    return html`<li>
      <div class="head"><span class="name">${passkey.name}</span></div>
      ${renderFingerprint(passkey.fingerprint)}
      <p class="meta">Added ${formatDay(passkey.createdAt)}</p>
      <p class="meta">${passkey.lastUsedAt === null ? 'Not used to sign in yet' : `Last used ${formatMoment(passkey.lastUsedAt)}`}</p>
      ${unlisted
        ? nothing
        : html`<p class="unlock ${passkey.canUnlock ? 'ok' : 'hint'}">${passkey.canUnlock ? 'Can unlock the vault' : 'Cannot unlock the vault'}</p>`}
      ${all.length === 1 ? html`<p class="meta">Your only passkey: add another before you can remove this one.</p>` : nothing}
      ${this._renaming === passkey.id ? this.#renderRename(passkey) : this.#renderActions(passkey, all, unlisted)}
    </li>`;
  }

  #renderRename(passkey: PasskeyInfo): unknown {
    const vault = this.vault;
    return html`<kh-rename
      .current=${passkey.name}
      .save=${(name: string) => vault!.passkeys.rename(passkey.id, name)}
      @kh-renamed=${this._onRenamed}
      @kh-cancel=${this._onRenameCancel}
    ></kh-rename>`;
  }

  #renderActions(passkey: PasskeyInfo, all: readonly PasskeyInfo[], unlisted: boolean): unknown {
    const pending = this.#change.pending;
    return html`<div class="actions">
      ${passkey.canUnlock || unlisted
        ? nothing
        : html`<button type="button" aria-label="Use for unlocking: ${passkey.name}" ?disabled=${pending}
            @click=${() => this._onEnableUnlock(passkey)}>Use for unlocking</button>`}
      ${unlisted
        ? nothing
        : html`<button type="button" aria-label="Rename ${passkey.name}" data-rename=${passkey.id} ?disabled=${pending}
            @click=${() => this._onRename(passkey)}>Rename</button>`}
      ${all.length === 1
        ? nothing
        : html`<button type="button" class="danger" aria-label="Remove ${passkey.name}" ?disabled=${pending}
            @click=${(event: Event) => this._onRemove(passkey, all, event.currentTarget as HTMLElement)}>Remove</button>`}
    </div>`;
  }

  private async _onAdded(): Promise<void> {
    this._outcome = undefined;
    this.#change.reset();
    await this.reload();
  }

  private async _onEnableUnlock(passkey: PasskeyInfo): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#change.pending) return;
    this._outcome = undefined;
    await this.#change.run(async (signal) => {
      await vault.passkeys.enableUnlock(passkey.id, signal);
    });
    if (this.#change.status !== 'done') return;
    this._outcome = { kind: 'unlock-enabled', name: passkey.name };
    await this.reload();
  }

  private _onRename(passkey: PasskeyInfo): void {
    this._renaming = passkey.id;
    this._outcome = undefined;
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

  private async _onRemove(passkey: PasskeyInfo, all: readonly PasskeyInfo[], button: HTMLElement): Promise<void> {
    const vault = this.vault;
    if (!vault || this.#change.pending) return;
    this._outcome = undefined;
    this.#change.reset();
    const lastUnlock = passkey.canUnlock && all.filter((p) => p.canUnlock).length === 1;
    const confirmed = await confirmAction(button, {
      title: `Remove “${passkey.name}”?`,
      body: html`<p>It will no longer sign you in to your account. You will be asked for one of your passkeys.</p>
        ${lastUnlock
          ? html`<p class="error">It is the only passkey that can open your vault without your PIN. After this, only your PIN and your
              recovery routes open it.</p>`
          : nothing}`,
      confirm: `Remove “${passkey.name}”`,
      cancel: 'Keep it',
      danger: true,
    });
    if (!confirmed || !(await ensureReprompt(vault, button, `remove “${passkey.name}”`))) return;
    await this.#change.run((signal) => vault.passkeys.remove(passkey.id, signal));
    if (this.#change.status !== 'done') return;
    this._outcome = { kind: 'removed', name: passkey.name };
    await this.reload();
    this.renderRoot.querySelector<HTMLElement>('#passkeys-heading')?.focus();
  }
}

customElements.define('kh-passkeys', KhPasskeys);

declare global {
  interface HTMLElementTagNameMap {
    'kh-passkeys': KhPasskeys;
  }
}
