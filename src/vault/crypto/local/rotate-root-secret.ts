/**
 * Rotating the whole key hierarchy on this device (docs/architecture.md "Lock everywhere"): a new
 * root secret S', so a new K_keys, a new user key pair and a new vault key VK'. What a removed
 * device kept (S, K_keys, the old key pair, VK) opens nothing made here.
 *
 *   S'        fresh; wrapped under the PIN (a fresh Argon2 salt) and, when given, under the PRF of
 *             the passkey just used; nothing else is wrapped here (the caller makes the recovery
 *             routes' wraps through the returned vault's `rootSecretAccess`)
 *   bundle    v3, or v4 with a new identity key (key-bundle.ts): the new key pair, VK' as the current vault key, and every earlier
 *             vault key re-wrapped under the new public key (retired), so records written before
 *             stay readable while records written afterwards get DEKs under VK' only
 *   device    the same signing key and key id, sealed again under the new K_keys
 *
 * Only lock everywhere runs this: it loads with that call, outside the first load's vault-core
 * chunk (vite.config.ts), and so do the two re-wrapping steps below.
 */
import { decodeBase64Url, encodeBase64Url } from '../../../../protocol/base64url';
import { VaultCryptoError } from '../../errors';
import {
  RSA_BLOB_V1,
  VAULT_KEY_USAGES,
  createRootSecret,
  createUserKeyPair,
  createVaultKey,
  deriveKekFromPrf,
  deriveKeysKey,
  wrapRootSecret,
  wrapVaultKey,
} from '../hierarchy';
import { openKeyBundle, sealKeyBundle, type IdentityKeyPair } from '../key-bundle';
import type { Argon2Params, Ciphertext, KeysKey, RsaWrappedKey, UserPrivateKey, UserPublicKey, VaultKey, WrappedKey } from '../keys';
import { encodeAad, open, seal, type AeadContext } from '../primitives/aead';
import { bufferSource, randomBytes, wipe } from '../primitives/bytes';
import { deviceKeyContext, prfWrapContext, vaultKeyContext } from '../primitives/contexts';
import type { LocalVaultRecord, PrfWrap } from './local-vault-record';
import { newPinWrap, openVault, type DeriveArgon2, type PrfUnlockInput, type RootSecretAccess, type UnlockedVault } from './unlock';

/**
 * VK opened with the old private key and wrapped under the new public key, same context (the vault
 * id stays). VK is extractable only inside this call, because wrapKey needs it so; throws
 * `decrypt_failed`. Never log it.
 */
export async function rewrapVaultKey(wrapped: RsaWrappedKey, privateKey: UserPrivateKey, publicKey: UserPublicKey, ctx: AeadContext<'vault-key'>): Promise<RsaWrappedKey> {
  let vaultKey: CryptoKey;
  try {
    const bytes = bufferSource(decodeBase64Url(wrapped));
    if (bytes[0] !== RSA_BLOB_V1) throw new Error('unknown RSA blob version');
    vaultKey = await crypto.subtle.unwrapKey('raw', bytes.subarray(1), privateKey, { name: 'RSA-OAEP', label: encodeAad(ctx) }, 'AES-GCM', true, [...VAULT_KEY_USAGES]);
  } catch {
    throw new VaultCryptoError('decrypt_failed', 'Could not decrypt: wrong key, wrong context or damaged data');
  }
  return wrapVaultKey(vaultKey as VaultKey, publicKey, ctx);
}

/**
 * A blob sealed under `from` sealed again, unchanged, under `to` in the same context (the device
 * signing key moving to the new K_keys): its plaintext was authenticated by the open and is wiped
 * after. Throws `decrypt_failed`. Never log what passes through.
 */
export async function resealUnder(sealed: Ciphertext, from: KeysKey, to: KeysKey, ctx: AeadContext): Promise<Ciphertext> {
  const plaintext = await open(from, sealed, ctx);
  try {
    return await seal(to, plaintext, ctx);
  } finally {
    wipe(plaintext);
  }
}

export interface RotateRootSecretOptions {
  /** This device's vault record; its key bundle is the one rotated (the server's copy, when the caller read it). */
  readonly record: LocalVaultRecord;
  /** The open vault: its K_keys opens `record.keyBundle` and the sealed device key. */
  readonly unlocked: UnlockedVault;
  /** The PIN this device keeps (already verified by the caller). Never log it. */
  readonly pin: string;
  readonly argon2: DeriveArgon2;
  readonly params?: Argon2Params;
  /** The PRF output of the passkey just used, for its wrap of S'; wiped by its owner. Never log it. */
  readonly prf?: PrfUnlockInput | null;
  /** The server version the rotated bundle will be stored as (the compare-and-set's expected version + 1). */
  readonly keyBundleVersion: number;
  /** A new identity key for the rotated bundle (v4), when the account log rotates it too. */
  readonly identity?: IdentityKeyPair;
  readonly signal?: AbortSignal;
}

export interface RotatedVault {
  /** The record to store once the key server has taken the rotation. */
  readonly record: LocalVaultRecord;
  /** The vault opened on the new keys (which proves they open). Never log any field. */
  readonly unlocked: UnlockedVault;
  /** The passkey's wrap of S', to upload with the rest; null without a PRF output. */
  readonly prfWrap: PrfWrap | null;
}

/**
 * Makes S', K_keys', a new user key pair, VK', the v2 bundle and the wraps above. Throws
 * `decrypt_failed` when `unlocked` does not open `record.keyBundle` (another rotation got there
 * first), `kdf_too_weak`. Changes nothing stored: the caller stores `record` after the server took it.
 */
export async function rotateRootSecret(options: RotateRootSecretOptions): Promise<RotatedVault> {
  const { record, unlocked, prf } = options;
  const { userId } = record;
  if (unlocked.userId !== userId) throw new VaultCryptoError('invalid_context', 'The record belongs to another user');
  const old = await openKeyBundle(record.keyBundle, unlocked.keysKey, userId, record.keyBundleVersion);
  const pinWrap = await newPinWrap(userId, options.pin, options.argon2, options.params, options.signal);

  const rootSecret = createRootSecret();
  let keysKey: KeysKey;
  let wrappedRootSecret: WrappedKey;
  let prfWrap: PrfWrap | null = null;
  try {
    keysKey = await deriveKeysKey(rootSecret);
    wrappedRootSecret = await wrapRootSecret(rootSecret, pinWrap.kek, pinWrap.ctx);
    if (prf) {
      const kek = await deriveKekFromPrf(prf.prfOutput);
      prfWrap = { credentialId: prf.credentialId, wrappedRootSecret: await wrapRootSecret(rootSecret, kek, prfWrapContext(userId, prf.credentialId)) };
    }
  } finally {
    wipe(rootSecret);
  }

  const userKeyPair = await createUserKeyPair();
  const vaultId = encodeBase64Url(randomBytes(16));
  // The extractable VK' is used for this one wrap; the session gets the non-extractable unwrap.
  const wrappedVaultKey = await wrapVaultKey(await createVaultKey(), userKeyPair.publicKey, vaultKeyContext(userId, vaultId));
  const earlier = [{ vaultId: old.vaultId, wrappedVaultKey: old.wrappedVaultKey }, ...old.retired];
  const retired = await Promise.all(
    earlier.map(async ({ vaultId: id, wrappedVaultKey: wrapped }) => ({
      vaultId: id,
      wrappedVaultKey: await rewrapVaultKey(wrapped, old.userPrivateKey, userKeyPair.publicKey, vaultKeyContext(userId, id)),
    })),
  );
  const bundle = { userKeyPair, vaultId, wrappedVaultKey, retired, ...(options.identity && { identity: options.identity }) };
  const keyBundle = await sealKeyBundle(bundle, keysKey, userId, options.keyBundleVersion);
  const deviceKeyId = record.deviceKey.id;
  const sealedDeviceKey = await resealUnder(record.deviceKey.sealed, unlocked.keysKey, keysKey, deviceKeyContext(userId, deviceKeyId));

  const next: LocalVaultRecord = {
    v: 1,
    userId,
    pin: { salt: pinWrap.salt, params: pinWrap.params, wrappedRootSecret },
    // Every other PRF wrap this device held opens only the old S.
    prf: prfWrap ? [prfWrap] : [],
    keyBundle,
    keyBundleVersion: options.keyBundleVersion,
    deviceKey: { id: deviceKeyId, sealed: sealedDeviceKey },
  };
  const access = { kek: pinWrap.kek, wrapped: wrappedRootSecret, ctx: pinWrap.ctx } as RootSecretAccess;
  return { record: next, unlocked: await openVault(next, keysKey, access), prfWrap };
}
