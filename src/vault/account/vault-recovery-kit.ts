/**
 * The recovery kit while unlocked (`vault.account.recoveryKit`; docs/architecture.md "Recovery
 * kit"): a recovery code of 12 words that the user keeps on paper. `prepare` makes one and keeps
 * nothing; `activate`, once the user typed two of its words back, wraps S under the code's KEK_kit
 * and uploads the wrap with SHA-256(kitAuth), replacing any older kit (whose code stops working);
 * this device keeps the wrap too, for resetting a forgotten PIN offline (`vault.resetPinWithKit`).
 */
import type { VaultCore } from '../core';

const loadFlows = () => import('./recovery-kit-flows');

/** A kit made by `prepare()`: shown and printed, stored nowhere until `activate()`. Never log it. */
export interface PendingRecoveryKit {
  /** The 12 words, in order. */
  readonly words: readonly string[];
  readonly username: string;
  /** What the kit's QR code holds: `keyhold-kit:1:<username>:<w1-…-w12>`. */
  readonly qrText: string;
  /** When it was prepared (shown on the printable page). */
  readonly createdAt: number;
  /** Two 0-based word positions the user types back before it is activated. */
  readonly checkPositions: readonly number[];
}

export class VaultRecoveryKit {
  readonly #core: VaultCore;

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /**
   * A new kit to show (words, QR text, date) and the positions to ask back. Stores and sends
   * nothing: a kit abandoned here never existed. Throws `locked`, `reprompt_required`.
   */
  async prepare(): Promise<PendingRecoveryKit> {
    return (await loadFlows()).prepareKit(this.#core);
  }

  /**
   * Checks the words typed back (`typed[i]` for `kit.checkPositions[i]`; any case, spaces trimmed),
   * then stores the kit on the key server (replacing an older one), with its account log entry in
   * the same request, and on this device. Pressed again after an answer was lost, it finds the kit
   * stored and keeps it. Throws `kit_mismatch` (nothing sent), `locked`, `reprompt_required`,
   * `offline`, `server_error`, `account_log_unverified`.
   */
  async activate(kit: PendingRecoveryKit, typed: readonly string[]): Promise<{ createdAt: number; replaced: boolean }> {
    return (await loadFlows()).activateKit(this.#core, kit, typed);
  }

  /**
   * Turns the kit off after a passkey sign-in (as turning off a recovery route), and drops this
   * device's copy of its wrap. Throws `reprompt_required`, `passkey_cancelled`, `passkey_failed`,
   * `offline`, `locked`.
   */
  async remove(signal?: AbortSignal): Promise<void> {
    return (await loadFlows()).removeKit(this.#core, signal);
  }

  /**
   * Drops this device's copy of the kit wrap when the server no longer holds that kit (removed, or
   * replaced on another device): a kit the user replaced, perhaps because its paper was seen, must
   * not go on resetting the PIN here. Called with every read of the recovery routes.
   */
  async forgetReplacedWrap(onServer: { active: boolean; createdAt: number | null }): Promise<void> {
    const vault = this.#core.stored;
    if (!vault?.kit || (onServer.active && onServer.createdAt === vault.kit.createdAt)) return;
    await (await loadFlows()).keepKitLocally(this.#core, vault, undefined);
  }
}
