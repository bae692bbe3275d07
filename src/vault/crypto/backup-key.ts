/**
 * The key of a Keyhold backup file (src/vault/transfer/backup-file.ts; docs/architecture.md
 * "Import and export"), made from a passphrase the user chooses rather than from S, so that the
 * file opens in any account, or with any independent tool that follows the documented format:
 *
 *   K_backup = HKDF-SHA-256(IKM = Argon2id(UTF-8 of NFKC(passphrase), salt), salt, "keyhold/backup/v1")
 *   ciphertext || tag = AES-256-GCM(K_backup, iv, plaintext, AAD = the file's canonical header)
 *
 * The AAD is the header's own bytes and not the vault's context encoding (aead.ts): a backup is
 * bound to no user, and a reader of the format should need nothing but the file to rebuild it.
 */
import { ARGON2_HASH_LENGTH, AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES, HKDF_INFO_BACKUP } from '../../../protocol/constants';
import { VaultCryptoError } from '../errors';
import type { Branded, Argon2Params } from './keys';
import type { DeriveArgon2 } from './local/unlock';
import { bufferSource, randomBytes, utf8, wipe } from './primitives/bytes';
import { hkdfAesGcmKey } from './primitives/hkdf';

/** K_backup: AES-256-GCM, non-extractable, seals and opens one backup file's items only. */
export type BackupKey = Branded<CryptoKey, 'BackupKey'>;

/** K_backup from the passphrase and the file's salt. Returns a non-extractable key; never log the passphrase or the tag. */
export async function deriveBackupKey(
  passphrase: string,
  salt: Uint8Array,
  params: Argon2Params,
  argon2: DeriveArgon2,
  signal?: AbortSignal,
): Promise<BackupKey> {
  // NFKC as for the PIN (unlock.ts normalizePin): the same passphrase typed on another keyboard opens the file.
  const password = utf8.encode(passphrase.normalize('NFKC'));
  let tag: Uint8Array | undefined;
  try {
    tag = await argon2(password, salt, params, signal);
    if (!(tag instanceof Uint8Array) || tag.length !== ARGON2_HASH_LENGTH) {
      throw new VaultCryptoError('kdf_failed', 'Argon2 returned a tag of the wrong length');
    }
    // RFC 5869 §3.1: the Argon2 salt doubles as the HKDF salt, tying the key to this one file.
    return (await hkdfAesGcmKey(tag, salt, utf8.encode(HKDF_INFO_BACKUP), ['encrypt', 'decrypt'])) as BackupKey;
  } finally {
    wipe(password);
    wipe(tag);
  }
}

/** AES-256-GCM under a fresh 96-bit IV with `header` as AAD. Returns the IV and ciphertext || tag; never log the plaintext. */
export async function sealBackupPayload(
  key: BackupKey,
  plaintext: Uint8Array,
  header: Uint8Array,
): Promise<{ iv: Uint8Array<ArrayBuffer>; ciphertext: Uint8Array<ArrayBuffer> }> {
  // SP 800-38D §8.2.2: a random IV; each K_backup (fresh salt) encrypts exactly one message.
  const iv = randomBytes(AES_GCM_IV_BYTES);
  const params: AesGcmParams = { name: 'AES-GCM', iv, additionalData: bufferSource(header), tagLength: AES_GCM_TAG_BYTES * 8 };
  return { iv, ciphertext: new Uint8Array(await crypto.subtle.encrypt(params, key, bufferSource(plaintext))) };
}

/**
 * Opens what `sealBackupPayload` made. Returns plaintext: never log it. A wrong key, IV, header or
 * any altered byte throws the same `decrypt_failed` (GCM cannot tell them apart, and need not).
 */
export async function openBackupPayload(key: BackupKey, iv: Uint8Array, ciphertext: Uint8Array, header: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  if (iv.length !== AES_GCM_IV_BYTES || ciphertext.length < AES_GCM_TAG_BYTES) throw decryptFailed();
  const params: AesGcmParams = { name: 'AES-GCM', iv: bufferSource(iv), additionalData: bufferSource(header), tagLength: AES_GCM_TAG_BYTES * 8 };
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params, key, bufferSource(ciphertext)));
  } catch {
    throw decryptFailed();
  }
}

function decryptFailed(): VaultCryptoError {
  return new VaultCryptoError('decrypt_failed', 'Could not decrypt: wrong passphrase or damaged data');
}
