import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';

/**
 * The pepper is the server master key. It lives outside the database (environment or a 0600
 * file), so a stolen database opens nothing it seals and allows no offline guessing.
 */
export interface Pepper {
  /** Seals a value (AES-256-GCM, AAD = context) for storage in the DB; returns base64url. */
  seal(plaintext: Uint8Array, context: string): string;
  /** Opens what `seal` made with the same context; throws on tampering. */
  open(sealed: string, context: string): Uint8Array;
  /** A deterministic keyed digest (HMAC-SHA-256) for decoys that must look real and stay stable. */
  derive(context: string, input: string): Uint8Array;
}

const SEAL_VERSION = 1;

export function createPepper(key: Uint8Array): Pepper {
  if (key.length !== 32) throw new Error('the pepper must be 32 bytes');
  const subkey = (purpose: string) => createHmac('sha256', key).update(purpose).digest();
  const sealKey = subkey('keyhold/pepper/seal/v1');
  const deriveKey = subkey('keyhold/pepper/derive/v1');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return encodeBase64Url(Buffer.concat([Buffer.of(SEAL_VERSION), iv, body, cipher.getAuthTag()]));
    },
    open(sealed, context) {
      const bytes = Buffer.from(decodeBase64Url(sealed));
      if (bytes[0] !== SEAL_VERSION || bytes.length < 1 + 12 + 16) throw new Error('unknown seal format');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, bytes.subarray(1, 13));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(13, bytes.length - 16)), decipher.final()]));
    },
    derive(context, input) {
      return new Uint8Array(createHmac('sha256', deriveKey).update(context).update('\0').update(input).digest());
    },
  };
}

/**
 * Returns the pepper from the environment value, else from `file`, creating the file (mode 0600)
 * on first run. `generated` tells the caller to warn: a generated pepper must be backed up apart
 * from the database. Never logs the pepper.
 */
export function loadPepper(fromEnv: string | undefined, file: string): { pepper: Pepper; generated: boolean } {
  if (fromEnv) return { pepper: createPepper(decodeBase64Url(fromEnv)), generated: false };
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    const key = decodeBase64Url(text);
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64url pepper`);
    return { pepper: createPepper(key), generated: false };
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${encodeBase64Url(key)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { pepper: createPepper(key), generated: true };
}
