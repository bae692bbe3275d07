/**
 * What the vault's parts share (internal: never exported from the SDK's index): the vault stored
 * on this device, the unlocked session, the state the app renders, and the lifecycle that opens
 * and closes a session. Keys live only in memory, in `session`, as the crypto layer's
 * non-extractable CryptoKeys; locking drops that one reference. Opening makes no network call:
 * the vault opens offline, and a device sign-in follows in the background when the network is there.
 */
import type { PinRegisterFinishRequestT } from '../../protocol/api';
import { APP_ID_PATTERN, DEFAULT_APP_ID } from '../../protocol/constants';
import { openDeviceSession } from './account/device-session';
import { PinRecoveryUpkeep } from './account/pin-recovery-upkeep';
import type { VaultAccountLog } from './account-log/vault-account-log';
import { DEFAULT_ARGON2_PARAMS, unlockWithPin, type Argon2Params, type IdentityKey, type UnlockedVault } from './crypto';
import type { VaultDeps } from './deps';
import { VaultError } from './errors';
import { deviceEnvironment, type DeviceEnvironment } from './platform/device-environment';
import type { StoredVault } from './platform/local-store';
import { QuickViewGate } from './quick-view/quick-view-gate';
import type { UnlockedRecords } from './records/unlocked-records';
import { QUICK_VIEW_CHANGED, RECORDS_CHANGED, STATE_CHANGED, SYNC_CHANGED, type AccountDeleted, type LockReason, type UnlockThrottle, type VaultSettings, type VaultState } from './state';
import { SyncGate } from './sync/sync-gate';
import { AutoLock } from './unlock/auto-lock';
import { DEFAULT_SETTINGS } from './unlock/auto-lock-settings';
import { PinAttempts } from './unlock/pin-attempts';
import { loadUnlockedRecords } from './unlock/open-vault-code';
import { prfPasskeys } from './unlock/prf-unlock';
import { confirmationIsStale } from './unlock/reprompt';
import { NO_THROTTLE } from './unlock/unlock-throttle';

export interface Session {
  readonly unlocked: UnlockedVault;
  /** Pending while its chunk loads: record code runs only once a vault is open. */
  readonly records: Promise<UnlockedRecords>;
  /** The account's identity key (signs the account log): the key bundle's, or one adopted while open (a migration). */
  identity: IdentityKey | undefined;
  /**
   * Opened on a vault just made or re-keyed here (onboarding, a recovery, lock everywhere): the
   * server session is the one that flow opened (a recovery one may not list devices), not a device sign-in.
   */
  readonly adopted: boolean;
}

export class VaultCore {
  readonly deps: VaultDeps;
  readonly env: DeviceEnvironment;
  readonly now: () => number;
  readonly autoLock: AutoLock;
  readonly pinAttempts: PinAttempts;
  readonly pinRecovery: PinRecoveryUpkeep;
  readonly sync: SyncGate;
  readonly quick: QuickViewGate;
  readonly #emit: (type: string) => void;
  readonly #clock: { setTimer: (callback: () => void, ms: number) => unknown; clearTimer: (handle: unknown) => void };
  state: VaultState = { kind: 'loading' };
  settings: VaultSettings = DEFAULT_SETTINGS;
  throttle: UnlockThrottle = NO_THROTTLE;
  /** This device's vault as stored; undefined before start() and on a device without one. */
  stored: StoredVault | undefined;
  session: Session | undefined;
  /** When the owner last proved to be here (an unlock or a re-prompt, unlock/reprompt.ts); undefined while locked. */
  #confirmedAt: number | undefined;

  constructor(deps: VaultDeps, emit: (type: string) => void) {
    // Bound into the account log and every record's AAD: a typo would strand the app's data.
    if (deps.appId !== undefined && !APP_ID_PATTERN.test(deps.appId)) throw new TypeError('VaultDeps.appId is not an app id (a lowercase slug: APP_ID_PATTERN)');
    this.deps = deps;
    this.#emit = emit;
    this.now = deps.now ?? Date.now;
    const clock = {
      now: this.now,
      setTimer: deps.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms)),
      clearTimer: deps.clearTimer ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>)),
    };
    this.#clock = clock;
    this.env = deviceEnvironment(deps);
    this.autoLock = new AutoLock(clock, this.settings, (reason) => this.lock(reason));
    this.pinAttempts = new PinAttempts(deps.store, this.now, (throttle) => this.#showThrottle(throttle));
    this.pinRecovery = new PinRecoveryUpkeep({
      server: deps.server,
      argon2: deps.argon2,
      params: () => this.argon2Params,
      finish: (request, logId) => this.#finishPinRegistration(request, logId),
      registered: () => this.#markPinRecoveryRegistered(),
    });
    this.quick = new QuickViewGate({
      store: deps.store,
      appId: deps.appId ?? DEFAULT_APP_ID,
      now: this.now,
      onChanged: () => this.#emit(QUICK_VIEW_CHANGED),
      isOpen: (vault) => this.session?.unlocked === vault,
    });
    this.sync = new SyncGate({
      ...clock,
      server: deps.server,
      store: deps.store,
      isOnline: this.env.isOnline,
      onStatus: () => this.#emit(SYNC_CHANGED),
      onRecordsChanged: () => {
        this.#emit(RECORDS_CHANGED);
        void this.quick.reconcile(this.session?.unlocked ?? null); // pulled versions: re-sealed now if unlocked, else at the next unlock
      },
      afterRun: () => this.afterSyncRun?.() ?? Promise.resolve(),
      ...(deps.syncPageSize ? { pageSize: deps.syncPageSize } : {}),
    });
  }

  /** What the vault does at the end of each sync run that reached the server (vault.ts: look for device approvals, check the account log). */
  afterSyncRun: (() => Promise<void>) | undefined;
  /** vault.accountLog, for the parts that sign changes into the account log (set by vault.ts). */
  accountLog!: VaultAccountLog;

  /** The app this vault runs in (`deps.appId`, default the key server's default app, Keyhold). */
  get appId(): string {
    return this.deps.appId ?? DEFAULT_APP_ID;
  }

  get argon2Params(): Argon2Params {
    return this.deps.argon2Params ?? DEFAULT_ARGON2_PARAMS;
  }

  /** Resolves after `ms` on the vault's timers (tests inject them); rejects with the abort reason when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.#clock.clearTimer(handle);
        reject(signal!.reason);
      };
      const handle = this.#clock.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  emit(type: string): void {
    this.#emit(type);
  }

  setState(state: VaultState): void {
    this.state = state;
    this.#emit(STATE_CHANGED);
  }

  lockedState(reason: LockReason | null): VaultState {
    const vault = this.requireVault();
    return { kind: 'locked', username: vault.username, prfUnlock: prfPasskeys(vault).length > 0, throttle: this.throttle, lockedBecause: reason };
  }

  requireVault(): StoredVault {
    if (!this.stored) throw new VaultError('not_found', 'There is no vault on this device.');
    return this.stored;
  }

  requireSession(): Session {
    if (!this.session) throw new VaultError('locked');
    return this.session;
  }

  /** Decrypted values are not handed out by a call that the vault locked under. */
  stillOpen<T>(session: Session, value: T): T {
    if (this.session !== session) throw new VaultError('locked');
    return value;
  }

  /** The owner just proved to be here again (vault.reprompt): the re-prompt interval starts over. */
  confirmed(): void {
    if (this.session) this.#confirmedAt = this.now();
  }

  /**
   * Checks `pin` against this device's wrap of the root secret as one counted attempt under the
   * lock screen's throttle and, when it opens it, restarts the re-prompt interval (the re-prompt,
   * and exports, which ask for the PIN even while unlocked). Offline. Throws `wrong_pin` (with
   * `retryAt` once a wait starts), `throttled`, `locked`. Never log the PIN.
   */
  async confirmPin(pin: string, signal?: AbortSignal): Promise<void> {
    const session = this.requireSession();
    const vault = this.requireVault();
    // The keys this opens are dropped at once: the session already holds the same ones.
    await this.pinAttempts.attempt(() => unlockWithPin(vault.record, pin, this.deps.argon2, signal), signal);
    this.stillOpen(session, undefined);
    this.confirmed();
  }

  /** Whether revealing a secret now needs the PIN or a passkey again (false while locked: nothing to reveal). */
  confirmationNeeded(): boolean {
    if (!this.session || this.#confirmedAt === undefined) return false;
    return confirmationIsStale(this.#confirmedAt, this.now(), this.settings.repromptMinutes);
  }

  /**
   * For SDK calls that reveal a secret or take away a way in (turning off a recovery route,
   * removing a device, locking everywhere): throws `reprompt_required` while `vault.reprompt.needed()`.
   * Call it after `requireSession()`, before any network or passkey step.
   */
  requireRecentConfirmation(): void {
    if (this.confirmationNeeded()) throw new VaultError('reprompt_required');
  }

  /** A record changed here: the list redraws and the change goes out (offline, to the service worker's background sync). */
  recordsEdited(): void {
    this.#emit(RECORDS_CHANGED);
    void this.sync.now();
  }

  /**
   * The browser cleared this site's storage while the page was open: the vault no longer exists on
   * this device, so its keys and decrypted values go too, and the person sees the new-device welcome.
   * The same after this page deleted the account (`accountDeleted`: what the welcome screen says).
   */
  forget(accountDeleted?: AccountDeleted): void {
    this.session = undefined;
    this.#confirmedAt = undefined;
    this.sync.stop();
    this.autoLock.disarm();
    this.stored = undefined;
    this.setState({ kind: 'welcome', online: this.env.isOnline(), ...(accountDeleted ? { accountDeleted } : {}) });
  }

  /**
   * Stores a vault made on this device (onboarding or recovery) and opens it. The session that made
   * it (passkey or recovery) is still open, so no device sign-in; PIN recovery follows `pin` unless
   * the vault says it already does.
   */
  async adopt(vault: StoredVault, unlocked: UnlockedVault, pin: string): Promise<void> {
    this.deps.store.reopen(); // a page whose vault was wiped (cleared storage, a deleted account) starts a new one
    await this.deps.store.writeVault(vault);
    await this.pinAttempts.reset();
    this.stored = vault;
    void this.open(unlocked, { signInDevice: false });
    if (!vault.pinRecoveryRegistered) void this.registerPinRecovery(unlocked, pin, Promise.resolve());
  }

  /** Opens a session on `unlocked`; returns the background device sign-in (settled either way; never rejects). */
  open(unlocked: UnlockedVault, { signInDevice = true } = {}): Promise<unknown> {
    const vault = this.requireVault();
    if (this.session) return Promise.resolve();
    const records = loadUnlockedRecords().then(({ UnlockedRecords }) => new UnlockedRecords(this.deps.store, unlocked, this.now, this.appId));
    records.catch(() => {}); // a failed load is reported by each record call that awaits it
    this.session = { unlocked, records, identity: unlocked.identity, adopted: !signInDevice };
    this.#confirmedAt = this.now(); // every way in (PIN, passkey, a new or recovered vault) proves the owner is here
    void this.quick.reconcile(unlocked); // copies that fell behind while locked (pulled changes) are re-made now
    this.throttle = NO_THROTTLE;
    this.autoLock.arm();
    this.setState({ kind: 'unlocked', username: vault.username, userId: vault.userId, prfUnlock: prfPasskeys(vault).length > 0 });
    const signedIn = signInDevice ? this.#signInDeviceInBackground(unlocked, vault) : Promise.resolve();
    void this.sync.unlocked(
      {
        signIn: () => openDeviceSession(this.deps.server, this.requireVault().deviceId, unlocked.deviceKey.privateKey, this.env.origin ?? ''),
        sealConflictCopy: async (row) => (await records).sealConflictCopy(row),
        resealForPush: async (row) => (await records).resealForPush(row),
        mismatchedBindings: async (copies) => (await records).mismatchedBindings(copies),
      },
      signedIn,
    );
    return signedIn;
  }

  /**
   * The keys changed under an open session (lock everywhere): stores `vault` whatever happens (the
   * key server already holds its other half), then, unless `from` was locked meanwhile, reopens the
   * session on `unlocked` in place, without the lock screen in between. Its passkey session stays.
   */
  async rekey(vault: StoredVault, unlocked: UnlockedVault, from: Session): Promise<void> {
    await this.deps.store.writeVault(vault);
    this.stored = vault;
    if (this.session !== from) return;
    this.session = undefined;
    void this.open(unlocked, { signInDevice: false });
  }

  /** Drops every key and decrypted value, stops the auto-lock timers, and shows the lock screen. */
  lock(reason: LockReason): void {
    if (!this.session) return;
    this.session = undefined;
    this.#confirmedAt = undefined;
    this.sync.locked();
    this.autoLock.disarm();
    this.setState(this.lockedState(reason));
  }

  /** Resolves when the registration ended (it never rejects); callers that must not wait ignore it. */
  async registerPinRecovery(unlocked: UnlockedVault, pin: string, sessionReady: Promise<unknown>): Promise<void> {
    if (!this.env.isOnline()) return; // the next unlock retries: the row still says "not registered"
    await this.pinRecovery.schedule({ userId: unlocked.userId, pin, rootSecret: unlocked.rootSecretAccess, sessionReady });
  }

  /**
   * Finishes a PIN recovery registration together with the log entry naming it (logId: SHA-256 of
   * its tag): the server commits both or neither, so it never holds a registration it would refuse
   * for want of that entry. An account without a log (made before it) finishes without one, in the
   * same turn of the log's queue.
   */
  async #finishPinRegistration(request: PinRegisterFinishRequestT, logId: string): Promise<void> {
    const sent = await this.accountLog.setUpWithEntry({ op: 'pin-recovery.set', id: logId }, (logEntry) =>
      this.deps.server.pinRegisterFinish({ ...request, ...(logEntry && { logEntry }) }),
    );
    // Only a log that already named this registration sends nothing, and its tag is new.
    if (!sent) throw new VaultError('account_log_unverified', 'The account log already names this PIN recovery registration.');
  }

  /** The registration finished for the PIN the vault still has: the stored vault says so, and no unlock registers again. */
  async #markPinRecoveryRegistered(): Promise<void> {
    const vault = this.stored;
    if (!vault || vault.pinRecoveryRegistered) return;
    const next: StoredVault = { ...vault, pinRecoveryRegistered: true };
    await this.deps.store.writeVault(next);
    if (this.stored === vault) this.stored = next;
  }

  /** Best effort and never awaited by the unlock: the sync engine opens a session itself whenever it needs one. */
  #signInDeviceInBackground(unlocked: UnlockedVault, vault: StoredVault): Promise<unknown> {
    const { origin } = this.env;
    if (!origin || !this.env.isOnline()) return Promise.resolve();
    return openDeviceSession(this.deps.server, vault.deviceId, unlocked.deviceKey.privateKey, origin).catch(() => {
      // Offline, revoked or refused: the vault stays open either way, and nothing here is worth a log line.
    });
  }

  #showThrottle(throttle: UnlockThrottle): void {
    this.throttle = throttle;
    if (this.state.kind === 'locked') this.setState({ ...this.state, throttle });
  }
}
