/**
 * The Keyhold vault SDK: everything an app of the ecosystem needs to keep a user's secrets
 * encrypted on the device and backed up to the key server as ciphertext only. Apps import from
 * here and nowhere else in src/vault/ (a lint rule holds Keyhold's own UI to that).
 *
 * Start with `new Vault(deps)` (vault.ts), call `start()`, render `vault.state` and listen for the
 * events below. docs/sdk.md shows a whole integration; docs/architecture.md the key hierarchy.
 *
 * One other module is public: pin-policy.ts (`checkPin`), an entry of its own so that its
 * blocklists load only with the screens that choose a PIN.
 */

// ——— The vault and what it is built from ———
export { Vault } from './vault';
export type { VaultDeps } from './deps';
export { Argon2Client, type Argon2ClientOptions } from './platform/argon2-client';
export { KeyServer } from './platform/key-server';
export { LocalStore } from './platform/local-store';
export { createBrowserPasskeys, type PasskeyPort } from './platform/passkeys';
export type { PersistentStorage } from './platform/device-environment';
export type { Argon2Params, DeriveArgon2 } from './crypto';

// ——— State and events ———
export {
  ACCOUNT_LOG_CHANGED,
  APPROVALS_CHANGED,
  QUICK_VIEW_CHANGED,
  RECORDS_CHANGED,
  STATE_CHANGED,
  SYNC_CHANGED,
  type DeriveProgress,
  type LockReason,
  type LoginContent,
  type NoteContent,
  type NoteLocation,
  type QuickViewItem,
  type RecordContent,
  type RecordKind,
  type RecordSummary,
  type RecoverOptions,
  type StateOf,
  type StoragePersistence,
  type UnlockThrottle,
  type VaultSettings,
  type VaultState,
  type AccountDeleted,
  type ApprovalRecoverOptions,
} from './state';

// ——— The vault's parts (reached as vault.onboarding, vault.account, …) ———
export type { VaultOnboarding } from './account/vault-onboarding';
export type { VaultAccount } from './account/vault-account';
export type { VaultDevices } from './account/vault-devices';
export type { DeviceInfo } from './account/manage-devices';
export type { VaultPasskeys } from './account/vault-passkeys';
export type { PasskeyInfo } from './account/manage-passkeys';
export type { AuditPage, RecoveryRouteName, RecoveryRoutes } from './account/recovery-settings';
export type { TotpEnrollment } from './account/totp-enrollment';
export type { LockEverywhereReport } from './account/lock-everywhere';
export type { DeleteAccountStep } from './account/delete-account';
export type { VaultRecovery } from './recovery/vault-recovery';
export type { ApprovalRequest, VaultApprovals } from './account/vault-approvals';
export type { VaultAccountLog } from './account-log/vault-account-log';
export type {
  AccountLogStatus,
  AccountLogWarning,
  LogMigrationChoice,
  LogMigrationItem,
  LogMigrationPlan,
} from './account-log/account-log-types';
export type { PendingRecoveryKit, VaultRecoveryKit } from './account/vault-recovery-kit';
export { generatePassword, type ConflictChoice, type VaultRecords } from './records/vault-records';
export type { VaultQuickView } from './quick-view/vault-quick-view';
export type { VaultSync } from './sync/sync-gate';
export type { SyncFailureCode, SyncPhase, SyncStatus } from './sync/sync-engine';
export type { DeviceSettings } from './device-settings';
export type { VaultReprompt } from './unlock/reprompt';
export type { ExportFile, ImportPreview, ImportPreviewItem, ImportResult, ImportSource, VaultTransfer } from './transfer/vault-transfer';
export type { ImportFormat, ImportSkip } from './transfer/import-formats';

// ——— Errors ———
export { KeyServerError, VaultCryptoError, VaultError, type VaultCryptoErrorCode, type VaultErrorCode, type VaultFailureCode } from './errors';

// ——— Helpers an app's screens use ———
export type { PasswordOptions } from './records/password-generator';
export { fetchServerHealth, type ServerHealth } from './platform/server-health';
/** The service worker's message after it replayed record writes: answer it with `vault.sync.now()`. */
export { RECORDS_REPLAYED_MESSAGE } from './sync/background-messages';
