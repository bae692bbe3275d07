/**
 * The account while the vault is unlocked (`vault.account`): changing the PIN, the recovery routes
 * the key server holds, enrolling an authenticator app, the recovery kit, and the activity log. Everything here but
 * the PIN change needs the network; each part loads as a chunk of its own.
 */
import type { VaultCore } from '../core';
import { changePin as rewrapForNewPin, unlockWithPin } from '../crypto';
import { VaultError } from '../errors';
import type { StoredVault } from '../platform/local-store';
import type { DeriveProgress } from '../state';
import { checkNewPin, withProgress } from '../unlock/pin-attempts';
import type { ExportFile } from '../transfer/vault-transfer';
import type { DeleteAccountStep } from './delete-account';
import type { LockEverywhereReport } from './lock-everywhere';
import type { AuditPage, RecoveryRouteName, RecoveryRoutes, RecoverySettingsContext } from './recovery-settings';
import type { TotpEnrollment } from './totp-enrollment';
import { recoverySettingsContext } from './settings-context';
import { VaultRecoveryKit } from './vault-recovery-kit';

const loadTotp = () => import('./totp-enrollment');
const loadRecoverySettings = () => import('./recovery-settings');
const loadLockEverywhere = () => import('./lock-everywhere');
const loadDeleteAccount = () => import('./delete-account');

export class VaultAccount {
  readonly #core: VaultCore;
  /** The user-held recovery kit: make one (prepare, then activate once words are typed back), or remove it. */
  readonly recoveryKit: VaultRecoveryKit;

  constructor(core: VaultCore) {
    this.#core = core;
    this.recoveryKit = new VaultRecoveryKit(core);
  }

  /**
   * Verifies `currentPin` (a throttled attempt), re-wraps S under `newPin` and a new salt, moves
   * PIN recovery to the new PIN, then locks ('pin-changed'). Throws `wrong_pin`, `throttled`,
   * `pin_mismatch`, `pin_rejected`, `locked`.
   */
  async changePin(currentPin: string, newPin: string, confirm: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void> {
    const core = this.#core;
    const session = core.requireSession();
    const vault = core.requireVault();
    await checkNewPin(newPin, confirm);
    await core.pinAttempts.attempt(() => {
      onProgress?.('deriving');
      return unlockWithPin(vault.record, currentPin, withProgress(core.deps.argon2, onProgress), signal);
    }, signal);
    onProgress?.('deriving');
    const changed = await rewrapForNewPin(vault.record, session.unlocked, newPin, withProgress(core.deps.argon2, onProgress), { params: core.argon2Params, signal });
    if (core.session !== session) throw new VaultError('locked');
    const next: StoredVault = { ...vault, record: changed.record, pinRecoveryRegistered: false };
    core.pinRecovery.invalidate();
    await core.deps.store.writeVault(next);
    core.stored = next;
    // The server's recovery follows the new PIN before the vault locks, because locking drops
    // every key; if it cannot (offline), the row says "not registered" and the next unlock retries.
    await core.registerPinRecovery(changed.unlocked, newPin, Promise.resolve());
    onProgress?.('done');
    core.lock('pin-changed');
  }

  /** Settles when background PIN-recovery registrations have ended (tests; a "saving" hint). */
  pinRecoverySettled(): Promise<void> {
    return this.#core.pinRecovery.settled();
  }

  /** The recovery routes the server holds for this account. Throws `offline`, `locked`. */
  async recoveryRoutes(signal?: AbortSignal): Promise<RecoveryRoutes> {
    const { readRecoveryRoutes } = await loadRecoverySettings();
    const routes = await readRecoveryRoutes(this.#settingsContext(), signal);
    await this.recoveryKit.forgetReplacedWrap(routes.kit);
    return routes;
  }

  /**
   * Turns a recovery route off after a passkey sign-in. Throws `reprompt_required` while
   * `vault.reprompt.needed()` (before any prompt or request), `passkey_cancelled`, `passkey_failed`,
   * `offline`, `locked`.
   */
  async turnOffRecoveryRoute(route: RecoveryRouteName, signal?: AbortSignal): Promise<void> {
    this.#core.requireSession();
    this.#core.requireRecentConfirmation();
    const { turnOffRoute } = await loadRecoverySettings();
    await turnOffRoute(this.#core, route, signal);
  }

  /**
   * Signs in with a passkey (the prompt may offer one on another device or a security key), for
   * what a device session may not do: a call that threw `forbidden_scope` works after this.
   * Throws `passkey_cancelled`, `passkey_failed`, `offline`, `locked`.
   */
  async signInWithPasskey(signal?: AbortSignal): Promise<void> {
    const { signInWithPasskey } = await loadRecoverySettings();
    await signInWithPasskey(this.#settingsContext(), signal);
  }

  /** A page of the account's audit events, newest first. Throws `offline`, `locked`. */
  async auditLog(before?: number, signal?: AbortSignal): Promise<AuditPage> {
    const { readAuditPage } = await loadRecoverySettings();
    return readAuditPage(this.#settingsContext(), before, signal);
  }

  /**
   * Lock everywhere (docs/architecture.md "Lock everywhere"): checks `pin` (a counted attempt),
   * asks for a passkey sign-in, then in one step revokes every other device, ends every other
   * session and replaces every key a removed device could hold — the root secret, key bundle,
   * vault key and the wraps of every recovery route (PIN recovery re-registered for `pin`, the
   * authenticator app's escrow renewed, the passkey just used kept able to unlock). Records written
   * afterwards get data keys only this rotation's vault key opens; earlier ones stay readable here.
   * Returns how many devices were removed and what needs a step from the user (another passkey's
   * unlock, via `vault.passkeys.enableUnlock`). Throws `wrong_pin`, `throttled` (nothing changed),
   * `offline`, `locked`, `passkey_cancelled`, `passkey_failed`, `device_revoked`, `account_changed`.
   */
  async lockEverywhere(pin: string, signal?: AbortSignal): Promise<LockEverywhereReport> {
    const { lockEverywhere } = await loadLockEverywhere();
    return lockEverywhere(this.#core, pin, signal);
  }

  /** Starts enrolling an authenticator app (unlocked, online). Throws `offline`, `locked`. */
  async startTotpEnrollment(): Promise<TotpEnrollment> {
    const { beginTotpEnrollment } = await loadTotp();
    return beginTotpEnrollment(this.#core);
  }

  /**
   * Confirms the enrolment with a code from the app: S is escrowed and the app signed into the
   * account log, in one request. Confirmed again after an answer was lost, it finds the app
   * enrolled and ends. An enrolment must be confirmed on the page load that started it (its
   * secret's log id is kept only there). Throws `totp_invalid`, `account_log_unverified`,
   * `offline`, `passkey_failed` (the enrolment is gone: start again), `server_error`.
   */
  async finishTotpEnrollment(enrollmentId: string, code: string): Promise<void> {
    const { completeTotpEnrollment } = await loadTotp();
    await completeTotpEnrollment(this.#core, enrollmentId, code);
  }

  /**
   * Deletes the account (docs/architecture.md "Deleting the account"): `typedUsername` must be the
   * account's (trimmed, any case), then a passkey sign-in (always: user verification now), the
   * server's erasure, and the wipe of every IndexedDB database, cache, web storage and service
   * worker of this origin; the state becomes 'welcome' with `accountDeleted`, and other open tabs
   * see 'welcome' too. `onStep` says which part runs. Throws `username_mismatch`, `locked`,
   * `passkey_cancelled`, `passkey_failed`, `offline`, `server_error` (nothing was deleted), or
   * `wipe_incomplete` (the account is gone, some of this device's data is not: `eraseThisDevice`).
   */
  async deleteAccount(typedUsername: string, signal?: AbortSignal, onStep?: (step: DeleteAccountStep) => void): Promise<void> {
    const { deleteAccount } = await loadDeleteAccount();
    await deleteAccount(this.#core, typedUsername, signal, onStep);
  }

  /**
   * After `deleteAccount` threw `wipe_incomplete` (state 'welcome' with `accountDeleted.leftovers`):
   * wipes this device again. Throws `wipe_incomplete`, `not_found` (no account was deleted here).
   */
  async eraseThisDevice(): Promise<void> {
    const { eraseThisDevice } = await loadDeleteAccount();
    await eraseThisDevice(this.#core);
  }

  /**
   * What the key server holds about the user (GET /api/account/export: ciphertexts, audit entries,
   * device and passkey public keys), as keyhold-server-data-YYYY-MM-DD.json. Asks for a passkey
   * sign-in when this device's session is not a passkey one. Throws `locked`, `passkey_cancelled`,
   * `passkey_failed`, `offline`, `server_error`.
   */
  async downloadServerData(signal?: AbortSignal): Promise<ExportFile> {
    const { downloadServerData } = await loadDeleteAccount();
    return downloadServerData(this.#core, signal);
  }

  #settingsContext(): RecoverySettingsContext {
    return recoverySettingsContext(this.#core);
  }

}
