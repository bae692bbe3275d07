import type { SyncFailureCode } from '../vault/sync/sync-engine';
import type { UiFailure } from './vault-controller-like';

type FailureCode = UiFailure['code'];

/**
 * What each failure means to the person holding the phone. Screens pass overrides where the same
 * code reads differently (a wrong *current* PIN in settings). Never an exception's own message.
 */
const MESSAGES: Record<FailureCode, string> = {
  wrong_pin: 'Wrong PIN.',
  throttled: 'Too many wrong PINs. Wait for the countdown, then try again.',
  pin_rejected: 'This PIN is too easy to guess. Choose another.',
  pin_mismatch: 'The two entries do not match.',
  username_taken: 'That username is taken. Choose another one.',
  username_invalid: 'Use 3 to 32 characters: lowercase letters, digits, dot, underscore or hyphen.',
  passkey_cancelled: 'No passkey was made: the request was cancelled or timed out. Try again when you are ready.',
  passkey_failed: 'This device could not use a passkey. Check that screen lock is on, then try again.',
  prf_unavailable: 'This passkey cannot open the vault on this device. Use your PIN.',
  offline: 'Keyhold cannot reach its server. Check your connection and try again.',
  server_error: 'The server had a problem. Try again in a moment.',
  not_found: 'This item no longer exists.',
  locked: 'The vault locked before this was done. Unlock it and try again.',
  record_invalid: 'This item cannot be saved as it is: check the fields and try again.',
  recovery_pin_wrong: 'Wrong username or PIN.',
  recovery_pin_locked: 'PIN recovery is locked after too many wrong PINs. Use your authenticator app or a passkey instead.',
  recovery_unavailable: 'This account has no backup on the server to recover.',
  totp_invalid: 'That code is not valid, or was used already. Wait for the next code and try again.',
  totp_locked: 'Too many wrong codes. Wait a while before trying again.',
  unexpected: 'Something went wrong on this device. Try again.',
};

export function describeFailure(failure: UiFailure, overrides: Partial<Record<FailureCode, string>> = {}): string {
  return overrides[failure.code] ?? MESSAGES[failure.code];
}

/**
 * Why sync stopped (sync/sync-engine.ts), said as what happened to the person's items and what
 * they can do: nothing is lost in any of these, and the line has to say so.
 */
const SYNC_MESSAGES: Record<SyncFailureCode, string> = {
  record_too_large: 'One item is too large for the server; it stays on this device only. Shorten it to sync it.',
  record_quota_exceeded: 'Your account holds as many items as the server allows; new items stay on this device only. Delete some you no longer need to sync again.',
  device_revoked: 'This device was removed from your account, so it no longer syncs. Everything on it stays here, and your PIN still opens it.',
  server_error: 'Sync stopped: the server had a problem. Your changes are safe on this device; Keyhold will try again.',
  storage_failed: 'Sync stopped: this device’s storage did not answer. Reload Keyhold; your saved changes are kept.',
};

export function describeSyncFailure(code: SyncFailureCode): string {
  return SYNC_MESSAGES[code];
}
