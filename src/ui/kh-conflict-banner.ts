import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { describeFailure } from './failure-messages';
import { sharedStyles } from './shared-styles';
import type { ConflictChoice, Vault } from '../vault';
import { VaultTask } from './vault-task';

/** `kh-conflict-resolved`'s detail: what was chosen and the record to show next (null: none). */
export interface ConflictResolved {
  readonly choice: ConflictChoice;
  readonly next: string | null;
}

/** What each way of settling did, for the editor to say once the record left over is open. */
export const CONFLICT_SETTLED: Readonly<Record<ConflictChoice, string>> = {
  'keep-both': 'Both versions kept as separate items.',
  'use-copy': 'Your version replaced the other one.',
  discard: 'Copy discarded. This is the version kept.',
};

/**
 * Shown above a conflict copy in the record editor: the sync engine kept this
 * device's edit as a copy because another device changed the same item first. Says which item
 * that is and offers the three ways to settle it: keep both, use this version (it replaces the
 * other), or discard this copy (after a confirm step). Only the other item's title is looked up
 * (from the list's summaries), never its fields.
 *
 * @fires kh-conflict-resolved - The vault settled the copy; `detail` is a `ConflictResolved`.
 */
export class KhConflictBanner extends LitElement {
  static override properties = {
    vault: { attribute: false },
    copyId: { attribute: false },
    originalId: { attribute: false },
    blocked: { type: Boolean },
    _confirmDiscard: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      :host {
        margin-bottom: 1.25rem;
      }
      .card {
        /* The colour of the list's "conflict copy" badge: the same thing, seen from inside. */
        border-left: 4px solid var(--kh-error);
      }
      .actions {
        margin-top: 0.75rem;
      }
      .confirm {
        margin-top: 0.75rem;
      }
    `,
  ];

  declare vault: Vault | undefined;
  /** The conflict copy shown in the editor. */
  declare copyId: string | null;
  /** The record it conflicts with (which may since have been deleted). */
  declare originalId: string | null;
  /** The editor holds unsaved changes, which settling would lose: the choices wait for Save or Cancel. */
  declare blocked: boolean;
  declare private _confirmDiscard: boolean;
  /** The other version's title; null when it no longer exists. */
  readonly #original = new VaultTask<string | null>(this);
  readonly #resolve = new VaultTask<string | null>(this);

  constructor() {
    super();
    this.vault = undefined;
    this.copyId = null;
    this.originalId = null;
    this.blocked = false;
    this._confirmDiscard = false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('originalId') && !changed.has('vault')) return;
    const vault = this.vault;
    const id = this.originalId;
    if (!vault || id === null) return;
    void this.#original.run(async () => {
      const original = (await vault.records.list()).find((record) => record.id === id);
      if (!original) return null;
      return original.title || (original.kind === 'login' ? 'Untitled login' : 'Untitled note');
    });
  }

  protected override render(): unknown {
    const busy = this.#resolve.pending;
    const disabled = busy || this.blocked;
    const title = this.#original.status === 'done' ? this.#original.value : undefined;
    return html`<section class="card" aria-labelledby="conflict-heading" data-test="conflict-banner">
      <h3 id="conflict-heading">Conflict copy</h3>
      <p>
        This is your edit from this device, made while another device changed the same item.
        ${title === undefined
          ? 'Nothing was lost: the other version is still in your vault.'
          : title === null
            ? 'Nothing was lost, but the other version has since been deleted. Use this version to bring the item back.'
            : html`Nothing was lost: the other version is <q data-test="conflict-original">${title}</q>.`}
      </p>
      <p class="hint">
        Keep both to keep two separate items. Use this version to replace the other version with this one.
        Discard this copy to keep only the other version.
      </p>
      ${this.blocked ? html`<p class="hint" data-test="conflict-blocked">Save or cancel your changes first.</p>` : nothing}
      ${this._confirmDiscard ? this.#renderConfirm(disabled, title) : html`<div class="actions">
            <button type="button" data-test="conflict-keep-both" ?disabled=${disabled} @click=${this._onKeepBoth}>Keep both</button>
            <button type="button" data-test="conflict-use-copy" ?disabled=${disabled} @click=${this._onUseCopy}>Use this version</button>
            <button type="button" class="danger" data-test="conflict-discard" ?disabled=${disabled} @click=${this._onAskDiscard}>
              Discard this copy
            </button>
          </div>`}
      <p class="error msg" role="alert" data-test="conflict-error">${this.#resolve.failure ? describeFailure(this.#resolve.failure) : nothing}</p>
    </section>`;
  }

  #renderConfirm(disabled: boolean, title: string | null | undefined): unknown {
    return html`<div class="confirm" role="group" aria-labelledby="confirm-discard">
      <p id="confirm-discard">
        Discard this copy? The edit in it is lost${title ? html`; <q>${title}</q> stays in your vault` : nothing}.
      </p>
      <div class="actions">
        <button type="button" class="danger confirm" data-test="conflict-discard-confirm" ?disabled=${disabled} @click=${this._onDiscard}>
          ${this.#resolve.pending ? 'Discarding…' : 'Discard for good'}
        </button>
        <button type="button" data-test="conflict-discard-keep" ?disabled=${disabled} @click=${this._onKeepCopy}>Keep it</button>
      </div>
    </div>`;
  }

  async #settle(choice: ConflictChoice): Promise<void> {
    const vault = this.vault;
    const id = this.copyId;
    if (!vault || id === null || this.#resolve.pending || this.blocked) return;
    const next = await this.#resolve.run(() => vault.records.resolveConflict(id, choice));
    if (this.#resolve.status !== 'done' || next === undefined) return;
    this._confirmDiscard = false;
    this.dispatchEvent(new CustomEvent<ConflictResolved>('kh-conflict-resolved', { detail: { choice, next } }));
  }

  private _onKeepBoth(): void {
    void this.#settle('keep-both');
  }

  private _onUseCopy(): void {
    void this.#settle('use-copy');
  }

  private _onDiscard(): void {
    void this.#settle('discard');
  }

  private async _onAskDiscard(): Promise<void> {
    this._confirmDiscard = true;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[data-test="conflict-discard-keep"]')?.focus();
  }

  private async _onKeepCopy(): Promise<void> {
    this._confirmDiscard = false;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[data-test="conflict-discard"]')?.focus();
  }
}

customElements.define('kh-conflict-banner', KhConflictBanner);

declare global {
  interface HTMLElementTagNameMap {
    'kh-conflict-banner': KhConflictBanner;
  }
}
