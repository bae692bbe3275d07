/**
 * Recovering an existing account on a new device (`vault.recovery`): by PIN (one server guess per
 * try), by an authenticator-app code, by the recovery kit, or by a PRF passkey. The flows load as a chunk of their own
 * (a returning user's start never needs them); each stores the recovered vault and opens it.
 */
import type { VaultCore } from '../core';
import { VaultError } from '../errors';
import type { ApprovalRecoverOptions, RecoverOptions } from '../state';
import type { RecoveryHost } from './recovery-flows';

const loadRecovery = () => import('./recovery-flows');

export class VaultRecovery {
  readonly #core: VaultCore;

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /** PIN route. Throws `recovery_pin_wrong` (with guessesLeft), `recovery_pin_locked`, `recovery_unavailable`, `offline`. */
  async withPin(username: string, pin: string, options?: RecoverOptions): Promise<void> {
    return (await loadRecovery()).recoverWithPin(this.#host, username, pin, options);
  }

  /** Authenticator-app route; a new PIN is required. Throws `totp_invalid`, `totp_locked`. */
  async withTotp(username: string, code: string, newPin: string, confirm: string, options?: RecoverOptions): Promise<void> {
    return (await loadRecovery()).recoverWithTotp(this.#host, username, code, newPin, confirm, options);
  }

  /**
   * Recovery-kit route (a new device, online): `code` is the kit's 12 words as typed (any case,
   * spaces, dashes or line breaks) or its QR text; a new PIN is required. Throws `kit_unreadable`
   * (before any request; `wordPosition` names the first word not in the list), `kit_invalid` (the
   * server refused the code, or the username), `pin_mismatch`, `pin_rejected`, `offline`, `server_error` (too many attempts).
   */
  async withKit(username: string, code: string, newPin: string, confirm: string, options?: RecoverOptions): Promise<void> {
    return (await loadRecovery()).recoverWithKit(this.#host, username, code, newPin, confirm, options);
  }

  /** Passkey route (PRF). Throws `prf_unavailable` when the passkey cannot open the vault. */
  async withPasskey(username: string, newPin: string, confirm: string, options?: RecoverOptions): Promise<void> {
    return (await loadRecovery()).recoverWithPasskey(this.#host, username, newPin, confirm, options);
  }

  /**
   * Approval from another device (a new device, online): asks to join `username`'s account and
   * calls `options.onPhrase` with 5 words to show; any unlocked device of the account shows the same
   * words and, once its owner approves there, sends S sealed to this device. Polls every 2 s until
   * answered, denied, aborted (`options.signal`) or expired (10 minutes); a new PIN is required.
   * Throws `pin_mismatch`, `pin_rejected` (before asking), `approval_denied`, `approval_expired`,
   * `approval_limited`, `offline`, `recovery_unavailable`, or the signal's abort reason.
   */
  async withApproval(username: string, newPin: string, confirm: string, options?: ApprovalRecoverOptions): Promise<void> {
    return (await loadRecovery()).recoverWithApproval(this.#host, username, newPin, confirm, options);
  }

  get #host(): RecoveryHost {
    const core = this.#core;
    return {
      deps: core.deps,
      deviceName: core.env.deviceName,
      appId: core.appId,
      argon2Params: core.argon2Params,
      now: core.now,
      sleep: (ms, signal) => core.sleep(ms, signal),
      requireNoVault: () => {
        if (core.state.kind !== 'welcome') throw new VaultError('not_found', 'This device already has a vault.');
      },
      adopt: (vault, unlocked, localPin) => core.adopt(vault, unlocked, localPin),
    };
  }
}
