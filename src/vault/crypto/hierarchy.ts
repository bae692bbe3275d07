/**
 * docs/architecture.md "The key hierarchy", upper half: the root secret S, the KEKs that wrap it, K_keys derived
 * from it, the user encryption key pair and the vault key VK (seed flow: VK under the public key).
 * The key bundle and device key are in key-bundle.ts, DEKs and records in records.ts.
 */
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import {
  HKDF_INFO_KEK_LOCAL,
  HKDF_INFO_KEK_PIN_RECOVERY,
  HKDF_INFO_KEK_PRF,
  HKDF_INFO_KEK_TOTP,
  HKDF_INFO_KEYS_KEY,
  HKDF_INFO_PIN_RECOVERY_TAG,
  PIN_RECOVERY_TAG_BYTES,
  ROOT_SECRET_BYTES,
  RSA_MODULUS_BITS,
} from '../../../protocol/constants';
import { encodeAad, open, seal, type AeadContext } from './primitives/aead';
import { bufferSource, concatBytes, randomBytes, utf8, wipe } from './primitives/bytes';
import { VaultCryptoError } from '../errors';
import { hkdfAesGcmKey, hkdfBytes, importHkdfKeyMaterial } from './primitives/hkdf';
import type { Kek, KeysKey, RootKeyMaterial, RootSecret, RsaWrappedKey, UserPrivateKey, UserPublicKey, VaultKey, WrappedKey } from './keys';

/** Kinds of context a wrap of S may be bound to (one per unlock or recovery route). */
export type RootWrapKind = 'root-secret-local' | 'root-secret-prf' | 'root-secret-pin-recovery' | 'root-secret-totp' | 'root-secret-kit' | 'root-secret-approval';

const NO_SALT = new Uint8Array(0);
const KEK_USAGES: readonly KeyUsage[] = ['encrypt', 'decrypt'];
/** VK's only usages: it wraps DEKs, never data. */
export const VAULT_KEY_USAGES: readonly KeyUsage[] = ['wrapKey', 'unwrapKey'];

// ——— Root secret S ———

/** Returns a fresh S (32 CSPRNG bytes). The caller wraps it, derives from it, then wipes it; never log it. */
export function createRootSecret(): RootSecret {
  return randomBytes(ROOT_SECRET_BYTES) as RootSecret;
}

/** Returns S as non-extractable HKDF key material, the form that may be kept; never log the input. */
export async function importRootSecret(rootSecret: RootSecret): Promise<RootKeyMaterial> {
  return (await importHkdfKeyMaterial(rootSecret)) as RootKeyMaterial;
}

// ——— KEKs: AES-256-GCM keys that wrap S ———

/**
 * KEK_local = HKDF-SHA-256(IKM = pinRoot, salt = the Argon2 salt, info = "keyhold/kek-local/v1").
 * `pinRoot` is the Argon2id tag of the PIN. Returns a non-extractable key; never log `pinRoot`.
 */
export async function deriveKekLocal(pinRoot: Uint8Array, salt: Uint8Array): Promise<Kek> {
  // Reusing the Argon2 salt as HKDF salt (RFC 5869 §3.1: non-secret, ideally random) ties the
  // KEK to this one wrap; the info label keeps it apart from every other key derived here.
  return (await hkdfAesGcmKey(pinRoot, salt, utf8.encode(HKDF_INFO_KEK_LOCAL), KEK_USAGES)) as Kek;
}

/**
 * KEK_prf = HKDF-SHA-256(IKM = WebAuthn PRF output, no salt, info = "keyhold/kek-prf/v1").
 * Returns a non-extractable key; never log the PRF output, nor let it reach the server.
 */
export async function deriveKekFromPrf(prfOutput: Uint8Array): Promise<Kek> {
  // The PRF output is already uniform (an HMAC in the authenticator), so RFC 5869 §3.1's salt
  // adds nothing; the per-credential PRF salt was applied by the authenticator.
  return (await hkdfAesGcmKey(prfOutput, NO_SALT, utf8.encode(HKDF_INFO_KEK_PRF), KEK_USAGES)) as Kek;
}

/**
 * KEK_pinRecovery = HKDF-SHA-256(IKM = OPRF output, no salt, info = "keyhold/kek-pin-recovery/v1").
 * The OPRF output (RFC 9497 Finalize, 64 bytes) is uniform and already bound to the user by k_u.
 * Returns a non-extractable key; never log the OPRF output.
 */
export async function deriveKekFromPinRecovery(oprfOutput: Uint8Array): Promise<Kek> {
  return (await hkdfAesGcmKey(oprfOutput, NO_SALT, utf8.encode(HKDF_INFO_KEK_PIN_RECOVERY), KEK_USAGES)) as Kek;
}

/**
 * The PIN recovery tag: HKDF-SHA-256(OPRF output, no salt, "keyhold/pin-recovery-tag/v1"), 32 bytes.
 * It proves the PIN to the server, which keeps only its SHA-256; a distinct label keeps it
 * independent of KEK_pinRecovery, so the server learns nothing about the key from it.
 */
export async function derivePinRecoveryTag(oprfOutput: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return hkdfBytes(oprfOutput, NO_SALT, utf8.encode(HKDF_INFO_PIN_RECOVERY_TAG), PIN_RECOVERY_TAG_BYTES);
}

/** KEK_totp = HKDF-SHA-256(R, no salt, "keyhold/kek-totp/v1"). Returns a non-extractable key; never log R. */
export async function deriveKekFromTotpEscrow(escrowKey: Uint8Array): Promise<Kek> {
  return (await hkdfAesGcmKey(escrowKey, NO_SALT, utf8.encode(HKDF_INFO_KEK_TOTP), KEK_USAGES)) as Kek;
}

/** K_keys = HKDF-SHA-256(S, no salt, "keyhold/keys/v1"). Returns a non-extractable key; never log S. */
export async function deriveKeysKey(rootSecret: RootSecret | RootKeyMaterial): Promise<KeysKey> {
  const material = rootSecret instanceof CryptoKey ? rootSecret : await importRootSecret(rootSecret);
  return (await hkdfAesGcmKey(material, NO_SALT, utf8.encode(HKDF_INFO_KEYS_KEY), KEK_USAGES)) as KeysKey;
}

/** Returns S sealed under `kek` (AES-256-GCM, AAD = `ctx`), safe to store or upload; never log S. */
export async function wrapRootSecret(rootSecret: RootSecret, kek: Kek, ctx: AeadContext<RootWrapKind>): Promise<WrappedKey> {
  return (await seal(kek, rootSecret, ctx)) as string as WrappedKey;
}

/**
 * Returns S in raw form (AES-GCM can only decrypt to bytes: the one raw exception, needed to
 * re-wrap S for another route). Throws `decrypt_failed`. The caller must wipe it; never log it.
 */
export async function unwrapRootSecret(wrapped: WrappedKey, kek: Kek, ctx: AeadContext<RootWrapKind>): Promise<RootSecret> {
  const bytes = await open(kek, wrapped, ctx);
  if (bytes.length !== ROOT_SECRET_BYTES) {
    wipe(bytes);
    throw new VaultCryptoError('malformed_plaintext', 'The root secret has the wrong length');
  }
  return bytes as RootSecret;
}

// ——— User encryption key pair (RSA-OAEP-3072, SHA-256) ———

export interface UserKeyPair {
  readonly publicKey: UserPublicKey;
  /** Extractable: exported once as pkcs8 to be sealed in the key bundle (sealKeyBundle), then dropped. */
  readonly privateKey: UserPrivateKey;
}

const RSA_OAEP_SHA256 = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

/** Returns a fresh user key pair whose private half is extractable for sealing only; never log or export it elsewhere. */
export async function createUserKeyPair(): Promise<UserKeyPair> {
  // Exception to non-extractable: the private key must leave WebCrypto once, as pkcs8, to be
  // sealed under K_keys; every later copy comes from openKeyBundle, non-extractable.
  const pair = await crypto.subtle.generateKey(
    { ...RSA_OAEP_SHA256, modulusLength: RSA_MODULUS_BITS, publicExponent: Uint8Array.of(1, 0, 1) },
    true,
    ['wrapKey', 'unwrapKey'],
  );
  return { publicKey: pair.publicKey as UserPublicKey, privateKey: pair.privateKey as UserPrivateKey };
}

/** The public key as SubjectPublicKeyInfo (RFC 5280 §4.1), base64url. Public: safe to log. */
export async function exportUserPublicKey(publicKey: UserPublicKey): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.exportKey('spki', publicKey)));
}

/** Imports a user public key from base64url SPKI; throws `malformed_blob`. */
export async function importUserPublicKey(spki: string): Promise<UserPublicKey> {
  try {
    const der = bufferSource(decodeBase64Url(spki));
    return (await crypto.subtle.importKey('spki', der, RSA_OAEP_SHA256, true, ['wrapKey'])) as UserPublicKey;
  } catch {
    throw new VaultCryptoError('malformed_blob', 'Not an RSA-OAEP public key');
  }
}

// ——— Vault key VK and the seed flow ———

/** Returns a fresh VK, extractable so it can be wrapped under a public key; never log or export it otherwise. */
export async function createVaultKey(): Promise<VaultKey> {
  // Exception to non-extractable: wrapKey needs an extractable key. Callers wrap it and drop it,
  // then use the non-extractable copy that unwrapVaultKey returns.
  return (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, [...VAULT_KEY_USAGES])) as VaultKey;
}

/** Format version of RSA-OAEP blobs (leading byte; see keys.ts). */
export const RSA_BLOB_V1 = 0x01;

/** Returns VK encrypted under `publicKey` with RSA-OAEP (RFC 8017 §7.1), label = AAD of `ctx`. */
export async function wrapVaultKey(vaultKey: VaultKey, publicKey: UserPublicKey, ctx: AeadContext<'vault-key'>): Promise<RsaWrappedKey> {
  // The OAEP label binds the wrap to its context as GCM's AAD does elsewhere (RFC 8017 §7.1.1).
  const body = await crypto.subtle.wrapKey('raw', vaultKey, publicKey, { name: 'RSA-OAEP', label: encodeAad(ctx) });
  return encodeBase64Url(concatBytes(Uint8Array.of(RSA_BLOB_V1), new Uint8Array(body))) as RsaWrappedKey;
}

/** Returns VK, non-extractable, wrapKey/unwrapKey only; throws `decrypt_failed`. Never log it. */
export async function unwrapVaultKey(wrapped: RsaWrappedKey, privateKey: UserPrivateKey, ctx: AeadContext<'vault-key'>): Promise<VaultKey> {
  const label = encodeAad(ctx);
  try {
    const bytes = bufferSource(decodeBase64Url(wrapped));
    if (bytes[0] !== RSA_BLOB_V1) throw new Error('unknown RSA blob version');
    const key = await crypto.subtle.unwrapKey('raw', bytes.subarray(1), privateKey, { name: 'RSA-OAEP', label }, 'AES-GCM', false, [
      ...VAULT_KEY_USAGES,
    ]);
    return key as VaultKey;
  } catch {
    throw new VaultCryptoError('decrypt_failed', 'Could not decrypt: wrong key, wrong context or damaged data');
  }
}

/** Brands a string from storage or the server as an RSA-OAEP blob, or throws `malformed_blob`. */
export function parseRsaWrappedKey(untrusted: unknown): RsaWrappedKey {
  if (typeof untrusted === 'string') {
    try {
      const bytes = decodeBase64Url(untrusted);
      if (bytes.length === 1 + RSA_MODULUS_BITS / 8 && bytes[0] === RSA_BLOB_V1) return untrusted as RsaWrappedKey;
    } catch {
      // fall through to the one error below
    }
  }
  throw new VaultCryptoError('malformed_blob', 'Not an RSA-OAEP blob');
}
