/**
 * The values an app renders: the vault's state, records as the SDK hands them out, and the events
 * the vault dispatches. An app never touches keys, IndexedDB or the key server itself; decrypted
 * values leave the SDK only as the return values of `vault.records.read` / `list` (and the quick
 * view's items), and an app drops them when the vault locks.
 */

export type RecordKind = 'login' | 'note';

export interface LoginContent {
  kind: 'login';
  title: string;
  username: string;
  password: string;
  url: string;
  notes: string;
  /** Set on a conflict copy: the id of the record whose concurrent edit this one lost to. */
  conflictOf?: string;
}

/** Where a note was written (WGS 84 degrees, as the Geolocation API gives them); `accuracyMeters` ≥ 0 when known. */
export interface NoteLocation {
  latitude: number;
  longitude: number;
  accuracyMeters?: number;
}

export interface NoteContent {
  kind: 'note';
  title: string;
  body: string;
  /** Where it was written, when the app that wrote it knew (Field notes); encrypted with the rest. */
  location?: NoteLocation;
  conflictOf?: string;
}

export type RecordContent = LoginContent | NoteContent;

/** What the list shows: decrypted title and kind, and whether the change reached the server. */
export interface RecordSummary {
  id: string;
  kind: RecordKind;
  title: string;
  /** For logins, the username or URL host, to tell records apart; '' for notes. */
  subtitle: string;
  updatedAt: number;
  /** False until the sync engine has sent the change. */
  synced: boolean;
  /** A conflict copy: the id of the record it conflicts with (which may since be deleted); null otherwise. */
  conflictOf: string | null;
}

/**
 * A record shown on this device without the PIN (quick-view.ts): a read-only copy the lock screen
 * opens with no prompt. Never editable there; `content` is plaintext, so never log it.
 */
export interface QuickViewItem {
  readonly id: string;
  readonly kind: RecordKind;
  readonly title: string;
  /** As in RecordSummary: the login's username or URL host; '' for notes. */
  readonly subtitle: string;
  readonly content: RecordContent;
  /** Epoch ms at which the copy was made from the record (an unlocked moment). */
  readonly asOf: number;
  /** The record changed (synced in while locked) since the copy was made: the next unlock refreshes it. */
  readonly outdated: boolean;
}

/** Progress of a key derivation (Argon2id in the worker), for the PIN screen. */
export type DeriveProgress = (phase: 'deriving' | 'unwrapping' | 'done') => void;

export interface UnlockThrottle {
  /** Consecutive wrong PINs on this device (survives reloads). */
  failures: number;
  /** Epoch ms before which no PIN attempt is accepted; null when there is no wait. */
  retryAt: number | null;
}

export type StoragePersistence = 'granted' | 'not-granted' | 'unsupported';

export interface VaultSettings {
  /** Lock after this long without interaction (default 5 min). */
  idleLockMinutes: number;
  /** Lock after the page has been hidden this long (default 30 s). */
  hiddenGraceSeconds: number;
  /** Ask for the PIN (or a PRF passkey) again before revealing a secret once the last unlock or confirmation is this old (default 5 min). */
  repromptMinutes: number;
}

/**
 * On the welcome screen after this page deleted the account (`vault.account.deleteAccount`): what
 * of this device's data could not be wiped (empty when everything went). Names of databases and
 * stores only, never a value; `vault.account.eraseThisDevice()` tries again.
 */
export interface AccountDeleted {
  readonly leftovers: readonly string[];
}

export type VaultState =
  | { kind: 'loading' }
  /** No vault on this device: onboarding, or recovery of an existing vault (recoverWithPin). */
  | { kind: 'welcome'; online: boolean; accountDeleted?: AccountDeleted }
  /** Account and passkey created; the user now chooses a PIN (entered twice). */
  | { kind: 'choose-pin'; username: string; prfAvailable: boolean }
  | { kind: 'locked'; username: string; prfUnlock: boolean; throttle: UnlockThrottle; lockedBecause: LockReason | null }
  | { kind: 'unlocked'; username: string; userId: string; prfUnlock: boolean };

/** Options of a recovery on a new device. */
export interface RecoverOptions {
  /** This device's PIN when it should differ from the recovery PIN (entered twice, checked by the caller's form). */
  readonly newPin?: string;
  readonly onProgress?: DeriveProgress;
  readonly signal?: AbortSignal;
}

/** Options of `vault.recovery.withApproval`. */
export interface ApprovalRecoverOptions extends RecoverOptions {
  /** Called once the request is made, with the 5 words to show while waiting (the other device shows the same). */
  readonly onPhrase?: (phrase: string[]) => void;
}

export type LockReason = 'button' | 'idle' | 'hidden' | 'pin-changed';

/** Events the vault dispatches (plain `Event`s; read `vault.state` / `vault.sync.status` after them). */
export const STATE_CHANGED = 'state-changed';
export const RECORDS_CHANGED = 'records-changed';
/** The items shown without the PIN, or which records are marked, changed: reload `vault.quickView.items()`. */
export const QUICK_VIEW_CHANGED = 'quick-view-changed';
/** The sync status changed: read `vault.sync.status`. */
export const SYNC_CHANGED = 'sync-changed';
/** A new device asked to join, or a request was answered or expired: read `vault.approvals.requests`. */
export const APPROVALS_CHANGED = 'approvals-changed';
/** The account log's status or warnings changed: read `vault.accountLog.status`. */
export const ACCOUNT_LOG_CHANGED = 'account-log-changed';

/** One member of the state union, e.g. `StateOf<'locked'>`. */
export type StateOf<K extends VaultState['kind']> = Extract<VaultState, { kind: K }>;
