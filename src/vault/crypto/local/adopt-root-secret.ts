/**
 * A device joining an existing account (after a PIN, TOTP or passkey recovery): the recovered S
 * is wrapped under this device's PIN, and the account's key bundle from the server backup is
 * kept as it is, so the user key pair and VK stay the ones every record is wrapped for. Only
 * the device signing key is new: each device has its own (docs/architecture.md "Recovery routes").
 */
import { parseGcmBlob } from '../primitives/aead';
import { deriveKeysKey, wrapRootSecret } from '../hierarchy';
import type { DeviceSigningKeyPair } from '../key-bundle';
import type { Argon2Params, Ciphertext, RootSecret } from '../keys';
import type { LocalVaultRecord } from './local-vault-record';
import { assembleLocalVault } from './local-vault';
import { assertAcceptablePin, newPinWrap, type DeriveArgon2, type UnlockedVault } from './unlock';

export interface AdoptRootSecretOptions {
  readonly userId: string;
  /** The PIN for this device (the recovery PIN or a new one); the PIN policy applies. */
  readonly pin: string;
  /** The recovered S. Not wiped here: its owner wipes it. Never log it. */
  readonly rootSecret: RootSecret;
  /** The key bundle ciphertext from the server backup (the same blob every device stores). */
  readonly keyBundle: string;
  /** The server version it came as: a format 3 bundle opens only if it was sealed for that version. */
  readonly keyBundleVersion: number;
  readonly argon2: DeriveArgon2;
  readonly params?: Argon2Params;
  readonly signal?: AbortSignal;
  /** This device's signing key when it was made before S arrived (an approval from another device names it); else a fresh one. */
  readonly deviceKey?: DeviceSigningKeyPair;
}

/**
 * Builds this device's vault record around a recovered S and the account's key bundle, and opens
 * it (which proves S opens the bundle). Throws `pin_rejected`, `kdf_too_weak`, `malformed_blob`,
 * `decrypt_failed` (a bundle S does not open). Never log the PIN or S.
 */
export async function adoptRootSecret(options: AdoptRootSecretOptions): Promise<{ record: LocalVaultRecord; unlocked: UnlockedVault }> {
  const { userId, pin, rootSecret, argon2, signal } = options;
  await assertAcceptablePin(pin);
  const keyBundle = parseGcmBlob<Ciphertext>(options.keyBundle);
  const pinWrap = await newPinWrap(userId, pin, argon2, options.params, signal);
  const wrappedRootSecret = await wrapRootSecret(rootSecret, pinWrap.kek, pinWrap.ctx);
  return assembleLocalVault(userId, pinWrap, wrappedRootSecret, { blob: keyBundle, version: options.keyBundleVersion }, await deriveKeysKey(rootSecret), options.deviceKey);
}
