/**
 * The one error the vault controller throws on purpose (besides the platform's AbortError when a
 * caller's signal aborts). `code` is stable and the UI branches on it; `message` is written for
 * the user and never contains a PIN, a key, a PRF output or a record value.
 */
import type { VaultFailureCode } from './state';
import { KeyServerError } from './platform/key-server';

/**
 * The contract's codes plus two the UI does not render yet (vault-state.ts's union is exhaustive
 * in the UI's message table, so adding them there needs a UI change at the same time):
 * - `locked`: a record call while the vault is locked, or one the vault locked under;
 * - `record_invalid`: a record that breaks the limits (title required, ≤ 200 / ≤ 10 000 chars).
 * The UI maps codes it does not know to its generic failure.
 */
export type ControllerFailureCode = VaultFailureCode;

const DEFAULT_MESSAGES: Record<ControllerFailureCode, string> = {
  wrong_pin: 'Wrong PIN.',
  throttled: 'Too many wrong PINs. Wait, then try again.',
  pin_rejected: 'This PIN is too easy to guess. Choose another.',
  pin_mismatch: 'The two PINs do not match.',
  username_taken: 'That username is taken.',
  username_invalid: 'Use 3 to 32 characters: lowercase letters, digits, dot, underscore or hyphen.',
  passkey_cancelled: 'The passkey request was cancelled or timed out.',
  passkey_failed: 'The passkey could not be used.',
  prf_unavailable: 'This passkey cannot open the vault on this device.',
  offline: 'Keyhold cannot reach its server.',
  server_error: 'The server had a problem. Try again in a moment.',
  not_found: 'This item does not exist.',
  locked: 'The vault is locked.',
  record_invalid: 'This item cannot be saved as it is.',
  recovery_pin_wrong: 'Wrong username or PIN.',
  recovery_pin_locked: 'PIN recovery is locked after too many wrong PINs.',
  recovery_unavailable: 'This account has no backup to recover.',
  totp_invalid: 'That code is not valid. Wait for the next one and try again.',
  totp_locked: 'Too many wrong codes. Try again later.',
};

export class VaultFailure extends Error {
  override readonly name = 'VaultFailure';
  readonly code: ControllerFailureCode;
  /** Epoch ms before which no PIN attempt is accepted (`throttled`, and `wrong_pin` once a wait starts). */
  readonly retryAt?: number;
  /** PIN recovery guesses left on the server (`recovery_pin_wrong`). */
  readonly guessesLeft?: number;

  constructor(code: ControllerFailureCode, message = DEFAULT_MESSAGES[code], options: ErrorOptions & { retryAt?: number | null; guessesLeft?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (typeof options.retryAt === 'number') this.retryAt = options.retryAt;
    if (typeof options.guessesLeft === 'number') this.guessesLeft = options.guessesLeft;
  }
}

/** Rethrows the abort reason when `signal` aborted (or the error is an AbortError); returns otherwise. */
export function rethrowIfAborted(error: unknown, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
  if (error instanceof DOMException && error.name === 'AbortError') throw error;
}

/**
 * Turns a key server failure into the code the UI explains. `network` is `offline`: Keyhold works
 * without its server, so that is a situation, not an error. The server's own message is not
 * passed on (STYLE habit 2: a client never shows a raw message).
 */
export function failureFromServer(error: unknown, signal?: AbortSignal, overrides: Partial<Record<string, ControllerFailureCode>> = {}): unknown {
  rethrowIfAborted(error, signal);
  if (error instanceof VaultFailure) return error;
  if (!(error instanceof KeyServerError)) return error;
  const mapped = overrides[error.code];
  if (mapped) return new VaultFailure(mapped, undefined, { cause: error });
  switch (error.code) {
    case 'network':
      return new VaultFailure('offline', undefined, { cause: error });
    case 'username_taken':
      return new VaultFailure('username_taken', undefined, { cause: error });
    case 'pin_recovery_failed':
      return new VaultFailure('recovery_pin_wrong', undefined, { cause: error, guessesLeft: error.details.guessesLeft });
    case 'totp_invalid':
    case 'totp_replayed':
      return new VaultFailure('totp_invalid', undefined, { cause: error });
    case 'totp_throttled':
    case 'totp_locked':
      return new VaultFailure('totp_locked', undefined, { cause: error });
    case 'pin_recovery_locked':
      return new VaultFailure('recovery_pin_locked', undefined, { cause: error });
    case 'webauthn_failed':
    case 'challenge_invalid':
    case 'challenge_expired':
    case 'signin_failed':
    case 'counter_regression':
      return new VaultFailure('passkey_failed', undefined, { cause: error });
    default:
      return new VaultFailure('server_error', undefined, { cause: error });
  }
}
