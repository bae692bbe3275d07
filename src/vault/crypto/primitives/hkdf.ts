/**
 * HKDF-SHA-256 (RFC 5869) through WebCrypto; the only way this folder turns a secret into keys.
 * Internal: the hierarchy calls it with its fixed labels (protocol/constants.ts HKDF_INFO_*).
 */
import { bufferSource } from './bytes';

const HKDF_SHA256 = (salt: Uint8Array, info: Uint8Array): HkdfParams => ({
  name: 'HKDF',
  hash: 'SHA-256',
  // RFC 5869 §2.2: an empty salt means HashLen zero bytes; WebCrypto applies that for us.
  salt: bufferSource(salt),
  info: bufferSource(info),
});

/**
 * Imports IKM as non-extractable HKDF key material. WebCrypto refuses extractable HKDF keys
 * (its HKDF importKey throws if `extractable` is true), so the raw bytes can never be read back from the result.
 */
export function importHkdfKeyMaterial(ikm: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', bufferSource(ikm), 'HKDF', false, ['deriveKey', 'deriveBits']);
}

/** RFC 5869 §2.2–2.3 Extract-then-Expand to `lengthBytes` of OKM. Returns secret bytes: never log them. */
export async function hkdfBytes(
  ikm: Uint8Array | CryptoKey,
  salt: Uint8Array,
  info: Uint8Array,
  lengthBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const material = ikm instanceof CryptoKey ? ikm : await importHkdfKeyMaterial(ikm);
  return new Uint8Array(await crypto.subtle.deriveBits(HKDF_SHA256(salt, info), material, lengthBytes * 8));
}

/**
 * An AES-256-GCM key whose bytes are the first 32 bytes of HKDF's OKM (RFC 5869 §2.3, L = 32).
 * Returns a secret key: never log it. `extractable` is true only in the RFC vector test.
 */
export async function hkdfAesGcmKey(
  ikm: Uint8Array | CryptoKey,
  salt: Uint8Array,
  info: Uint8Array,
  usages: readonly KeyUsage[],
  extractable = false,
): Promise<CryptoKey> {
  const material = ikm instanceof CryptoKey ? ikm : await importHkdfKeyMaterial(ikm);
  return crypto.subtle.deriveKey(
    HKDF_SHA256(salt, info),
    material,
    { name: 'AES-GCM', length: 256 },
    extractable,
    [...usages],
  );
}
