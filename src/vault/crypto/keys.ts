/**
 * Keys typed by role: a `VaultKey` cannot be passed where a `Kek` or a
 * `WrappedKey` is expected, although all are a `CryptoKey` or a string at run time. Values of
 * these types are made only by the functions in this folder; the casts live there.
 */
import {
  ARGON2_DEFAULT_ITERATIONS,
  ARGON2_DEFAULT_MEMORY_KIB,
  ARGON2_DEFAULT_PARALLELISM,
  ARGON2_HASH_LENGTH,
  ARGON2_MAX_ITERATIONS,
  ARGON2_MAX_MEMORY_KIB,
  ARGON2_MAX_PARALLELISM,
  ARGON2_MIN_ITERATIONS,
  ARGON2_MIN_MEMORY_KIB,
  ARGON2_MIN_PARALLELISM,
} from '../../../protocol/constants';
import { VaultCryptoError } from '../errors';

declare const role: unique symbol;
/** `T` marked with the role it plays in the key hierarchy (docs/architecture.md). */
export type Branded<T, Role extends string> = T & { readonly [role]: Role };

// ——— Secret key material ———

/** S: 32 random bytes, raw only while being wrapped or turned into `RootKeyMaterial`; wipe after. */
export type RootSecret = Branded<Uint8Array<ArrayBuffer>, 'RootSecret'>;
/** S imported as non-extractable HKDF key material: the only form that outlives a single call. */
export type RootKeyMaterial = Branded<CryptoKey, 'RootKeyMaterial'>;
/** KEK_local / KEK_prf: AES-256-GCM, non-extractable, encrypts and decrypts S only. */
export type Kek = Branded<CryptoKey, 'Kek'>;
/** K_keys: AES-256-GCM, non-extractable, seals the key bundle and the device signing key. */
export type KeysKey = Branded<CryptoKey, 'KeysKey'>;
/** VK: AES-256, usages wrapKey/unwrapKey only (it wraps DEKs, never data). */
export type VaultKey = Branded<CryptoKey, 'VaultKey'>;
/** DEK: AES-256-GCM, one per record version. */
export type Dek = Branded<CryptoKey, 'Dek'>;
/** The user encryption key pair's halves (RSA-OAEP-3072, SHA-256). */
export type UserPublicKey = Branded<CryptoKey, 'UserPublicKey'>;
export type UserPrivateKey = Branded<CryptoKey, 'UserPrivateKey'>;
/** The device's ECDSA P-256 signing key pair (device sign-in, protocol/device-signin.ts). */
export type DeviceSigningPrivateKey = Branded<CryptoKey, 'DeviceSigningPrivateKey'>;
export type DeviceSigningPublicKey = Branded<CryptoKey, 'DeviceSigningPublicKey'>;
/** The account's identity key (Ed25519), private half: signs the account log; non-extractable once opened. */
export type IdentityPrivateKey = Branded<CryptoKey, 'IdentityPrivateKey'>;

// ——— Blobs: compact binary, one base64url string (RFC 4648 §5, no padding) ———
//
//   AES-GCM blob    = 0x01 || IV (12 bytes) || ciphertext || tag (16 bytes)
//   RSA-OAEP blob   = 0x01 || RSA-OAEP-3072-SHA-256 ciphertext (384 bytes)
//
// One string rather than { v, iv, ct } because the key server stores and returns each blob as a
// single base64url field (protocol/api.ts PutKeyBundleRequest, PutWrapPrfRequest) and
// IndexedDB stores strings as is. The leading byte is the blob format version; the AAD context
// (aead.ts) is not stored in the blob: the reader rebuilds it from what it expects to open.

/** A key (S, or a DEK) encrypted with AES-256-GCM under a KEK or VK. */
export type WrappedKey = Branded<string, 'WrappedKey'>;
/** Data (key bundle, device key, record) encrypted with AES-256-GCM. */
export type Ciphertext = Branded<string, 'Ciphertext'>;
/** VK encrypted under a user's RSA-OAEP public key (the seed flow). */
export type RsaWrappedKey = Branded<string, 'RsaWrappedKey'>;

// ——— Argon2id parameters ———

/** Argon2id cost parameters as stored and sent (RFC 9106 §3.1 names); untrusted until parsed. */
export interface Argon2ParamsFields {
  /** m: memory size in KiB. */
  readonly memoryKiB: number;
  /** t: number of passes. */
  readonly iterations: number;
  /** p: lanes. */
  readonly parallelism: number;
  /** T: tag length in bytes. */
  readonly hashLength: number;
}

/** Parameters that passed `parseArgon2Params`: at or above the minimums, within the ceilings. */
export type Argon2Params = Branded<Argon2ParamsFields, 'Argon2Params'>;

/** The defaults for a new wrap (protocol/constants.ts). */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = Object.freeze({
  memoryKiB: ARGON2_DEFAULT_MEMORY_KIB,
  iterations: ARGON2_DEFAULT_ITERATIONS,
  parallelism: ARGON2_DEFAULT_PARALLELISM,
  hashLength: ARGON2_HASH_LENGTH,
}) as Argon2Params;

/**
 * Validates Argon2id parameters from storage or a server. Weaker than the minimums throws
 * `kdf_too_weak` (a server offering cheap parameters during recovery is a downgrade attack);
 * non-integers, values above the ceilings or another tag length throw `kdf_params_invalid`.
 */
export function parseArgon2Params(untrusted: unknown): Argon2Params {
  if (typeof untrusted !== 'object' || untrusted === null) {
    throw new VaultCryptoError('kdf_params_invalid', 'Argon2 parameters are not an object');
  }
  const { memoryKiB, iterations, parallelism, hashLength } = untrusted as Record<string, unknown>;
  const fields = { memoryKiB, iterations, parallelism, hashLength };
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new VaultCryptoError('kdf_params_invalid', `Argon2 ${name} is not an integer`);
    }
  }
  const params = fields as Argon2ParamsFields;
  if (
    params.memoryKiB < ARGON2_MIN_MEMORY_KIB ||
    params.iterations < ARGON2_MIN_ITERATIONS ||
    params.parallelism < ARGON2_MIN_PARALLELISM
  ) {
    throw new VaultCryptoError(
      'kdf_too_weak',
      `Argon2 parameters below the minimum (m=${ARGON2_MIN_MEMORY_KIB} KiB, t=${ARGON2_MIN_ITERATIONS}, p=${ARGON2_MIN_PARALLELISM})`,
    );
  }
  if (
    params.memoryKiB > ARGON2_MAX_MEMORY_KIB ||
    params.iterations > ARGON2_MAX_ITERATIONS ||
    params.parallelism > ARGON2_MAX_PARALLELISM ||
    params.hashLength !== ARGON2_HASH_LENGTH
  ) {
    throw new VaultCryptoError('kdf_params_invalid', 'Argon2 parameters above the ceilings or of another tag length');
  }
  return Object.freeze({ ...params }) as Argon2Params;
}
