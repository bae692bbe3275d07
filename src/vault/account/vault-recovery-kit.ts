/**
 * The recovery kit while unlocked (`vault.account.recoveryKit`; docs/architecture.md "Recovery
 * kit"): a recovery code of 12 words that the user keeps on paper. `prepare` makes one and keeps
 * nothing; `activate`, once the user typed two of its words back, wraps S under the code's KEK_kit
 * and uploads the wrap with SHA-256(kitAuth), replacing any older kit (whose code stops working);
 * this device keeps the wrap too, for resetting a forgotten PIN offline (`vault.resetPinWithKit`).
 */
import type { VaultCore } from '../core';
import { VaultError, KeyServerError, failureFromServer } from '../errors';
import type { StoredVault } from '../platform/local-store';
import { generateRecoveryWords, recoveryKitQrText, splitRecoveryWords } from '../recovery/recovery-code';
import { recoverySettingsContext } from './settings-context';

const loadKitCrypto = () => import('../recovery/recovery-kit');
const loadRecoverySettings = () => import('./recovery-settings');

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

const CHECK_WORDS = 2;

/** Distinct random positions among `count`, in ascending order. */
function randomPositions(count: number, wanted: number): number[] {
  const picked = new Set<number>();
  const random = new Uint32Array(1);
  while (picked.size < wanted) {
    crypto.getRandomValues(random);
    picked.add(random[0]! % count); // 12 ∤ 2^32, but a position needs no uniformity: it only checks the copy
  }
  return [...picked].sort((a, b) => a - b);
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
  prepare(): PendingRecoveryKit {
    const core = this.#core;
    core.requireSession();
    core.requireRecentConfirmation();
    const { username } = core.requireVault();
    const words = generateRecoveryWords();
    return Object.freeze({
      words: Object.freeze(words),
      username,
      qrText: recoveryKitQrText(username, words),
      createdAt: core.now(),
      checkPositions: Object.freeze(randomPositions(words.length, CHECK_WORDS)),
    });
  }

  /**
   * Checks the words typed back (`typed[i]` for `kit.checkPositions[i]`; any case, spaces trimmed),
   * then stores the kit on the key server (replacing an older one) and on this device. Throws
   * `kit_mismatch` (nothing sent), `locked`, `reprompt_required`, `offline`, `server_error`.
   */
  async activate(kit: PendingRecoveryKit, typed: readonly string[]): Promise<{ createdAt: number; replaced: boolean }> {
    const core = this.#core;
    const session = core.requireSession();
    core.requireRecentConfirmation();
    const vault = core.requireVault();
    if (kit.username !== vault.username) throw new VaultError('kit_mismatch', 'This kit was made for another account.');
    const matches =
      typed.length === kit.checkPositions.length &&
      kit.checkPositions.every((position, i) => {
        const [word, ...extra] = splitRecoveryWords(typed[i] ?? '');
        return extra.length === 0 && word !== undefined && word === kit.words[position];
      });
    if (!matches) throw new VaultError('kit_mismatch');
    const [{ sealRecoveryKit }, { withSession }] = await Promise.all([loadKitCrypto(), loadRecoverySettings()]);
    const sealed = await sealRecoveryKit(vault.userId, kit.words.join(' '), session.unlocked.rootSecretAccess);
    const context = recoverySettingsContext(core);
    const stored = await withSession(context, () => core.deps.server.putRecoveryKit({ wrap: sealed.wrap, authHash: sealed.authHash }));
    await this.#keepLocally(vault, { createdAt: stored.createdAt, wrap: sealed.wrap });
    return stored;
  }

  /**
   * Turns the kit off after a passkey sign-in (as turning off a recovery route), and drops this
   * device's copy of its wrap. Throws `reprompt_required`, `passkey_cancelled`, `passkey_failed`,
   * `offline`, `locked`.
   */
  async remove(signal?: AbortSignal): Promise<void> {
    const core = this.#core;
    core.requireSession();
    core.requireRecentConfirmation();
    const context = recoverySettingsContext(core);
    const { signInWithPasskey } = await loadRecoverySettings();
    await signInWithPasskey(context, signal);
    try {
      await core.deps.server.removeRecoveryKit();
    } catch (error) {
      // Already gone (another device removed it, or a lock everywhere did): the outcome asked for.
      if (!(error instanceof KeyServerError && error.serverCode === 'recovery_not_set_up')) throw failureFromServer(error, signal);
    }
    await this.#keepLocally(core.requireVault(), undefined);
  }

  /**
   * Drops this device's copy of the kit wrap when the server no longer holds that kit (removed, or
   * replaced on another device): a kit the user replaced, perhaps because its paper was seen, must
   * not go on resetting the PIN here. Called with every read of the recovery routes.
   */
  async forgetReplacedWrap(onServer: { active: boolean; createdAt: number | null }): Promise<void> {
    const vault = this.#core.stored;
    if (!vault?.kit || (onServer.active && onServer.createdAt === vault.kit.createdAt)) return;
    await this.#keepLocally(vault, undefined);
  }

  /** Stores this device's copy of the kit wrap (or drops it), unless the vault row changed meanwhile in a way that already did. */
  async #keepLocally(vault: StoredVault, kit: StoredVault['kit']): Promise<void> {
    const core = this.#core;
    const current = core.stored ?? vault;
    const { kit: _old, ...rest } = current;
    const next: StoredVault = kit ? { ...rest, kit } : rest;
    await core.deps.store.writeVault(next);
    if (core.stored === current) core.stored = next;
  }
}
