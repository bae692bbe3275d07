/**
 * JSON sealed under K_keys (the key bundle, the device signing key: key-bundle.ts) and the pkcs8
 * moves their private keys make. Internal to crypto/ (not in index.ts).
 */
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { open, seal, type AeadContext } from './primitives/aead';
import { bufferSource, utf8, wipe } from './primitives/bytes';
import { VaultCryptoError } from '../errors';
import type { Ciphertext, KeysKey } from './keys';

/** Seals `fields` as UTF-8 JSON under `keysKey`, format version `ctx.v`; wipes the plaintext bytes we own. */
export async function sealJson(fields: object, keysKey: KeysKey, ctx: AeadContext): Promise<Ciphertext> {
  const plaintext = utf8.encode(JSON.stringify({ v: ctx.v, ...fields }));
  try {
    return await seal(keysKey, plaintext, ctx);
  } finally {
    wipe(plaintext);
  }
}

/** Opens JSON sealed by `sealJson` for `ctx` (its `v` included); returns its fields, or throws `decrypt_failed`, `malformed_plaintext`. */
export async function openJson(sealed: Ciphertext, keysKey: KeysKey, ctx: AeadContext): Promise<Record<string, unknown>> {
  const plaintext = await open(keysKey, sealed, ctx);
  try {
    const value: unknown = JSON.parse(utf8.decode(plaintext));
    if (typeof value === 'object' && value !== null && (value as { v?: unknown }).v === ctx.v) {
      return value as Record<string, unknown>;
    }
  } catch {
    // reported below
  } finally {
    wipe(plaintext);
  }
  throw new VaultCryptoError('malformed_plaintext', `The ${ctx.kind} plaintext is not the expected JSON`);
}

export function stringField(fields: Record<string, unknown>, name: string, kind: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new VaultCryptoError('malformed_plaintext', `The ${kind} plaintext lacks ${name}`);
  }
  return value;
}

/** Imports pkcs8 bytes non-extractable; any failure is `malformed_plaintext` (the bytes were authenticated). */
export async function importPkcs8(pkcs8: string, algorithm: RsaHashedImportParams | EcKeyImportParams | Algorithm, usages: KeyUsage[]): Promise<CryptoKey> {
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  try {
    bytes = bufferSource(decodeBase64Url(pkcs8));
    return await crypto.subtle.importKey('pkcs8', bytes, algorithm, false, usages);
  } catch (cause) {
    throw new VaultCryptoError('malformed_plaintext', 'A sealed private key does not import', { cause });
  } finally {
    wipe(bytes);
  }
}

/** The private key as pkcs8, base64url, for sealing only; never log it. */
export async function exportPkcs8(privateKey: CryptoKey): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
  try {
    return encodeBase64Url(bytes);
  } finally {
    wipe(bytes);
  }
}
