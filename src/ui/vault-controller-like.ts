/**
 * What the UI needs from the vault controller (src/vault/vault-controller.ts), written down so the
 * screens depend on the contract alone (and a test can hand them a fake). The real
 * `VaultController` satisfies it structurally, which `ControllerFitsContract` checks at compile time.
 */
import type { AuditPage, RecoveryRouteName, RecoveryRoutes } from '../vault/account/recovery-settings';
import type { SyncStatus } from '../vault/sync/sync-engine';
import type { TotpEnrollment } from '../vault/account/totp-enrollment';
import type { ControllerFailureCode, VaultController } from '../vault/vault-controller';
import type {
  DeriveProgress,
  LockReason,
  QuickViewItem,
  RecoverOptions,
  RecordContent,
  RecordSummary,
  StoragePersistence,
  VaultSettings,
  VaultState,
} from '../vault/state';

/** How a conflict copy is settled (see `resolveConflict`). */
export type ConflictChoice = 'keep-both' | 'use-copy' | 'discard';

/**
 * Dispatches `STATE_CHANGED`, `RECORDS_CHANGED` and `SYNC_CHANGED` (vault-state.ts); `state` and
 * `syncStatus` are replaced, never mutated.
 */
export interface VaultControllerLike extends EventTarget {
  readonly state: VaultState;
  readonly settings: VaultSettings;
  readonly persistence: StoragePersistence;
  readonly syncStatus: SyncStatus;
  start(): Promise<void>;
  createAccount(username: string, signal?: AbortSignal): Promise<void>;
  choosePin(pin: string, confirm: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void>;
  unlockWithPin(pin: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void>;
  unlockWithPasskey(signal?: AbortSignal): Promise<void>;
  lock(reason: LockReason): void;
  noteActivity(): void;
  pageHidden(): void;
  pageVisible(): void;
  changePin(currentPin: string, newPin: string, confirm: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void>;
  listRecords(query?: string): Promise<RecordSummary[]>;
  readRecord(id: string): Promise<RecordContent>;
  saveRecord(id: string | null, content: RecordContent): Promise<string>;
  deleteRecord(id: string): Promise<void>;
  /** Sends local edits and fetches other devices' now; never rejects (read `syncStatus`). */
  syncNow(): Promise<void>;
  /** Settles conflict copy `copyId`; returns the id of the record to show next, or null for none. */
  resolveConflict(copyId: string, choice: ConflictChoice): Promise<string | null>;
  updateSettings(partial: Partial<VaultSettings>): Promise<void>;
  requestPersistence(): Promise<StoragePersistence>;
  recoverWithPin(username: string, pin: string, options?: RecoverOptions): Promise<void>;
  recoverWithTotp(username: string, code: string, newPin: string, confirm: string, options?: RecoverOptions): Promise<void>;
  recoverWithPasskey(username: string, newPin: string, confirm: string, options?: RecoverOptions): Promise<void>;
  startTotpEnrollment(): Promise<TotpEnrollment>;
  finishTotpEnrollment(enrollmentId: string, code: string): Promise<void>;
  recoveryStatus(signal?: AbortSignal): Promise<RecoveryRoutes>;
  turnOffRecoveryRoute(route: RecoveryRouteName, signal?: AbortSignal): Promise<void>;
  auditLog(before?: number, signal?: AbortSignal): Promise<AuditPage>;
  /** Shown on this device without PIN (dispatches `QUICK_VIEW_CHANGED`): marking needs the vault unlocked. */
  setShownWithoutPin(id: string, on: boolean): Promise<void>;
  isShownWithoutPin(id: string): Promise<boolean>;
  shownWithoutPinCount(): Promise<number>;
  /** The lock screen's read-only items: no prompt, works while locked. */
  quickViewItems(): Promise<QuickViewItem[]>;
  hideAllShownWithoutPin(): Promise<void>;
}

/** Fails to compile when the real controller stops fitting the interface the screens use. */
export type ControllerFitsContract = Assert<VaultController extends VaultControllerLike ? true : false>;
type Assert<T extends true> = T;

/** One member of the state union, e.g. `StateOf<'locked'>`. */
export type StateOf<K extends VaultState['kind']> = Extract<VaultState, { kind: K }>;

/**
 * A failure as the UI sees it: the controller's stable code, or `unexpected` for anything else
 * (whose message is never shown: it may carry internals).
 */
export interface UiFailure {
  readonly code: ControllerFailureCode | 'unexpected';
  /** Epoch ms before which a PIN attempt is refused (`throttled`, sometimes `wrong_pin`). */
  readonly retryAt?: number;
  /** PIN recovery guesses left (`recovery_pin_wrong`). */
  readonly guessesLeft?: number;
}

const FAILURE_CODES: ReadonlySet<string> = new Set<ControllerFailureCode>([
  'wrong_pin',
  'throttled',
  'pin_rejected',
  'pin_mismatch',
  'username_taken',
  'username_invalid',
  'passkey_cancelled',
  'passkey_failed',
  'prf_unavailable',
  'offline',
  'server_error',
  'not_found',
  'locked',
  'record_invalid',
  'recovery_pin_wrong',
  'recovery_pin_locked',
  'recovery_unavailable',
  'totp_invalid',
  'totp_locked',
]);

/** Reads a thrown `VaultFailure` (an Error with `code` and optional `retryAt`) by its shape. */
export function toUiFailure(error: unknown): UiFailure {
  if (typeof error !== 'object' || error === null) return { code: 'unexpected' };
  const { code, retryAt, guessesLeft } = error as { code?: unknown; retryAt?: unknown; guessesLeft?: unknown };
  if (typeof code !== 'string' || !FAILURE_CODES.has(code)) return { code: 'unexpected' };
  const known = code as ControllerFailureCode;
  return {
    code: known,
    ...(typeof retryAt === 'number' ? { retryAt } : {}),
    ...(typeof guessesLeft === 'number' ? { guessesLeft } : {}),
  };
}

/** True for the platform's AbortError, which a cancelled call rejects with. */
export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof DOMException && error.name === 'AbortError');
}
