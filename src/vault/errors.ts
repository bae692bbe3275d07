/**
 * The vault SDK's one error family. Everything the SDK throws on purpose is a `VaultError` (besides
 * the platform's AbortError when a caller's signal aborts): branch on `code`, which comes from one
 * exhaustive union, never on `message`. Messages are for developers and never contain a PIN, a key,
 * a PRF output or a record value; user-facing wording belongs to the app (src/ui/failure-messages.ts
 * is Keyhold's, keyed by `VaultErrorCode` so the compiler sees a code without words).
 *
 * Layer subclasses narrow `code` where a caller wants to know which layer failed:
 * `VaultCryptoError` (the key hierarchy and the Argon2 bridge) and `KeyServerError` (the HTTP
 * client, carrying the server's own code as `serverCode`).
 *
 * This module is a leaf: it imports nothing of the vault, so every layer may import it.
 */
import type { ErrorCode, ErrorDetails } from '../../protocol/errors';

/** What a failure means to the person using the app; every SDK entry point throws one of these. */
export type VaultFailureCode =
  /** The PIN did not open this device's vault. */
  | 'wrong_pin'
  /** A wait after wrong PINs is running (`retryAt`). */
  | 'throttled'
  /** A new PIN that the PIN policy refuses (too common or too short). */
  | 'pin_rejected'
  /** The two entries of a new PIN differ. */
  | 'pin_mismatch'
  | 'username_taken'
  | 'username_invalid'
  /** The passkey prompt was dismissed or timed out. */
  | 'passkey_cancelled'
  /** The passkey ceremony failed (no screen lock, refused by the server, …). */
  | 'passkey_failed'
  /** This passkey cannot open the vault (no PRF, or no wrap for it). */
  | 'prf_unavailable'
  /** The server asked for a passkey sign-in made just now, and the one made was not accepted as such. */
  | 'reauth_required'
  /** Removing the account's only passkey: add another first. */
  | 'last_passkey'
  /** Removing this device from its own list: lock everywhere or sign out instead. */
  | 'current_device'
  /** A device or passkey name that is empty, too long, or holds control characters. */
  | 'name_invalid'
  /** The key server did not answer: a situation, not an error (the vault works offline). */
  | 'offline'
  /** The session cannot do this (e.g. a device session): a passkey sign-in is needed first (`vault.account.signInWithPasskey`). */
  | 'forbidden_scope'
  /** The key server answered with a failure the SDK has no better word for. */
  | 'server_error'
  | 'not_found'
  /** A call that needs the vault open while it is locked, or one the vault locked under. */
  | 'locked'
  /** A record that breaks the limits (title required, field lengths). */
  | 'record_invalid'
  /** An import file that is not UTF-8, not JSON or CSV, or whose columns are not those of a known export (the message says which). */
  | 'import_unreadable'
  /** An import file of a kind Keyhold does not read (an encrypted Bitwarden export, a 1PUX archive): the message says what to export instead. */
  | 'import_unsupported'
  /** An import file over IMPORT_MAX_BYTES, or with more items than an account may hold. */
  | 'import_too_large'
  /** A Keyhold backup file was chosen without its passphrase. */
  | 'backup_passphrase_needed'
  /** The passphrase does not open the Keyhold backup file, or the file was altered. */
  | 'backup_passphrase_wrong'
  /** An import preview that this vault session did not make (made before a lock, or by another vault). */
  | 'import_stale'
  /** Importing would take the vault over RECORDS_MAX_PER_USER live records. */
  | 'record_quota'
  /** A backup passphrase shorter than BACKUP_PASSPHRASE_MIN_CHARS. */
  | 'passphrase_weak'
  /** PIN recovery: the PIN (or username) did not match; carries `guessesLeft`. */
  | 'recovery_pin_wrong'
  /** PIN recovery's allowance is spent: another route and a new PIN are needed. */
  | 'recovery_pin_locked'
  /** The account has no key bundle backup to recover into. */
  | 'recovery_unavailable'
  /** An authenticator-app code that is wrong or already used. */
  | 'totp_invalid'
  /** Too many wrong authenticator-app codes: wait (or sign in with a passkey). */
  | 'totp_locked'
  /** The vault was unlocked too long ago for this call: confirm with `vault.reprompt` first. */
  | 'reprompt_required'
  /** This device was removed from the account: it may not change the account any more. */
  | 'device_revoked'
  /** The account's keys or recovery routes changed elsewhere (another device or tab) while a call ran; nothing was changed. */
  | 'account_changed'
  /** The server handed out an older key bundle than this device has stored or seen (a rollback); nothing was changed. */
  | 'rolled_back'
  /** Recovery kit: the words typed back for the check positions are not the kit's. */
  | 'kit_mismatch'
  /** Recovery kit: not 12 words of the list, or their checksum fails (`wordPosition`: the first word not in the list, 1-based). */
  | 'kit_unreadable'
  /** Recovery kit: the server refused the code (wrong code, username or no kit), or the code does not open the kit's wrap. */
  | 'kit_invalid'
  /** Recovery kit: this device holds no kit wrap to reset the PIN with offline (recover online instead). */
  | 'no_kit_here'
  /** Approval from another device: the request expired (10 minutes) before it was approved; ask again. */
  | 'approval_expired'
  /** Approval from another device: a device of the account refused the request. */
  | 'approval_denied'
  /** Approval from another device: too many requests to join this account are waiting, or too many were made just now. */
  | 'approval_limited'
  /** Deleting the account: the typed username is not this account's. Nothing was deleted. */
  | 'username_mismatch'
  /** The account is erased on the server, but some of this device's data could not be wiped (the message names what): retry `vault.account.eraseThisDevice()`. */
  | 'wipe_incomplete'
  /** The key server refused a passkey, device or recovery route that the account's signed log does not hold (docs/architecture.md "Signed account log"). */
  | 'credential_unbound'
  /** The key server's sealed record of the account log failed its check: it refuses every sign-in and recovery of the account until its operator repairs it. */
  | 'account_log_invalid'
  /** This device cannot sign the change into the account log: the log the server shows does not verify here, or this device holds no identity key for it (`vault.accountLog.status` says which). Where the server already made the change, it refuses to act on it until it is signed. */
  | 'account_log_unverified'
  /** The key server took this request for another app than the one this device's key was signed into the account log for (`device.add`). */
  | 'app_mismatch';

/** Failures of the key hierarchy and the Argon2 bridge (crypto/, platform/argon2-client.ts). */
export type VaultCryptoErrorCode =
  /** An AES-GCM or RSA-OAEP open failed: wrong key, wrong context, or any tampered byte. */
  | 'decrypt_failed'
  /** The PIN did not open the local wrap of the root secret. */
  | 'wrong_pin'
  /** The PRF output did not open the wrap of that credential, or the record has no such wrap. */
  | 'prf_unlock_failed'
  /** Argon2 parameters below the enforced minimums (downgrade protection). */
  | 'kdf_too_weak'
  /** Argon2 parameters that are not integers, above the ceilings, or of another tag length. */
  | 'kdf_params_invalid'
  /** The injected Argon2 function returned something other than a 32-byte tag. */
  | 'kdf_failed'
  /** A new PIN that the PIN policy refuses (the UI checks first; this is the backstop). */
  | 'pin_rejected'
  /** An AAD context with an empty or ill-formed field. */
  | 'invalid_context'
  /** A stored or received blob, record or key input that is not in the expected format. */
  | 'malformed_blob'
  /** An authenticated plaintext that is not the JSON shape its kind requires. */
  | 'malformed_plaintext'
  /** libargon2 refused the parameters or ran out of memory. */
  | 'argon2_failed'
  /** The Argon2 worker failed to load or died while hashing. */
  | 'argon2_worker_failed';

/** Every code a `VaultError` can carry. */
export type VaultErrorCode = VaultFailureCode | VaultCryptoErrorCode;

export interface VaultErrorOptions extends ErrorOptions {
  /** Epoch ms before which no PIN attempt is accepted (`throttled`, and `wrong_pin` once a wait starts). */
  readonly retryAt?: number | null;
  /** PIN recovery guesses left on the server (`recovery_pin_wrong`). */
  readonly guessesLeft?: number;
  /** The first recovery-kit word that is not in the word list, 1-based (`kit_unreadable`); never the word itself. */
  readonly wordPosition?: number;
}

export class VaultError extends Error {
  override readonly name: string = 'VaultError';
  readonly code: VaultErrorCode;
  readonly retryAt?: number;
  readonly guessesLeft?: number;
  readonly wordPosition?: number;

  constructor(code: VaultErrorCode, message = `Vault error: ${code}`, options: VaultErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (typeof options.retryAt === 'number') this.retryAt = options.retryAt;
    if (typeof options.guessesLeft === 'number') this.guessesLeft = options.guessesLeft;
    if (typeof options.wordPosition === 'number') this.wordPosition = options.wordPosition;
  }
}

/** A failure of the key hierarchy or the Argon2 bridge; messages never name a secret or which part of a ciphertext failed. */
export class VaultCryptoError extends VaultError {
  override readonly name = 'VaultCryptoError';
  declare readonly code: VaultCryptoErrorCode;

  constructor(code: VaultCryptoErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** What the server's failure body carried besides its code (protocol/errors.ts `ErrorBody`). */
export type KeyServerErrorDetails = ErrorDetails;

/**
 * A failure the key server reported, with its stable wire code in `serverCode`, or `network` when
 * no answer came back at all. As a `VaultError` it reads `offline` (no answer) or `server_error`;
 * entry points that know better map it with `failureFromServer`.
 */
export class KeyServerError extends VaultError {
  override readonly name = 'KeyServerError';
  declare readonly code: 'offline' | 'server_error';

  constructor(
    readonly serverCode: ErrorCode | 'network' | 'bad_response',
    readonly status: number,
    message: string,
    readonly details: KeyServerErrorDetails = {},
  ) {
    super(serverCode === 'network' ? 'offline' : 'server_error', message);
  }
}

/** Rethrows the abort reason when `signal` aborted (or the error is an AbortError); returns otherwise. */
export function rethrowIfAborted(error: unknown, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
  if (error instanceof DOMException && error.name === 'AbortError') throw error;
}

/**
 * Turns a key server failure into the code the app explains. `network` is `offline`: the vault
 * works without its server, so that is a situation, not an error. The server's own message is not
 * passed on: a client never shows a raw message.
 */
export function failureFromServer(error: unknown, signal?: AbortSignal, overrides: Partial<Record<string, VaultFailureCode>> = {}): unknown {
  rethrowIfAborted(error, signal);
  if (!(error instanceof KeyServerError)) return error;
  const mapped = overrides[error.serverCode];
  if (mapped) return new VaultError(mapped, undefined, { cause: error });
  switch (error.serverCode) {
    case 'network':
      return new VaultError('offline', undefined, { cause: error });
    case 'username_taken':
      return new VaultError('username_taken', undefined, { cause: error });
    case 'pin_recovery_failed':
      return new VaultError('recovery_pin_wrong', undefined, { cause: error, ...(error.details.guessesLeft === undefined ? {} : { guessesLeft: error.details.guessesLeft }) });
    case 'totp_invalid':
    case 'totp_replayed':
      return new VaultError('totp_invalid', undefined, { cause: error });
    case 'totp_throttled':
    case 'totp_locked':
      return new VaultError('totp_locked', undefined, { cause: error });
    case 'pin_recovery_locked':
      return new VaultError('recovery_pin_locked', undefined, { cause: error });
    case 'kit_invalid':
      return new VaultError('kit_invalid', undefined, { cause: error });
    case 'forbidden_scope':
      return new VaultError('forbidden_scope', undefined, { cause: error });
    case 'approval_expired':
      return new VaultError('approval_expired', undefined, { cause: error });
    case 'credential_unbound':
    case 'account_log_invalid':
    case 'app_mismatch':
      return new VaultError(error.serverCode, undefined, { cause: error });
    case 'webauthn_failed':
    case 'challenge_invalid':
    case 'challenge_expired':
    case 'signin_failed':
    case 'counter_regression':
      return new VaultError('passkey_failed', undefined, { cause: error });
    default:
      return new VaultError('server_error', undefined, { cause: error });
  }
}
