/**
 * The vault's state machine (vault-state.ts is its contract with the UI): onboarding, PIN and
 * passkey unlock, auto-lock, PIN change and records. Keys live only in memory, in `#session`,
 * as the crypto SDK's non-extractable CryptoKeys; locking drops that one reference. The unlock
 * path makes no network call: the vault opens offline, and a device sign-in follows in the
 * background when the network is there.
 */
import { AutoLock } from './unlock/auto-lock';
import { DEFAULT_ARGON2_PARAMS, changePin as rewrapForNewPin, createLocalVault, unlockWithPin, type UnlockedVault } from './crypto';
import { strengthenPinWrap } from './unlock/kdf-upgrade';
import { PinRecoveryUpkeep } from './account/pin-recovery-upkeep';
import { deviceEnvironment, queryPersistence, requestPersistence, type DeviceEnvironment } from './platform/device-environment';
import { openDeviceSession } from './account/device-session';
import type { StoredVault } from './platform/local-store';
import type { TotpEnrollment } from './account/totp-enrollment';
import type { AuditPage, RecoveryRouteName, RecoveryRoutes, RecoverySettingsContext } from './account/recovery-settings';
import type { PendingAccount } from './account/onboarding';
import type { RecoveryHost } from './recovery/recovery-flows';
import { PinAttempts, checkNewPin, withProgress } from './unlock/pin-attempts';
import { prfPasskeys, unlockWithPrfPasskey } from './unlock/prf-unlock';
import { QuickViewGate } from './quick-view/quick-view-gate';
import { NO_THROTTLE } from './unlock/unlock-throttle';
import { VaultFailure } from './errors';
import type { VaultControllerDeps } from './deps';
import type { VaultRecords } from './records/unlocked-records';
import { SyncGate } from './sync/sync-gate';
import type { SyncStatus } from './sync/sync-engine';
import { DEFAULT_SETTINGS, mergeSettings } from './account/settings';
import {
  QUICK_VIEW_CHANGED,
  RECORDS_CHANGED,
  STATE_CHANGED,
  SYNC_CHANGED,
  type DeriveProgress,
  type LockReason,
  type QuickViewItem,
  type RecoverOptions,
  type RecordContent,
  type RecordSummary,
  type StoragePersistence,
  type UnlockThrottle,
  type VaultSettings,
  type VaultState,
} from './state';

export { VaultFailure, type ControllerFailureCode } from './errors';
export type { VaultControllerDeps } from './deps';

/** Onboarding runs once per device: a chunk of its own, so a returning user's start does not load it. */
const loadOnboarding = () => import('./account/onboarding');
/** Recovery on a new device: rarer still, so a chunk of its own too. */
const loadRecovery = () => import('./recovery/recovery-flows');
const loadTotp = () => import('./account/totp-enrollment');
const loadRecoverySettings = () => import('./account/recovery-settings');

interface Session {
  readonly unlocked: UnlockedVault;
  /** Pending while its chunk loads: record code runs only once a vault is open. */
  readonly records: Promise<VaultRecords>;
}

export class VaultController extends EventTarget {
  readonly #deps: VaultControllerDeps;
  readonly #env: DeviceEnvironment;
  readonly #now: () => number;
  readonly #autoLock: AutoLock;
  readonly #pinAttempts: PinAttempts;
  readonly #pinRecovery: PinRecoveryUpkeep;
  readonly #sync: SyncGate;
  readonly #quick: QuickViewGate;
  #state: VaultState = { kind: 'loading' };
  #settings: VaultSettings = DEFAULT_SETTINGS;
  #persistence: StoragePersistence = 'unsupported';
  #throttle: UnlockThrottle = NO_THROTTLE;
  #vault: StoredVault | undefined;
  #pending: PendingAccount | undefined;
  #session: Session | undefined;
  #choosing: Promise<void> = Promise.resolve();

  constructor(deps: VaultControllerDeps) {
    super();
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    const clock = {
      now: this.#now,
      setTimer: deps.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms)),
      clearTimer: deps.clearTimer ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>)),
    };
    this.#autoLock = new AutoLock(clock, this.#settings, (reason) => this.lock(reason));
    this.#pinAttempts = new PinAttempts(deps.store, this.#now, (throttle) => this.#showThrottle(throttle));
    this.#env = deviceEnvironment(deps);
    this.#pinRecovery = new PinRecoveryUpkeep(deps.server, deps.argon2, () => this.#argon2Params, () => this.#markPinRecoveryRegistered());
    this.#quick = new QuickViewGate({
      store: deps.store,
      now: this.#now,
      onChanged: () => this.dispatchEvent(new Event(QUICK_VIEW_CHANGED)),
    });
    this.#sync = new SyncGate({
      ...clock,
      server: deps.server,
      store: deps.store,
      isOnline: this.#env.isOnline,
      onStatus: () => this.dispatchEvent(new Event(SYNC_CHANGED)),
      onRecordsChanged: () => {
        this.dispatchEvent(new Event(RECORDS_CHANGED));
        void this.#quick.reconcile(this.#session?.unlocked ?? null); // pulled versions: re-sealed now if unlocked, else at the next unlock
      },
      ...(deps.syncPageSize ? { pageSize: deps.syncPageSize } : {}),
    });
  }

  /** Pending edits, last sync, offline or failing, download progress (sync/sync-engine.ts). */
  get syncStatus(): SyncStatus {
    return this.#sync.status;
  }

  /** Pushes local edits and pulls the other devices' now; resolves when done (never rejects: see syncStatus). */
  syncNow(): Promise<void> {
    return this.#sync.sync();
  }

  get state(): VaultState {
    return this.#state;
  }

  get settings(): VaultSettings {
    return this.#settings;
  }

  get persistence(): StoragePersistence {
    return this.#persistence;
  }

  /** Loads this device's vault: 'locked' when there is one, 'welcome' otherwise. */
  async start(): Promise<void> {
    const { store } = this.#deps;
    const [vault, settings, throttle] = await Promise.all([store.readVault(), store.readSettings(), store.readThrottle()]);
    this.#settings = settings;
    this.#autoLock.configure(settings);
    this.#vault = vault;
    this.#throttle = throttle;
    this.#persistence = await queryPersistence(this.#env.storage);
    if (typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('online', this.#onConnectivity);
      globalThis.addEventListener('offline', this.#onConnectivity);
    }
    this.#setState(vault ? this.#lockedState(null) : { kind: 'welcome', online: this.#env.isOnline() });
    if (vault) void this.#sync.start();
  }

  /** Registers a passkey for a new account (a passkey session opens), then asks for a PIN. */
  async createAccount(username: string, signal?: AbortSignal): Promise<void> {
    if (this.#state.kind !== 'welcome' && this.#state.kind !== 'choose-pin') throw new VaultFailure('not_found', 'This device already has a vault.');
    const { registerAccount } = await loadOnboarding();
    const pending = await registerAccount(this.#deps.server, this.#deps.passkeys, username, signal);
    this.#dropPending();
    this.#pending = pending;
    this.#setState({ kind: 'choose-pin', username: pending.username, prfAvailable: pending.prfOutput !== null });
  }

  /** Creates the key hierarchy under `pin`, backs it up to the server, stores it here, and unlocks. */
  choosePin(pin: string, confirm: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void> {
    // One at a time: two overlapping calls would each publish a different key bundle.
    const run = this.#choosing.then(() => this.#choosePin(pin, confirm, onProgress, signal));
    this.#choosing = run.catch(() => {});
    return run;
  }

  async #choosePin(pin: string, confirm: string, onProgress: DeriveProgress | undefined, signal: AbortSignal | undefined): Promise<void> {
    const pending = this.#pending;
    if (!pending || this.#state.kind !== 'choose-pin') throw new VaultFailure('not_found', 'Create the account first.');
    await checkNewPin(pin, confirm);
    onProgress?.('deriving');
    const { record, unlocked } = await createLocalVault({ userId: pending.userId, pin, params: this.#argon2Params, argon2: withProgress(this.#deps.argon2, onProgress), signal });
    const { server, passkeys } = this.#deps;
    const { publishNewVault } = await loadOnboarding();
    const vault = await publishNewVault({ server, passkeys, pending, record, unlocked, deviceName: this.#env.deviceName, now: this.#now(), signal });
    await this.#deps.store.writeVault(vault);
    await this.#pinAttempts.reset();
    this.#vault = vault;
    this.#dropPending();
    // The passkey session from the registration is still open: no device sign-in to replace it.
    void this.#open(unlocked, { signInDevice: false });
    void this.#registerPinRecovery(unlocked, pin, Promise.resolve());
    onProgress?.('done');
    // The vault now lives only here until recovery exists: ask the browser not to clear it. The
    // answer is shown in settings; a refusal is not an error.
    void this.requestPersistence().catch(() => {});
  }

  /** A new device, PIN route (one server guess per try): recovery-flows.ts. Throws `recovery_pin_wrong` (guessesLeft), `recovery_pin_locked`. */
  async recoverWithPin(username: string, pin: string, options?: RecoverOptions): Promise<void> {
    return (await loadRecovery()).recoverWithPin(this.#recoveryHost, username, pin, options);
  }

  /** A new device, authenticator-app route; a new PIN is required. Throws `totp_invalid`, `totp_locked`. */
  async recoverWithTotp(username: string, code: string, newPin: string, confirm: string, options?: RecoverOptions): Promise<void> {
    return (await loadRecovery()).recoverWithTotp(this.#recoveryHost, username, code, newPin, confirm, options);
  }

  /** A new device, passkey route (PRF). Throws `prf_unavailable` when the passkey cannot open the vault. */
  async recoverWithPasskey(username: string, newPin: string, confirm: string, options?: RecoverOptions): Promise<void> {
    return (await loadRecovery()).recoverWithPasskey(this.#recoveryHost, username, newPin, confirm, options);
  }

  /** Starts enrolling an authenticator app (unlocked, online). Throws `offline`, `locked`. */
  async startTotpEnrollment(): Promise<TotpEnrollment> {
    const { beginTotpEnrollment } = await loadTotp();
    return beginTotpEnrollment(this.#enrollContext());
  }

  /** Confirms the enrolment with a code from the app; S is escrowed. Throws `totp_invalid`. */
  async finishTotpEnrollment(enrollmentId: string, code: string): Promise<void> {
    const { completeTotpEnrollment } = await loadTotp();
    await completeTotpEnrollment(this.#enrollContext(), enrollmentId, code);
  }

  /** Settings → Recovery: the routes the server holds (unlocked, online). Throws `offline`, `locked`. */
  async recoveryStatus(signal?: AbortSignal): Promise<RecoveryRoutes> {
    const { readRecoveryRoutes } = await loadRecoverySettings();
    return readRecoveryRoutes(this.#recoverySettingsContext(), signal);
  }

  /** Turns a recovery route off after a passkey sign-in. Throws `passkey_cancelled`, `passkey_failed`, `offline`. */
  async turnOffRecoveryRoute(route: RecoveryRouteName, signal?: AbortSignal): Promise<void> {
    const { turnOffRoute } = await loadRecoverySettings();
    await turnOffRoute(this.#recoverySettingsContext(), route, signal);
  }

  /** Settings → Activity: a page of the account's audit events, newest first. Throws `offline`, `locked`. */
  async auditLog(before?: number, signal?: AbortSignal): Promise<AuditPage> {
    const { readAuditPage } = await loadRecoverySettings();
    return readAuditPage(this.#recoverySettingsContext(), before, signal);
  }

  #recoverySettingsContext(): RecoverySettingsContext {
    const session = this.#requireSession();
    const vault = this.#requireVault();
    return {
      server: this.#deps.server,
      passkeys: this.#deps.passkeys,
      unlocked: session.unlocked,
      username: vault.username,
      deviceId: vault.deviceId,
      origin: this.#env.origin,
      prfOnThisDevice: prfPasskeys(vault).length > 0,
    };
  }

  #enrollContext() {
    const session = this.#requireSession();
    return { server: this.#deps.server, unlocked: session.unlocked, deviceId: this.#requireVault().deviceId, origin: this.#env.origin };
  }

  get #recoveryHost(): RecoveryHost {
    return {
      deps: this.#deps,
      deviceName: this.#env.deviceName,
      argon2Params: this.#argon2Params,
      now: this.#now,
      requireNoVault: () => {
        if (this.#state.kind !== 'welcome') throw new VaultFailure('not_found', 'This device already has a vault.');
      },
      adopt: async (vault, unlocked, localPin) => {
        await this.#deps.store.writeVault(vault);
        await this.#pinAttempts.reset();
        this.#vault = vault;
        void this.#open(unlocked, { signInDevice: false }); // the recovery (or passkey) session serves until it ends
        if (!vault.pinRecoveryRegistered) void this.#registerPinRecovery(unlocked, localPin, Promise.resolve());
      },
    };
  }

  /** Unlocks with the PIN, offline. Throws `throttled` (with retryAt) while a wait runs, `wrong_pin`. */
  async unlockWithPin(pin: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void> {
    const vault = this.#requireVault();
    if (this.#session) return;
    const unlocked = await this.#pinAttempts.attempt(() => {
      onProgress?.('deriving');
      return unlockWithPin(vault.record, pin, withProgress(this.#deps.argon2, onProgress), signal);
    }, signal);
    const signedIn = this.#open(unlocked);
    onProgress?.('done');
    void this.#strengthen(vault, unlocked, pin).catch(() => {}); // best effort: the old wrap still works
    if (!vault.pinRecoveryRegistered) void this.#registerPinRecovery(unlocked, pin, signedIn);
  }

  get #argon2Params() {
    return this.#deps.argon2Params ?? DEFAULT_ARGON2_PARAMS;
  }

  async #strengthen(vault: StoredVault, unlocked: UnlockedVault, pin: string): Promise<void> {
    const stronger = await strengthenPinWrap(vault, unlocked, pin, this.#deps.argon2, this.#argon2Params);
    // Written only if nothing replaced the vault meanwhile (a PIN change wins).
    if (stronger && this.#vault === vault) {
      await this.#deps.store.writeVault(stronger);
      this.#vault = stronger;
    }
  }

  /** Unlocks with a PRF passkey, offline (the authenticator evaluates the PRF). Throws `prf_unavailable`. */
  async unlockWithPasskey(signal?: AbortSignal): Promise<void> {
    const vault = this.#requireVault();
    if (this.#session) return;
    const unlocked = await unlockWithPrfPasskey(vault, this.#deps.passkeys, signal);
    // The passkey proved the owner is here (user verification): the PIN wait no longer applies.
    await this.#pinAttempts.reset();
    void this.#open(unlocked);
  }

  /** Drops every key and decrypted value, stops the auto-lock timers, and shows the lock screen. */
  lock(reason: LockReason): void {
    if (!this.#session) return;
    this.#session = undefined;
    this.#sync.locked();
    this.#autoLock.disarm();
    this.#setState(this.#lockedState(reason));
  }

  noteActivity(): void {
    this.#autoLock.activity();
  }

  pageHidden(): void {
    this.#autoLock.hidden();
  }

  pageVisible(): void {
    this.#autoLock.visible();
  }

  /** Verifies `currentPin` (a throttled attempt), re-wraps S under `newPin` and a new salt, then locks ('pin-changed'). */
  async changePin(currentPin: string, newPin: string, confirm: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void> {
    const session = this.#requireSession();
    const vault = this.#requireVault();
    await checkNewPin(newPin, confirm);
    await this.#pinAttempts.attempt(() => {
      onProgress?.('deriving');
      return unlockWithPin(vault.record, currentPin, withProgress(this.#deps.argon2, onProgress), signal);
    }, signal);
    onProgress?.('deriving');
    const changed = await rewrapForNewPin(vault.record, session.unlocked, newPin, withProgress(this.#deps.argon2, onProgress), { params: this.#argon2Params, signal });
    if (this.#session !== session) throw new VaultFailure('locked');
    const next: StoredVault = { ...vault, record: changed.record, pinRecoveryRegistered: false };
    this.#pinRecovery.invalidate();
    await this.#deps.store.writeVault(next);
    this.#vault = next;
    // The server's recovery follows the new PIN before the vault locks, because locking drops
    // every key; if it cannot (offline), the row says "not registered" and the next unlock retries.
    await this.#registerPinRecovery(changed.unlocked, newPin, Promise.resolve());
    onProgress?.('done');
    this.lock('pin-changed');
  }

  async listRecords(query?: string): Promise<RecordSummary[]> {
    const session = this.#requireSession();
    return this.#stillOpen(session, await (await session.records).list(query));
  }

  async readRecord(id: string): Promise<RecordContent> {
    const session = this.#requireSession();
    return this.#stillOpen(session, await (await session.records).read(id));
  }

  async saveRecord(id: string | null, content: RecordContent): Promise<string> {
    const session = this.#requireSession();
    const saved = await (await session.records).save(id, content);
    await this.#quick.reconcile(session.unlocked, [saved]); // a marked record's copy follows the edit (never rejects)
    this.#recordsEdited();
    return saved;
  }

  async deleteRecord(id: string): Promise<void> {
    await (await this.#requireSession().records).remove(id);
    await this.#quick.reconcile(null, [id]);
    this.#recordsEdited();
  }

  /** Settles a conflict copy (see VaultRecords.resolveConflict); returns the record to show next, if any. */
  async resolveConflict(copyId: string, choice: 'keep-both' | 'use-copy' | 'discard'): Promise<string | null> {
    const session = this.#requireSession();
    const next = await (await session.records).resolveConflict(copyId, choice);
    await this.#quick.reconcile(session.unlocked);
    this.#recordsEdited();
    return next;
  }

  // ——— shown on this device without PIN (quick-view.ts; opt-in, read-only on the lock screen) ———

  /** Marks (seals a copy now) or unmarks a record on this device. Unlocked only: throws `locked`, `not_found`. */
  async setShownWithoutPin(id: string, on: boolean): Promise<void> {
    const { unlocked } = this.#requireSession();
    await (on ? this.#quick.mark(id, unlocked) : this.#quick.unmark(id));
  }

  isShownWithoutPin(id: string): Promise<boolean> {
    return this.#quick.isMarked(id);
  }

  shownWithoutPinCount(): Promise<number> {
    return this.#quick.markedCount();
  }

  /** The read-only copies for the lock screen: works while locked, with no prompt. Never log them. */
  quickViewItems(): Promise<QuickViewItem[]> {
    return this.#quick.items();
  }

  /** Settings → "Hide all": deletes every copy and forgets the device key (any state: it only removes). */
  hideAllShownWithoutPin(): Promise<void> {
    return this.#quick.forgetAll();
  }

  #recordsEdited(): void {
    this.dispatchEvent(new Event(RECORDS_CHANGED));
    void this.#sync.sync(); // offline it hands the edit to the service worker's background sync
  }

  /** Stores new auto-lock settings (clamped to their bounds); they apply at once. */
  async updateSettings(partial: Partial<VaultSettings>): Promise<void> {
    const settings = mergeSettings(this.#settings, partial);
    await this.#deps.store.writeSettings(settings);
    this.#settings = settings;
    this.#autoLock.configure(settings);
    this.dispatchEvent(new Event(STATE_CHANGED));
  }

  /** Asks the browser not to evict this origin's storage (the vault lives nowhere else offline). */
  async requestPersistence(): Promise<StoragePersistence> {
    this.#persistence = await requestPersistence(this.#env.storage);
    this.dispatchEvent(new Event(STATE_CHANGED));
    return this.#persistence;
  }

  // ——— internals ———

  #setState(state: VaultState): void {
    this.#state = state;
    this.dispatchEvent(new Event(STATE_CHANGED));
  }

  #lockedState(reason: LockReason | null): VaultState {
    const vault = this.#requireVault();
    return { kind: 'locked', username: vault.username, prfUnlock: prfPasskeys(vault).length > 0, throttle: this.#throttle, lockedBecause: reason };
  }

  /** Settles when background PIN-recovery registrations have ended (tests; a "saving" hint). */
  pinRecoverySettled(): Promise<void> {
    return this.#pinRecovery.settled();
  }

  /** Resolves when the registration ended (it never rejects); callers that must not wait ignore it. */
  async #registerPinRecovery(unlocked: UnlockedVault, pin: string, sessionReady: Promise<unknown>): Promise<void> {
    if (!this.#env.isOnline()) return; // the next unlock retries: the row still says "not registered"
    await this.#pinRecovery.schedule({ userId: unlocked.userId, pin, rootSecret: unlocked.rootSecretAccess, sessionReady });
  }

  async #markPinRecoveryRegistered(): Promise<void> {
    const vault = this.#vault;
    if (!vault || vault.pinRecoveryRegistered) return;
    const next: StoredVault = { ...vault, pinRecoveryRegistered: true };
    await this.#deps.store.writeVault(next);
    if (this.#vault === vault) this.#vault = next;
  }

  /** Returns the background device sign-in (settled either way; never rejects). */
  #open(unlocked: UnlockedVault, { signInDevice = true } = {}): Promise<unknown> {
    const vault = this.#requireVault();
    if (this.#session) return Promise.resolve();
    const records = import('./records/unlocked-records').then(({ VaultRecords }) => new VaultRecords(this.#deps.store, unlocked, this.#now));
    records.catch(() => {}); // a failed load is reported by each record call that awaits it
    this.#session = { unlocked, records };
    void this.#quick.reconcile(unlocked); // copies that fell behind while locked (pulled changes) are re-made now
    this.#throttle = NO_THROTTLE;
    this.#autoLock.arm();
    this.#setState({ kind: 'unlocked', username: vault.username, userId: vault.userId, prfUnlock: prfPasskeys(vault).length > 0 });
    const signedIn = signInDevice ? this.#signInDeviceInBackground(unlocked, vault) : Promise.resolve();
    void this.#sync.unlocked(
      {
        signIn: () => openDeviceSession(this.#deps.server, this.#requireVault().deviceId, unlocked.deviceKey.privateKey, this.#env.origin ?? ''),
        sealConflictCopy: async (row) => (await records).sealConflictCopy(row),
      },
      signedIn,
    );
    return signedIn;
  }

  /** Best effort and never awaited by the unlock: the sync engine opens a session itself whenever it needs one. */
  #signInDeviceInBackground(unlocked: UnlockedVault, vault: StoredVault): Promise<unknown> {
    const { origin } = this.#env;
    if (!origin || !this.#env.isOnline()) return Promise.resolve();
    return openDeviceSession(this.#deps.server, vault.deviceId, unlocked.deviceKey.privateKey, origin).catch(() => {
      // Offline, revoked or refused: the vault stays open either way, and nothing here is worth a log line.
    });
  }

  #showThrottle(throttle: UnlockThrottle): void {
    this.#throttle = throttle;
    if (this.#state.kind === 'locked') this.#setState({ ...this.#state, throttle });
  }

  #requireVault(): StoredVault {
    if (!this.#vault) throw new VaultFailure('not_found', 'There is no vault on this device.');
    return this.#vault;
  }

  #requireSession(): Session {
    if (!this.#session) throw new VaultFailure('locked');
    return this.#session;
  }

  /** Decrypted values are not handed out by a call that the vault locked under. */
  #stillOpen<T>(session: Session, value: T): T {
    if (this.#session !== session) throw new VaultFailure('locked');
    return value;
  }

  #dropPending(): void {
    this.#pending?.prfOutput?.fill(0);
    this.#pending = undefined;
  }

  readonly #onConnectivity = (): void => {
    if (this.#state.kind === 'welcome') this.#setState({ kind: 'welcome', online: this.#env.isOnline() });
    if (this.#vault) void this.#sync.sync(); // offline: just says so
  };
}
