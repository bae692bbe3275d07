/**
 * AES-256-GCM with a fresh random 96-bit IV and additional data that binds each ciphertext to
 * its context so the server cannot swap one blob for another
 * (docs/architecture.md "The key hierarchy"). Blob format: keys.ts.
 *
 * AAD encoding (canonical: one context, one byte string, and no two contexts share one):
 *
 *   AAD   = lp(UTF-8 "keyhold/aad/v1") || lp(UTF-8 kind) || lp(UTF-8 userId) || lp(UTF-8 id) || u32be(v)
 *   lp(x) = u32be(byte length of x) || x
 *
 * A context with a `serverVersion` (records v2, key bundle v3: the key server's compare-and-set
 * version this ciphertext is stored as) has its own domain, so it never shares bytes with one without:
 *
 *   AAD   = lp(UTF-8 "keyhold/aad/v2") || lp(UTF-8 kind) || lp(UTF-8 userId) || lp(UTF-8 id) || u32be(v) || u64be(serverVersion)
 *
 * Binding the server version lets a client refuse an older ciphertext presented under a newer
 * version number (a rollback: docs/architecture.md "Rollback detection").
 *
 * A context with an `app` (records of an app other than Keyhold: issue 17) appends lp(UTF-8 app)
 * after the fixed-length fields of its domain, so a context without one keeps its exact bytes:
 *
 *   AAD   = (either form above) || lp(UTF-8 app)
 *
 * Unambiguous because the domain fixes how many bytes precede the app, and lp(app) is at least
 * five bytes: a context with an app never shares bytes with one without, nor with another app.
 *
 * Length prefixes make the split unambiguous ("ab"+"c" ≠ "a"+"bc"); strings must be well-formed
 * UTF-16, since a lone surrogate would encode as U+FFFD and collide with a real U+FFFD.
 */
import { decodeBase64Url, encodeBase64Url } from '../../../../protocol/base64url';
import { AAD_DOMAIN, AAD_DOMAIN_VERSIONED, AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES } from '../../../../protocol/constants';
import { bufferSource, concatBytes, randomBytes, utf8 } from './bytes';
import { VaultCryptoError } from '../../errors';
import type { Ciphertext, Dek, Kek, KeysKey, VaultKey, WrappedKey } from '../keys';

/** What each AEAD context's `kind` names; the kinds are disjoint, so blobs cannot cross kinds. */
export type ObjectKind =
  | 'root-secret-local'
  | 'root-secret-prf'
  | 'root-secret-pin-recovery'
  | 'root-secret-totp'
  | 'root-secret-kit'
  | 'root-secret-approval'
  | 'key-bundle'
  | 'device-signing-key'
  | 'vault-key'
  | 'dek'
  | 'record';

/** The context a ciphertext is bound to; `v` is the format version of the object's plaintext. */
export interface AeadContext<Kind extends ObjectKind = ObjectKind> {
  readonly userId: string;
  readonly kind: Kind;
  readonly id: string;
  readonly v: number;
  /** The key server's version this ciphertext is stored as (1, 2, …); absent in formats that do not bind it. */
  readonly serverVersion?: number;
  /** The app whose namespace the object lives in (a record of that app); absent for Keyhold's own objects and account-wide ones. */
  readonly app?: string;
}

/** Format version of AES-GCM blobs (leading byte). */
const GCM_BLOB_V1 = 0x01;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function u32be(value: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function lengthPrefixed(field: string, text: unknown): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string' || text.length === 0 || LONE_SURROGATE.test(text)) {
    throw new VaultCryptoError('invalid_context', `AAD context ${field} is empty or not well-formed text`);
  }
  const bytes = utf8.encode(text);
  return concatBytes(u32be(bytes.length), bytes);
}

function u64be(value: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

/** The canonical AAD bytes of `ctx` (encoding above); also the RSA-OAEP label of a VK wrap. */
export function encodeAad(ctx: AeadContext): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(ctx.v) || ctx.v < 0 || ctx.v > 0xffff_ffff) {
    throw new VaultCryptoError('invalid_context', 'AAD context v is not a 32-bit unsigned integer');
  }
  const versioned = ctx.serverVersion !== undefined;
  if (versioned && (!Number.isSafeInteger(ctx.serverVersion) || ctx.serverVersion! < 1)) {
    throw new VaultCryptoError('invalid_context', 'AAD context serverVersion is not a positive integer');
  }
  return concatBytes(
    lengthPrefixed('domain', versioned ? AAD_DOMAIN_VERSIONED : AAD_DOMAIN),
    lengthPrefixed('kind', ctx.kind),
    lengthPrefixed('userId', ctx.userId),
    lengthPrefixed('id', ctx.id),
    u32be(ctx.v),
    ...(versioned ? [u64be(ctx.serverVersion!)] : []),
    ...(ctx.app !== undefined ? [lengthPrefixed('app', ctx.app)] : []),
  );
}

function gcmParams(iv: Uint8Array<ArrayBuffer>, ctx: AeadContext): AesGcmParams {
  return { name: 'AES-GCM', iv, additionalData: encodeAad(ctx), tagLength: AES_GCM_TAG_BYTES * 8 };
}

function frame(iv: Uint8Array, ciphertextAndTag: ArrayBuffer): string {
  return encodeBase64Url(concatBytes(Uint8Array.of(GCM_BLOB_V1), iv, new Uint8Array(ciphertextAndTag)));
}

/** Splits a blob; any format problem is reported as `decrypt_failed`, like a wrong tag. */
function unframe(blob: string): { iv: Uint8Array<ArrayBuffer>; body: Uint8Array<ArrayBuffer> } {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = bufferSource(decodeBase64Url(blob));
  } catch {
    throw decryptFailed();
  }
  if (bytes.length < 1 + AES_GCM_IV_BYTES + AES_GCM_TAG_BYTES || bytes[0] !== GCM_BLOB_V1) throw decryptFailed();
  return { iv: bytes.subarray(1, 1 + AES_GCM_IV_BYTES), body: bytes.subarray(1 + AES_GCM_IV_BYTES) };
}

function decryptFailed(): VaultCryptoError {
  // Deliberately one message and no cause: which check failed is no business of an attacker.
  return new VaultCryptoError('decrypt_failed', 'Could not decrypt: wrong key, wrong context or damaged data');
}

/** AES-GCM-encrypts `plaintext` under a fresh IV, bound to `ctx`. Returns ciphertext; never log the plaintext. */
export async function seal(key: Kek | KeysKey | Dek, plaintext: Uint8Array, ctx: AeadContext): Promise<Ciphertext> {
  // SP 800-38D §8.2.2: random 96-bit IVs; every key here encrypts far fewer than 2^32 messages.
  const iv = randomBytes(AES_GCM_IV_BYTES);
  const body = await crypto.subtle.encrypt(gcmParams(iv, ctx), key, bufferSource(plaintext));
  return frame(iv, body) as Ciphertext;
}

/** Opens a blob made by `seal` with the same key and context. Returns plaintext: never log it. */
export async function open(key: Kek | KeysKey | Dek, blob: Ciphertext | WrappedKey, ctx: AeadContext): Promise<Uint8Array<ArrayBuffer>> {
  const params = gcmParams(new Uint8Array(0), ctx);
  const { iv, body } = unframe(blob);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ ...params, iv }, key, body));
  } catch {
    throw decryptFailed();
  }
}

/** Wraps `key`'s raw bytes with AES-GCM under `wrappingKey`, bound to `ctx`. Needs an extractable `key`. */
export async function wrapKeyGcm(key: CryptoKey, wrappingKey: VaultKey, ctx: AeadContext): Promise<WrappedKey> {
  const iv = randomBytes(AES_GCM_IV_BYTES);
  const body = await crypto.subtle.wrapKey('raw', key, wrappingKey, gcmParams(iv, ctx));
  return frame(iv, body) as WrappedKey;
}

/** Unwraps a blob made by `wrapKeyGcm` into a non-extractable AES-256-GCM key. Returns a secret key: never log it. */
export async function unwrapKeyGcm(
  wrapped: WrappedKey,
  unwrappingKey: VaultKey,
  ctx: AeadContext,
  usages: readonly KeyUsage[],
): Promise<CryptoKey> {
  const params = gcmParams(new Uint8Array(0), ctx);
  const { iv, body } = unframe(wrapped);
  try {
    return await crypto.subtle.unwrapKey('raw', body, unwrappingKey, { ...params, iv }, 'AES-GCM', false, [...usages]);
  } catch {
    throw decryptFailed();
  }
}

/** Brands a string read from storage or the server as a blob of the given kind, or throws `malformed_blob`. */
export function parseGcmBlob<B extends Ciphertext | WrappedKey>(untrusted: unknown): B {
  if (typeof untrusted === 'string') {
    try {
      const bytes = decodeBase64Url(untrusted);
      if (bytes.length >= 1 + AES_GCM_IV_BYTES + AES_GCM_TAG_BYTES && bytes[0] === GCM_BLOB_V1) return untrusted as B;
    } catch {
      // fall through to the one error below
    }
  }
  throw new VaultCryptoError('malformed_blob', 'Not an AES-GCM blob');
}
