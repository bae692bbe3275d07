/**
 * Re-prompt before revealing (docs/architecture.md "Re-prompt before revealing"), in the manner of
 * Bitwarden's master-password re-prompt: an unlocked vault left on a table should not hand a
 * passer-by its passwords, its recovery routes or its other devices. The vault remembers when its
 * owner last proved to be here — a PIN unlock, a passkey unlock, a re-prompt — and once that is
 * older than `settings.repromptMinutes`, the app asks again before it reveals or copies a secret,
 * and the SDK's destructive calls refuse with `reprompt_required` (`VaultCore.requireRecentConfirmation`).
 *
 * A re-prompt is as strong as the lock screen and no stronger: a PIN is one counted attempt under
 * the same throttle (a wrong PIN here brings the next wait closer there too), a passkey must open
 * this device's PRF wrap of S. What it protects against is a person holding the unlocked phone;
 * the decrypted values are already in the page, so it is no defence against script in it.
 */
import type { VaultCore } from '../core';
import { unlockWithPrfPasskey } from './prf-unlock';

const MINUTE_MS = 60_000;

/**
 * Whether a confirmation made at `confirmedAt` is too old at `now` for a limit of `minutes`. A
 * confirmation from the future (the clock was set back) counts as too old: a clock change must not
 * switch the re-prompt off.
 */
export function confirmationIsStale(confirmedAt: number, now: number, minutes: number): boolean {
  const elapsed = now - confirmedAt;
  return elapsed < 0 || elapsed >= minutes * MINUTE_MS;
}

/** `vault.reprompt`: asking the owner to prove again that they are here, while the vault is unlocked. */
export class VaultReprompt {
  readonly #core: VaultCore;

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /**
   * True when the vault was unlocked or last confirmed `settings.current.repromptMinutes` ago or
   * more: ask with `withPin` or `withPasskey` before revealing a secret. False while locked (then
   * there is nothing to reveal, and unlocking is the confirmation).
   */
  needed(): boolean {
    return this.#core.confirmationNeeded();
  }

  /**
   * Checks `pin` against this device's wrap of the root secret as one counted attempt (the lock
   * screen's throttle applies) and, when it opens it, restarts the re-prompt interval. Offline.
   * Throws `wrong_pin` (with `retryAt` once a wait starts), `throttled`, `locked`. Never log the PIN.
   */
  async withPin(pin: string, signal?: AbortSignal): Promise<void> {
    await this.#core.confirmPin(pin, signal);
  }

  /**
   * Asks this device's PRF passkey (user verification on the authenticator) and, when its output
   * opens this device's PRF wrap of the root secret, restarts the re-prompt interval. Offline.
   * Throws `prf_unavailable` (no PRF passkey unlock on this device), `passkey_cancelled`,
   * `passkey_failed`, `locked`. The PRF output is wiped.
   */
  async withPasskey(signal?: AbortSignal): Promise<void> {
    const core = this.#core;
    const session = core.requireSession();
    const vault = core.requireVault();
    await unlockWithPrfPasskey(vault, core.deps.passkeys, signal);
    core.stillOpen(session, undefined);
    // As at the lock screen: the passkey proved the owner is here, so the PIN wait no longer applies.
    await core.pinAttempts.reset();
    core.confirmed();
  }
}
