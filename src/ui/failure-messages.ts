/**
 * All the words Keyhold shows for a failure, in one place. The keys are checked by the compiler
 * against the SDK's code union (`VaultErrorCode`), so a new code cannot ship without its wording;
 * an exception's own message is never shown (it may carry internals).
 */
import type { SyncFailureCode } from '../vault';
import type { UiFailure } from './ui-failure';

export { isAbort, toUiFailure, type UiFailure } from './ui-failure';


type FailureCode = UiFailure['code'];

/**
 * What each failure means to the person holding the phone. Screens pass overrides where the same
 * code reads differently (a wrong *current* PIN in settings).
 */
const NO_PRF = 'This passkey cannot open the vault on this device. Use your PIN.';
/** Said for anything this device did not expect, including the key hierarchy's own failures: none is the user's doing. */
const UNEXPECTED = 'Something went wrong on this device. Try again.';

const MESSAGES: Record<FailureCode, string> = {
  wrong_pin: 'Wrong PIN.',
  throttled: 'Too many wrong PINs. Wait for the countdown, then try again.',
  pin_rejected: 'This PIN is too easy to guess. Choose another.',
  pin_mismatch: 'The two entries do not match.',
  username_taken: 'That username is taken. Choose another one.',
  username_invalid: 'Use 3 to 32 characters: lowercase letters, digits, dot, underscore or hyphen.',
  passkey_cancelled: 'No passkey was made: the request was cancelled or timed out. Try again when you are ready.',
  passkey_failed: 'This device could not use a passkey. Check that screen lock is on, then try again.',
  prf_unavailable: NO_PRF,
  reauth_required: 'This needs a passkey sign-in made just now. Try again and use your passkey when asked.',
  last_passkey: 'This is your only passkey. Add another one before removing it.',
  current_device: 'This is the device you are using. To remove it, use “Lock everywhere” from another device, or remove it from there.',
  name_invalid: 'Use 1 to 64 characters, without line breaks or tabs.',
  offline: 'Keyhold cannot reach its server. Check your connection and try again.',
  server_error: 'The server had a problem. Try again in a moment.',
  server_busy: 'The server is busy right now, so nothing was changed. Try again in a moment.',
  forbidden_scope: 'This needs a sign-in with your passkey first.',
  not_found: 'This item no longer exists.',
  locked: 'The vault locked before this was done. Unlock it and try again.',
  record_invalid: 'This item cannot be saved as it is: check the fields and try again.',
  import_unreadable: 'Keyhold cannot read this file. Choose an export file from your password manager, as it saved it.',
  import_unsupported: 'Keyhold cannot import this kind of file. Export again as an unencrypted JSON or CSV file.',
  import_too_large: 'This file is too large to import. Split it into smaller files and import them one at a time.',
  backup_passphrase_needed: 'Enter the passphrase you chose when you made this backup.',
  backup_passphrase_wrong: 'This passphrase does not open the backup, or the file was changed since it was made.',
  import_stale: 'The vault locked or changed since this preview. Choose the file again.',
  record_quota: 'Your vault cannot hold this many items. Remove some items or import fewer.',
  passphrase_weak: 'Use a passphrase of at least 12 characters.',
  recovery_pin_wrong: 'Wrong username or PIN.',
  recovery_pin_locked: 'PIN recovery is locked after too many wrong PINs. Use your authenticator app, a passkey or your recovery kit instead.',
  recovery_unavailable: 'This account has no backup on the server to recover.',
  totp_invalid: 'That code is not valid, or was used already. Wait for the next code and try again.',
  totp_locked: 'Too many wrong codes. Wait a while before trying again.',
  reprompt_required: 'Confirm with your PIN first, then try again.',
  device_revoked: 'This device was removed from your account. Its vault still opens here with your PIN.',
  account_changed: 'Your account changed elsewhere meanwhile, so nothing was changed. Reload and try again.',
  rolled_back:
    'The server sent an older copy of your account’s keys than this device already has, so nothing was changed. This device keeps its own. Tell whoever runs your Keyhold server.',
  kit_mismatch: 'Those words do not match your recovery kit. Check the numbered words on your kit and type them again.',
  kit_unreadable: 'That is not a recovery code: it has 12 words from the kit’s word list. Check each word against your kit.',
  kit_invalid: 'That recovery kit does not open this account. Check the username and the 12 words, or use a newer kit if you made one.',
  approval_expired: 'The request to join expired before it was approved. Ask again, and approve it on your other device within 10 minutes.',
  approval_denied: 'Your other device refused this request. If that was not you, nothing was shared: ask again and approve it there.',
  approval_limited: 'Too many requests to join this account are waiting. Answer them on your other device, or wait 10 minutes and ask again.',
  no_kit_here: 'This device holds no recovery kit. Use “I already have a vault” with your kit on the welcome screen instead.',
  username_mismatch: 'That is not this account’s username, so nothing was deleted. Type it exactly as shown.',
  wipe_incomplete: 'Your account is deleted from the server, but some of its data is still on this device. Close Keyhold’s other tabs, then erase this device’s data again.',
  credential_unbound:
    'Your account’s signed history does not list this way in (a passkey, device, recovery kit, authenticator app or PIN recovery), so the server refused it. A way in is listed once the device that set it up has signed it; if Keyhold was closed or offline just then, set it up again there. If you did not set it up, tell whoever runs your Keyhold server.',
  account_log_invalid: 'The server’s record of your account failed its integrity check, so it refuses every sign-in for now. Tell whoever runs your Keyhold server.',
  account_log_unverified:
    'This change could not be signed into your account’s history on this device, so the server will not use it yet. Open Settings → Devices & passkeys to see why.',
  app_mismatch:
    'The server took this device for another app than the one it joined as, so it refused it. Reload and try again; if it happens again, tell whoever runs your Keyhold server.',
  // The key hierarchy's own failures: rare, and none of them is the user's doing.
  decrypt_failed: UNEXPECTED,
  malformed_blob: UNEXPECTED,
  malformed_plaintext: UNEXPECTED,
  invalid_context: UNEXPECTED,
  prf_unlock_failed: NO_PRF,
  kdf_too_weak: UNEXPECTED,
  kdf_params_invalid: UNEXPECTED,
  kdf_failed: UNEXPECTED,
  argon2_failed: UNEXPECTED,
  argon2_worker_failed: UNEXPECTED,
  unexpected: UNEXPECTED,
};

export function describeFailure(failure: UiFailure, overrides: Partial<Record<FailureCode, string>> = {}): string {
  return overrides[failure.code] ?? MESSAGES[failure.code];
}

/**
 * Why sync stopped (the SDK's `SyncFailureCode`), said as what happened to the person's items and
 * what they can do: nothing is lost in any of these, and the line has to say so.
 */
const SYNC_MESSAGES: Record<SyncFailureCode, string> = {
  record_too_large: 'One item is too large for the server; it stays on this device only. Shorten it to sync it.',
  record_quota_exceeded: 'Your account holds as many items as the server allows; new items stay on this device only. Delete some you no longer need to sync again.',
  device_revoked: 'This device was removed from your account, so it no longer syncs. Everything on it stays here, and your PIN still opens it.',
  server_error: 'Sync stopped: the server had a problem. Your changes are safe on this device; Keyhold will try again.',
  server_busy: 'The server is busy, so sync is paused. Your changes are safe on this device; Keyhold will try again shortly.',
  storage_failed: 'Sync stopped: this device’s storage did not answer. Reload Keyhold; your saved changes are kept.',
};

export function describeSyncFailure(code: SyncFailureCode): string {
  return SYNC_MESSAGES[code];
}
