import { VaultError, type VaultErrorCode } from 'keyhold-sdk';

/**
 * Field notes' words for what the SDK throws, keyed by the error's stable `code` (the SDK's
 * messages are for developers). Never shows an error's message or cause.
 */
const WORDS: Partial<Record<VaultErrorCode, string>> = {
  wrong_pin: 'That PIN is not right.',
  pin_mismatch: 'The two PINs are not the same.',
  pin_rejected: 'Choose a harder PIN: at least 6 digits that are not a simple pattern.',
  prf_unavailable: 'This passkey cannot open your vault. Use your Keyhold PIN or your authenticator app below.',
  recovery_pin_wrong: 'That is not your Keyhold PIN.',
  recovery_pin_locked: 'Too many wrong PINs: PIN sign-in is locked for this account.',
  recovery_unavailable: 'This way in is not turned on for this account.',
  totp_invalid: 'That code is not right, or it was used already: wait for the next one.',
  totp_locked: 'Too many wrong codes: try again later.',
  offline: 'You are offline. Signing in needs the network once.',
  server_busy: 'The Keyhold server is busy right now: nothing was changed. Try again in a moment.',
  throttled: 'Too many wrong PINs: wait a moment before the next try.',
  passkey_cancelled: 'The passkey prompt was closed. Try again when you are ready.',
  passkey_failed: 'The passkey did not sign in. Check the username and try again.',
  device_revoked: 'This device was removed from your account.',
  record_invalid: 'This note cannot be saved: check its title and location.',
  app_mismatch: 'Your account lists this device for another app: sign in again from a fresh start of Field notes.',
  credential_unbound:
    'Your Keyhold account’s signed history does not list this way in, so the server refused it. If you set it up in Keyhold just now and Keyhold was closed or offline right after, set it up there again; otherwise use another way in.',
  account_log_invalid: 'The Keyhold server’s record of your account failed its check, so it refuses every sign-in for now. Tell whoever runs your Keyhold server.',
};

/**
 * The Keyhold PIN route's own words where the general ones would send the person the wrong way:
 * PIN recovery the account log does not name (registered by a Keyhold of before registrations
 * carried their entry, closed or offline just after) is finished by Keyhold's next online PIN
 * unlock on that device.
 */
const PIN_ROUTE_WORDS: Partial<Record<VaultErrorCode, string>> = {
  credential_unbound:
    'PIN sign-in is not finished for your Keyhold account: its signed history does not list it yet. Unlock Keyhold with your PIN on the device where you use it, while online, then try again here.',
};

/** What to tell the person about `error`; `route` is the way in that failed, when it has words of its own. */
export function failureMessage(error: unknown, route?: 'pin'): string {
  if (error instanceof VaultError) return (route === 'pin' ? PIN_ROUTE_WORDS[error.code] : undefined) ?? WORDS[error.code] ?? 'That did not work. Please try again.';
  return 'Something went wrong. Please try again.';
}
