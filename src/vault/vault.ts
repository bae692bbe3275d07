/**
 * The vault on this device, as an app sees it: a small session (start, unlock, lock, state) with
 * one object per concern hanging from it — onboarding, account, recovery, records, quick view,
 * sync, settings, re-prompt and transfer (import and export). It dispatches plain `Event`s (state.ts: STATE_CHANGED, RECORDS_CHANGED,
 * SYNC_CHANGED, QUICK_VIEW_CHANGED); read `state` or the part's getters after them.
 */
import { VaultAccountLog } from './account-log/vault-account-log';
import { VaultAccount } from './account/vault-account';
import { VaultApprovals } from './account/vault-approvals';
import { VaultDevices } from './account/vault-devices';
import { VaultPasskeys } from './account/vault-passkeys';
import { VaultOnboarding } from './account/vault-onboarding';
import { VaultCore } from './core';
import { unlockWithPin, type UnlockedVault } from './crypto';
import type { VaultDeps } from './deps';
import { DeviceSettings } from './device-settings';
import type { StoredVault } from './platform/local-store';
import { VaultQuickView } from './quick-view/vault-quick-view';
import { VaultRecords } from './records/vault-records';
import { VaultRecovery } from './recovery/vault-recovery';
import { type DeriveProgress, type LockReason, type RecoverOptions, type VaultState } from './state';
import type { VaultSync } from './sync/sync-gate';
import { VaultTransfer } from './transfer/vault-transfer';
import { strengthenPinWrap } from './unlock/kdf-upgrade';
import { preloadOpenVaultCode } from './unlock/open-vault-code';
import { withProgress } from './unlock/pin-attempts';
import { unlockWithPrfPasskey } from './unlock/prf-unlock';
import { VaultReprompt } from './unlock/reprompt';

/**
 * @fires state-changed - `state`, `settings` or `persistence` changed
 * @fires records-changed - records were edited here or arrived from another device
 * @fires sync-changed - `sync.status` changed
 * @fires quick-view-changed - the items shown without the PIN changed
 * @fires approvals-changed - a new device asked to join, or a request was answered or expired (`approvals.requests`)
 * @fires account-log-changed - the account log's status or warnings changed (`accountLog.status`)
 */
export class Vault extends EventTarget {
  readonly #core: VaultCore;
  /** Creating an account on this device: a passkey, then a PIN. */
  readonly onboarding: VaultOnboarding;
  /** The account while unlocked: PIN change, recovery routes, authenticator app, activity log. */
  readonly account: VaultAccount;
  /** The account's devices: list, rename, remove one that is lost. */
  readonly devices: VaultDevices;
  /** The account's passkeys: list, add a backup, let one unlock, rename, remove. */
  readonly passkeys: VaultPasskeys;
  /** New devices asking to join the account: list with their phrase, approve (sends S), deny. */
  readonly approvals: VaultApprovals;
  /** The account's signed log of who may act for it: its status and warnings, and the migration of an account made before it. */
  readonly accountLog: VaultAccountLog;
  /** Recovering an existing account on a new device (PIN, authenticator app, passkey, kit or another device). */
  readonly recovery: VaultRecovery;
  /** The decrypted records, while unlocked. */
  readonly records: VaultRecords;
  /** Items readable from the lock screen on this device (opt-in). */
  readonly quickView: VaultQuickView;
  /** Pushing and pulling records; `status` says where it stands. */
  readonly sync: VaultSync;
  /** This device's auto-lock and re-prompt settings and storage persistence. */
  readonly settings: DeviceSettings;
  /** Asking for the PIN or a passkey again before revealing a secret, once the unlock is `settings.current.repromptMinutes` old. */
  readonly reprompt: VaultReprompt;
  /** Importing from another password manager or a Keyhold backup, and exporting, while unlocked. */
  readonly transfer: VaultTransfer;

  constructor(deps: VaultDeps) {
    super();
    this.#core = new VaultCore(deps, (type) => this.dispatchEvent(new Event(type)));
    this.settings = new DeviceSettings(this.#core);
    this.onboarding = new VaultOnboarding(this.#core, this.settings);
    this.account = new VaultAccount(this.#core);
    this.devices = new VaultDevices(this.#core);
    this.passkeys = new VaultPasskeys(this.#core);
    this.recovery = new VaultRecovery(this.#core);
    this.approvals = new VaultApprovals(this.#core);
    this.accountLog = this.#core.accountLog = new VaultAccountLog(this.#core);
    this.#core.afterSyncRun = async () => {
      await this.approvals.afterSyncRun();
      await this.accountLog.afterSyncRun();
    };
    this.records = new VaultRecords(this.#core);
    this.quickView = new VaultQuickView(this.#core);
    this.sync = this.#core.sync;
    this.reprompt = new VaultReprompt(this.#core);
    this.transfer = new VaultTransfer(this.#core);
  }

  get state(): VaultState {
    return this.#core.state;
  }

  /** Loads this device's vault: 'locked' when there is one, 'welcome' otherwise. */
  async start(): Promise<void> {
    const core = this.#core;
    const { store } = core.deps;
    // idb, not Dexie: the lock screen shows while Dexie's chunk still loads (first-screen-rows.ts).
    const [{ vault, settings, throttle }] = await Promise.all([store.readAtStart(), this.settings.loadPersistence()]);
    this.settings.apply(settings);
    core.stored = vault;
    core.throttle = throttle;
    if (typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('online', this.#onConnectivity);
      globalThis.addEventListener('offline', this.#onConnectivity);
    }
    core.setState(vault ? core.lockedState(null) : { kind: 'welcome', online: core.env.isOnline() });
    if (vault) void core.sync.start();
    void store.lost.then(() => core.forget());
  }

  /**
   * Gets ready for a PIN unlock while the person types it: starts the Argon2 worker
   * (`deps.prewarmArgon2`) and loads the code an open vault runs first, so the unlock waits only
   * for the derivation. Call it when the person taps, focuses or types into the PIN field (not on
   * an autofocus); calls without a locked vault do nothing, and repeated calls are cheap (each keeps
   * an idle worker alive). Nothing secret is touched.
   */
  prepareUnlock(): void {
    const core = this.#core;
    if (core.session || !core.stored) return;
    core.deps.prewarmArgon2?.();
    preloadOpenVaultCode();
  }

  /** Unlocks with the PIN, offline. Throws `throttled` (with retryAt) while a wait runs, `wrong_pin`. */
  async unlockWithPin(pin: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void> {
    const core = this.#core;
    const vault = core.requireVault();
    if (core.session) return;
    const unlocked = await core.pinAttempts.attempt(() => {
      onProgress?.('deriving');
      return unlockWithPin(vault.record, pin, withProgress(core.deps.argon2, onProgress), signal);
    }, signal);
    const signedIn = core.open(unlocked);
    onProgress?.('done');
    void this.#strengthen(vault, unlocked, pin).catch(() => {}); // best effort: the old wrap still works
    if (!vault.pinRecoveryRegistered) void core.registerPinRecovery(unlocked, pin, signedIn);
  }

  /** Unlocks with a PRF passkey, offline (the authenticator evaluates the PRF). Throws `prf_unavailable`. */
  async unlockWithPasskey(signal?: AbortSignal): Promise<void> {
    const core = this.#core;
    const vault = core.requireVault();
    if (core.session) return;
    const unlocked = await unlockWithPrfPasskey(vault, core.deps.passkeys, signal);
    // The passkey proved the owner is here (user verification): the PIN wait no longer applies.
    await core.pinAttempts.reset();
    void core.open(unlocked);
  }

  /**
   * A forgotten PIN on this device, offline: the recovery kit's code (`code`: the 12 words as typed,
   * or the kit's QR text) opens the kit wrap this device keeps, S is wrapped under `newPin`, and the
   * vault opens. The state must be 'locked'. PIN recovery on the server follows the new PIN at the
   * next online unlock. Throws `no_kit_here` (the kit was made on another device or removed: use
   * the online route of a new device), `kit_unreadable`, `kit_invalid`, `pin_mismatch`, `pin_rejected`.
   */
  async resetPinWithKit(code: string, newPin: string, confirm: string, options?: RecoverOptions): Promise<void> {
    const { resetPinWithKit } = await import('./recovery/kit-pin-reset');
    await resetPinWithKit(this.#core, code, newPin, confirm, options);
  }

  /** Drops every key and decrypted value, stops the auto-lock timers, and shows the lock screen. */
  lock(reason: LockReason): void {
    this.#core.lock(reason);
  }

  /** The user did something: the idle timer starts again. */
  noteActivity(): void {
    this.#core.autoLock.activity();
  }

  /** The page was hidden: the vault locks after the grace period unless it comes back. */
  pageHidden(): void {
    this.#core.autoLock.hidden();
  }

  pageVisible(): void {
    this.#core.autoLock.visible();
  }

  /** Raises a PIN wrap made with weaker Argon2 costs to today's; written only if nothing replaced the vault meanwhile. */
  async #strengthen(vault: StoredVault, unlocked: UnlockedVault, pin: string): Promise<void> {
    const core = this.#core;
    const stronger = await strengthenPinWrap(vault, unlocked, pin, core.deps.argon2, core.argon2Params);
    if (stronger && core.stored === vault) {
      await core.deps.store.writeVault(stronger);
      core.stored = stronger;
    }
  }

  readonly #onConnectivity = (): void => {
    const core = this.#core;
    if (core.state.kind === 'welcome') core.setState({ ...core.state, online: core.env.isOnline() });
    if (core.stored) void core.sync.now(); // offline: just says so
  };
}
