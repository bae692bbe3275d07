/**
 * What a device keeps in IndexedDB for one user (docs/architecture.md "The key hierarchy"). Everything in it
 * is public or ciphertext; it is JSON-safe and read back through `parseLocalVaultRecord`.
 */
import { isBase64Url } from '../../../../protocol/base64url';
import { ARGON2_SALT_BYTES } from '../../../../protocol/constants';
import { parseGcmBlob } from '../primitives/aead';
import { VaultCryptoError } from '../../errors';
import type { Argon2ParamsFields, Ciphertext, WrappedKey } from '../keys';

export interface PrfWrap {
  /** WebAuthn credential id, base64url. */
  readonly credentialId: string;
  readonly wrappedRootSecret: WrappedKey;
}

export interface LocalVaultRecord {
  readonly v: 1;
  readonly userId: string;
  /** wrap_local(S) with what re-derives its KEK: the params are re-validated on every read. */
  readonly pin: { readonly salt: string; readonly params: Argon2ParamsFields; readonly wrappedRootSecret: WrappedKey };
  /** wrap_prf(S) per PRF passkey; the same blobs are uploaded to the key server. */
  readonly prf: readonly PrfWrap[];
  /** The key bundle under K_keys, the same blob as the server backup. */
  readonly keyBundle: Ciphertext;
  /**
   * The server version the key bundle is stored as, which a format 3 bundle binds into its AAD
   * (key-bundle.ts); absent in records written before that format (their bundle binds none).
   */
  readonly keyBundleVersion?: number;
  /** The device signing key under K_keys; never uploaded. */
  readonly deviceKey: { readonly id: string; readonly sealed: Ciphertext };
}

function malformed(what: string): VaultCryptoError {
  return new VaultCryptoError('malformed_blob', `The local vault record has no valid ${what}`);
}

function nonEmptyString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw malformed(what);
  return value;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(what);
  return value as Record<string, unknown>;
}

/**
 * Checks the shape of a record read from IndexedDB and brands its blobs; throws `malformed_blob`.
 * Argon2 parameters are only shape-checked here: unlock validates them with parseArgon2Params.
 */
export function parseLocalVaultRecord(untrusted: unknown): LocalVaultRecord {
  const record = object(untrusted, 'shape');
  if (record.v !== 1) throw malformed('version');
  const pin = object(record.pin, 'PIN wrap');
  const salt = nonEmptyString(pin.salt, 'salt');
  // base64url length of 16 bytes, unpadded: ceil(16 * 4 / 3) = 22 characters.
  if (!isBase64Url(salt) || salt.length < Math.ceil((ARGON2_SALT_BYTES * 4) / 3)) throw malformed('salt');
  const params = object(pin.params, 'Argon2 parameters') as unknown as Argon2ParamsFields;
  if (!Array.isArray(record.prf)) throw malformed('PRF wraps');
  const prf = record.prf.map((entry: unknown) => {
    const wrap = object(entry, 'PRF wrap');
    return {
      credentialId: nonEmptyString(wrap.credentialId, 'credential id'),
      wrappedRootSecret: parseGcmBlob<WrappedKey>(wrap.wrappedRootSecret),
    };
  });
  const deviceKey = object(record.deviceKey, 'device key');
  return {
    v: 1,
    userId: nonEmptyString(record.userId, 'user id'),
    pin: { salt, params, wrappedRootSecret: parseGcmBlob<WrappedKey>(pin.wrappedRootSecret) },
    prf,
    keyBundle: parseGcmBlob<Ciphertext>(record.keyBundle),
    ...(Number.isSafeInteger(record.keyBundleVersion) && (record.keyBundleVersion as number) > 0 && { keyBundleVersion: record.keyBundleVersion as number }),
    deviceKey: { id: nonEmptyString(deviceKey.id, 'device key id'), sealed: parseGcmBlob<Ciphertext>(deviceKey.sealed) },
  };
}
