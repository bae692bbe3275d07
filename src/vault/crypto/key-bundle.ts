/**
 * The key bundle sealed under K_keys (the user encryption key pair, backed up to the server;
 * docs/architecture.md "The key hierarchy") and the device signing key (ECDSA P-256, sealed under K_keys too but device-local).
 *
 * Key bundle plaintext, UTF-8 JSON:
 *   { "v": 1, "userPrivateKeyPkcs8": b64url, "userPublicKeySpki": b64url,
 *     "vaultId": string, "wrappedVaultKey": RsaWrappedKey }
 *   v2, written by a rotation (lock everywhere), adds the vault keys it retired, newest first,
 *   each wrapped under this bundle's public key, so records written before stay readable:
 *     "retiredVaultKeys": [{ "vaultId": string, "wrappedVaultKey": RsaWrappedKey }, …]
 *   A bundle with nothing retired is still written as v1, which every app version reads.
 *   v3 has the fields of v2 (retired keys optional) and its AAD also binds the server version
 *   the bundle is stored as (PUT /api/backup/key-bundle with expectedVersion n stores n + 1), so
 *   a bundle handed out under another version number does not open (rollback detection).
 *   v4 is v3 with the account's identity key (Ed25519, RFC 8032), which signs the account log
 *   (docs/architecture.md "Signed account log"); v1–3 open without one:
 *     "identityPrivateKeyPkcs8": b64url, "identityPublicKey": b64url of the raw 32 bytes
 *   The AAD context carries the format (`keyBundleContext(userId, v)`), so a reader tries each.
 * Device key plaintext, UTF-8 JSON:
 *   { "v": 1, "privateKeyPkcs8": b64url, "publicKeyJwk": { "kty": "EC", "crv": "P-256", "x", "y" } }
 */
import { bufferSource } from './primitives/bytes';
import { keyBundleContext } from './primitives/contexts';
import { VaultCryptoError } from '../errors';
import { exportUserPublicKey, importUserPublicKey, parseRsaWrappedKey, type UserKeyPair } from './hierarchy';
import type {
  Ciphertext,
  DeviceSigningPrivateKey,
  DeviceSigningPublicKey,
  IdentityPrivateKey,
  KeysKey,
  RsaWrappedKey,
  UserPrivateKey,
  UserPublicKey,
} from './keys';
import type { AeadContext } from './primitives/aead';
import { exportPkcs8, importPkcs8, openJson, sealJson, stringField } from './sealed-json';

const FORMAT_V1 = 1;
/** The key bundle with retired vault keys (above). */
const KEY_BUNDLE_V2 = 2;
/** The key bundle bound to its server version (above). */
const KEY_BUNDLE_V3 = 3;
/** v3 with the account's identity key (above). */
const KEY_BUNDLE_V4 = 4;

// ——— Key bundle ———

/** A vault key that a rotation replaced, kept so records written under it stay readable. */
export interface RetiredVaultKey {
  readonly vaultId: string;
  /** Under the bundle's own public key (it was re-wrapped when the bundle was made). */
  readonly wrappedVaultKey: RsaWrappedKey;
}

export interface KeyBundle {
  /** From createUserKeyPair (private half extractable) or an opened bundle re-sealed with a new K_keys. */
  readonly userKeyPair: UserKeyPair;
  readonly vaultId: string;
  readonly wrappedVaultKey: RsaWrappedKey;
  /** Earlier vault keys, newest first; none for a vault never rotated. */
  readonly retired?: readonly RetiredVaultKey[];
  /** The identity key pair (private half extractable, made for this bundle): sealed as v4, so only with a server version. */
  readonly identity?: IdentityKeyPair;
}

/** The account's identity key as made (account-log/identity-key.ts): the private half extractable once, to be sealed. */
export interface IdentityKeyPair {
  /** Raw Ed25519 public key (32 bytes), base64url. */
  readonly publicKey: string;
  readonly privateKey: CryptoKey;
}

/** The account's identity key as a session holds it. Never log the private half. */
export interface IdentityKey {
  /** Raw Ed25519 public key (32 bytes), base64url: what the account log names. */
  readonly publicKey: string;
  /** Non-extractable, sign only. */
  readonly privateKey: IdentityPrivateKey;
}

export interface OpenedKeyBundle {
  readonly userPublicKey: UserPublicKey;
  /** Non-extractable, unwrapKey only: it opens VK wraps and nothing leaves it again. */
  readonly userPrivateKey: UserPrivateKey;
  readonly vaultId: string;
  readonly wrappedVaultKey: RsaWrappedKey;
  readonly retired: readonly RetiredVaultKey[];
  /** v4 only; also absent where this browser cannot import an Ed25519 key (the vault still opens). */
  readonly identity?: IdentityKey;
}

/**
 * Returns the user's key bundle sealed under K_keys, for IndexedDB and the server backup: v3 bound
 * to `serverVersion` (the version the server will store it as) when given, v4 with an identity key,
 * else v1 (v2 with retired keys). Never log its plaintext.
 */
export async function sealKeyBundle(bundle: KeyBundle, keysKey: KeysKey, userId: string, serverVersion?: number): Promise<Ciphertext> {
  const retired = bundle.retired ?? [];
  const fields = {
    userPrivateKeyPkcs8: await exportPkcs8(bundle.userKeyPair.privateKey),
    userPublicKeySpki: await exportUserPublicKey(bundle.userKeyPair.publicKey),
    vaultId: bundle.vaultId,
    wrappedVaultKey: bundle.wrappedVaultKey,
    ...(retired.length > 0 && { retiredVaultKeys: retired }),
    ...(bundle.identity && { identityPrivateKeyPkcs8: await exportPkcs8(bundle.identity.privateKey), identityPublicKey: bundle.identity.publicKey }),
  };
  if (serverVersion !== undefined) return sealJson(fields, keysKey, keyBundleContext(userId, bundle.identity ? KEY_BUNDLE_V4 : KEY_BUNDLE_V3, serverVersion));
  return sealJson(fields, keysKey, keyBundleContext(userId, retired.length > 0 ? KEY_BUNDLE_V2 : FORMAT_V1));
}

/**
 * Opens the bundle as v4 or v3 bound to `serverVersion` (when known), else as v2, else as v1: each
 * is sealed under its own context, so only the right one opens, and a v3 or v4 bundle opens only as
 * the server version it was sealed for. Internal to crypto/ (the identity key's migration re-seals it).
 */
export async function openBundleJson(sealed: Ciphertext, keysKey: KeysKey, userId: string, serverVersion?: number): Promise<Record<string, unknown>> {
  const contexts = [
    ...(serverVersion !== undefined && serverVersion > 0 ? [KEY_BUNDLE_V4, KEY_BUNDLE_V3].map((v) => keyBundleContext(userId, v, serverVersion)) : []),
    keyBundleContext(userId, KEY_BUNDLE_V2),
    keyBundleContext(userId, FORMAT_V1),
  ];
  for (const ctx of contexts.slice(0, -1)) {
    try {
      return await openJson(sealed, keysKey, ctx);
    } catch (error) {
      if (!(error instanceof VaultCryptoError && error.code === 'decrypt_failed')) throw error;
    }
  }
  return openJson(sealed, keysKey, contexts.at(-1)!);
}

/**
 * Returns the bundle's keys, private half non-extractable; throws `decrypt_failed` or
 * `malformed_plaintext`. `serverVersion`: the version the bundle is stored as, which a v3 bundle
 * must have been sealed for. Never log them.
 */
export async function openKeyBundle(sealed: Ciphertext, keysKey: KeysKey, userId: string, serverVersion?: number): Promise<OpenedKeyBundle> {
  const fields = await openBundleJson(sealed, keysKey, userId, serverVersion);
  const kind = 'key-bundle';
  const userPrivateKey = await importPkcs8(stringField(fields, 'userPrivateKeyPkcs8', kind), { name: 'RSA-OAEP', hash: 'SHA-256' }, [
    'unwrapKey',
  ]);
  let wrappedVaultKey: RsaWrappedKey;
  let userPublicKey: UserPublicKey;
  let retired: RetiredVaultKey[];
  try {
    wrappedVaultKey = parseRsaWrappedKey(fields.wrappedVaultKey);
    userPublicKey = await importUserPublicKey(stringField(fields, 'userPublicKeySpki', kind));
    // Anything but a list of { vaultId, wrappedVaultKey } throws here, and reads as malformed below.
    retired = ((fields.retiredVaultKeys ?? []) as Array<Record<string, unknown>>).map((entry) => ({
      vaultId: stringField(entry, 'vaultId', kind),
      wrappedVaultKey: parseRsaWrappedKey(entry.wrappedVaultKey),
    }));
  } catch (cause) {
    throw new VaultCryptoError('malformed_plaintext', `The ${kind} plaintext has a malformed key`, { cause });
  }
  const vaultId = stringField(fields, 'vaultId', kind);
  const identity = fields.v === KEY_BUNDLE_V4 ? await openIdentity(fields, kind) : undefined;
  return { userPublicKey, userPrivateKey: userPrivateKey as UserPrivateKey, vaultId, wrappedVaultKey, retired, ...(identity && { identity }) };
}

/** The v4 bundle's identity key, or undefined where this browser has no Ed25519 in WebCrypto: the vault must still open there. */
async function openIdentity(fields: Record<string, unknown>, kind: string): Promise<IdentityKey | undefined> {
  const publicKey = stringField(fields, 'identityPublicKey', kind);
  const privateKey = await importPkcs8(stringField(fields, 'identityPrivateKeyPkcs8', kind), { name: 'Ed25519' }, ['sign']).catch(() => undefined);
  return privateKey && { publicKey, privateKey: privateKey as IdentityPrivateKey };
}

// ——— Device signing key (ECDSA P-256, SHA-256) ———

/** The public key as the key server takes it (protocol/api.ts DevicePublicKey). Public: safe to log. */
export interface DevicePublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

export interface DeviceSigningKeyPair {
  readonly privateKey: DeviceSigningPrivateKey;
  readonly publicKey: DeviceSigningPublicKey;
}

export interface OpenedDeviceSigningKey extends DeviceSigningKeyPair {
  readonly publicJwk: DevicePublicJwk;
}

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Returns a fresh device key pair whose private half is extractable for sealing only; never log or export it elsewhere. */
export async function createDeviceSigningKey(): Promise<DeviceSigningKeyPair> {
  // Exception to non-extractable: the private key leaves WebCrypto once, as pkcs8, to be sealed
  // under K_keys (sealDeviceSigningKey); later copies come from openDeviceSigningKey.
  const pair = await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  return { privateKey: pair.privateKey as DeviceSigningPrivateKey, publicKey: pair.publicKey as DeviceSigningPublicKey };
}

/** The device public key as a minimal JWK (RFC 7518 §6.2.1). Public: safe to log. */
export async function exportDevicePublicJwk(publicKey: DeviceSigningPublicKey): Promise<DevicePublicJwk> {
  const { x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  if (typeof x !== 'string' || typeof y !== 'string') throw new VaultCryptoError('malformed_blob', 'Not a P-256 public key');
  return { kty: 'EC', crv: 'P-256', x, y };
}

/** Returns the device key pair sealed under K_keys, bound to `ctx`; never log its plaintext. */
export async function sealDeviceSigningKey(
  pair: DeviceSigningKeyPair,
  keysKey: KeysKey,
  ctx: AeadContext<'device-signing-key'>,
): Promise<Ciphertext> {
  const publicKeyJwk = await exportDevicePublicJwk(pair.publicKey);
  return sealJson({ privateKeyPkcs8: await exportPkcs8(pair.privateKey), publicKeyJwk }, keysKey, ctx);
}

/** Returns the device key pair, private half non-extractable and sign-only; throws `decrypt_failed` or `malformed_plaintext`. */
export async function openDeviceSigningKey(
  sealed: Ciphertext,
  keysKey: KeysKey,
  ctx: AeadContext<'device-signing-key'>,
): Promise<OpenedDeviceSigningKey> {
  const fields = await openJson(sealed, keysKey, ctx);
  const privateKey = await importPkcs8(stringField(fields, 'privateKeyPkcs8', ctx.kind), ECDSA_P256, ['sign']);
  const jwk = fields.publicKeyJwk as Partial<Record<string, unknown>> | null;
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new VaultCryptoError('malformed_plaintext', 'The device key plaintext lacks publicKeyJwk');
  }
  const publicJwk: DevicePublicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  let publicKey: CryptoKey;
  try {
    publicKey = await crypto.subtle.importKey('jwk', { ...publicJwk }, ECDSA_P256, true, ['verify']);
  } catch (cause) {
    throw new VaultCryptoError('malformed_plaintext', 'The device key plaintext has a malformed public key', { cause });
  }
  return { privateKey: privateKey as DeviceSigningPrivateKey, publicKey: publicKey as DeviceSigningPublicKey, publicJwk };
}

/** ECDSA P-256 / SHA-256 signature of `message`, IEEE P1363 r||s as protocol/device-signin.ts expects. */
export async function signWithDeviceKey(privateKey: DeviceSigningPrivateKey, message: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, bufferSource(message)));
}
