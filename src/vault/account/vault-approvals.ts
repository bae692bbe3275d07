/**
 * Approving a new device from this one (`vault.approvals`; docs/architecture.md "Approval from
 * another device"). While the vault is open, every sync run that reached the server (on unlocking
 * and each minute) also asks for the account's waiting requests, as its last step, and fires
 * APPROVALS_CHANGED when they changed. Each request carries its fingerprint phrase, computed here from the keys the
 * server handed out (the ephemeral key and the device key the new device will register); `approve`
 * signs that device key into the account log and seals S to exactly that ephemeral key, so the
 * words the owner compared are those of the keys that get S and a place in the log.
 */
import type { VaultCore } from '../core';
import { VaultError } from '../errors';
import { APPROVALS_CHANGED } from '../state';

const loadFlows = () => import('./approval-flows');

/** A new device waiting to join this account. */
export interface ApprovalRequest {
  readonly id: string;
  /** The name the new device gave itself (its own claim: the phrase is what proves which device it is). */
  readonly deviceName: string;
  /** 5 words from its keys: the new device must show the same words. */
  readonly phrase: readonly string[];
  /**
   * The app the new device asks from (issue 17), as the key server stored it from the request's
   * origin: approving signs its key into the account log for this app, whichever app approves.
   * `name` is null once the app is no longer registered.
   */
  readonly app: { readonly id: string; readonly name: string | null };
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A listed request with the keys its phrase was computed from (kept inside the SDK). */
export interface ListedRequest extends ApprovalRequest {
  readonly publicKey: string;
  /** The signing key the new device will register, as the account log names it; null from an older app. */
  readonly deviceKey: string | null;
}

export class VaultApprovals {
  readonly #core: VaultCore;
  #listed: readonly ListedRequest[] = [];

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /** The waiting requests as last read (empty while locked); refreshed by `pending()` and by every sync run. */
  get requests(): readonly ApprovalRequest[] {
    return this.#core.session ? this.#listed.map(({ publicKey: _key, deviceKey: _device, ...request }) => request) : [];
  }

  /** Reads the account's waiting requests from the key server, oldest first. Throws `locked`, `offline`, `server_error`. */
  async pending(): Promise<ApprovalRequest[]> {
    const listed = await (await loadFlows()).listRequests(this.#core);
    this.#show(listed);
    return [...this.requests];
  }

  /**
   * Approves a request listed by the last `pending()` (or sync): signs the new device's key into the
   * account log for the request's app, seals S to the public key whose phrase was shown, and sends it through the key
   * server. Needs a recent unlock or re-prompt. Throws `reprompt_required`, `locked`, `not_found`
   * (not listed, or answered meanwhile), `approval_expired`, `account_log_unverified`, `offline`,
   * `server_error`.
   */
  async approve(id: string): Promise<void> {
    this.#core.requireSession();
    this.#core.requireRecentConfirmation();
    const request = this.#listed.find((r) => r.id === id);
    if (!request) throw new VaultError('not_found', 'No such request to join.');
    await (await loadFlows()).approveRequest(this.#core, request);
    this.#show(this.#listed.filter((r) => r.id !== id));
  }

  /** Refuses a request; the new device is told. Throws `locked`, `not_found`, `approval_expired`, `offline`. */
  async deny(id: string): Promise<void> {
    await (await loadFlows()).denyRequest(this.#core, id);
    this.#show(this.#listed.filter((r) => r.id !== id));
  }

  /** The end of a sync run that reached the server: look for requests while unlocked (never throws). */
  async afterSyncRun(): Promise<void> {
    if (!this.#core.session) {
      if (this.#listed.length) this.#show([]);
      return;
    }
    await this.pending().catch(() => {
      // Offline or refused: the next run asks again.
    });
  }

  #show(listed: readonly ListedRequest[]): void {
    const before = this.#listed.map((r) => r.id).join();
    this.#listed = listed;
    if (listed.map((r) => r.id).join() !== before) this.#core.emit(APPROVALS_CHANGED);
  }
}
