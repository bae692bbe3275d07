/**
 * The recovery kit's keys (docs/architecture.md "Recovery kit"): from the code's 16 entropy bytes,
 * KEK_kit wraps S (AAD kind `root-secret-kit`, bound to the user id) and kitAuth proves the code
 * to the server, which stores SHA-256(kitAuth) and hands the wrap back only for a matching kitAuth.
 * Neither the code, its entropy, KEK_kit nor kitAuth is stored anywhere; kitAuth leaves the device
 * only in a recovery request.
 */
import { encodeBase64Url } from '../../../protocol/base64url';
import {
  kitWrapContext,
  parseGcmBlob,
  unwrapRootSecret,
  VaultCryptoError,
  wrapRootSecret,
  type RootSecret,
  type RootSecretAccess,
  type WrappedKey,
} from '../crypto';
import { deriveKekFromKit, deriveKitAuth } from '../crypto/kit-keys';
import { VaultError } from '../errors';
import { recoveryCodeEntropy } from './recovery-code';
import { useRootSecret } from './root-secret-source';

/** What the server stores for a kit: S under KEK_kit, and SHA-256(kitAuth) (base64url). Safe to upload. */
export interface SealedRecoveryKit {
  readonly wrap: WrappedKey;
  readonly authHash: string;
}

/** Runs `use` with the code's entropy and wipes it afterwards. Throws `kit_unreadable`. */
async function withEntropy<T>(code: string, use: (entropy: Uint8Array) => Promise<T>): Promise<T> {
  const entropy = recoveryCodeEntropy(code);
  try {
    return await use(entropy);
  } finally {
    entropy.fill(0);
  }
}

/** Wraps S under the code's KEK_kit and digests its kitAuth. Throws `kit_unreadable`. Never log the code or S. */
export function sealRecoveryKit(userId: string, code: string, rootSecret: RootSecretAccess | RootSecret): Promise<SealedRecoveryKit> {
  return withEntropy(code, async (entropy) => {
    const kek = await deriveKekFromKit(entropy);
    const kitAuth = await deriveKitAuth(entropy);
    try {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', kitAuth));
      const wrap = await useRootSecret(rootSecret, (secret) => wrapRootSecret(secret, kek, kitWrapContext(userId)));
      return { wrap, authHash: encodeBase64Url(digest) };
    } finally {
      kitAuth.fill(0);
    }
  });
}

/** kitAuth of a code, base64url, for a recovery request. Throws `kit_unreadable`. Never log it. */
export function recoveryKitAuth(code: string): Promise<string> {
  return withEntropy(code, async (entropy) => {
    const kitAuth = await deriveKitAuth(entropy);
    try {
      return encodeBase64Url(kitAuth);
    } finally {
      kitAuth.fill(0);
    }
  });
}

/**
 * Opens a kit wrap (the server's or this device's) with the code. Returns S raw: re-wrap it, then
 * wipe it; never log it. Throws `kit_unreadable`, or `kit_invalid` when the code does not open the
 * wrap (another kit's code, or a wrap that is not this user's: the AAD binds the user id).
 */
export function openRecoveryKit(userId: string, code: string, wrap: string): Promise<RootSecret> {
  return withEntropy(code, async (entropy) => {
    try {
      return await unwrapRootSecret(parseGcmBlob<WrappedKey>(wrap), await deriveKekFromKit(entropy), kitWrapContext(userId));
    } catch (error) {
      if (error instanceof VaultCryptoError && (error.code === 'decrypt_failed' || error.code === 'malformed_blob' || error.code === 'malformed_plaintext')) {
        throw new VaultError('kit_invalid', 'The recovery code does not open this kit.', { cause: error });
      }
      throw error;
    }
  });
}
