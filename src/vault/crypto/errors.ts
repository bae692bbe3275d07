/**
 * Stable codes of the key hierarchy's errors. Callers and tests branch on `code`; messages are
 * for developers and never name a secret, a key or which part of a ciphertext failed.
 */
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

/** The one error class of the vault SDK's crypto and Argon2 worker bridge (besides the platform's AbortError on a cancelled call). */
export class VaultCryptoError extends Error {
  override readonly name = 'VaultCryptoError';
  readonly code: VaultCryptoErrorCode;

  constructor(code: VaultCryptoErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
