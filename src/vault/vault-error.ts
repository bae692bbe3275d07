/** Stable codes of the vault SDK's errors; callers and tests branch on these, never on messages. */
export type VaultErrorCode =
  /** libargon2 refused the parameters or ran out of memory. */
  | 'argon2_failed'
  /** The Argon2 worker failed to load or died while hashing. */
  | 'argon2_worker_failed';

/** The one error class the vault SDK throws (besides the platform's AbortError on a cancelled call). */
export class VaultError extends Error {
  override readonly name = 'VaultError';
  readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
