/**
 * Making the vault a device keeps: a new hierarchy under a PIN, or a recovered one assembled
 * around a PIN wrap (docs/architecture.md "The key hierarchy"). Re-wrapping it is rewrap.ts,
 * unlocking it unlock.ts. Only onboarding and recovery load this (outside the first load's chunk).
 */
import { encodeBase64Url } from '../../../../protocol/base64url';
import { createRootSecret, createUserKeyPair, createVaultKey, deriveKeysKey, wrapRootSecret, wrapVaultKey } from '../hierarchy';
import { createDeviceSigningKey, sealDeviceSigningKey, sealKeyBundle, type DeviceSigningKeyPair, type IdentityKeyPair } from '../key-bundle';
import type { Argon2Params, Ciphertext, KeysKey, WrappedKey } from '../keys';
import type { LocalVaultRecord } from './local-vault-record';
import { randomBytes, wipe } from '../primitives/bytes';
import { deviceKeyContext, vaultKeyContext } from '../primitives/contexts';
import { assertAcceptablePin, newPinWrap, openVault, type DeriveArgon2, type RootSecretAccess, type UnlockedVault } from './unlock';

export interface CreateLocalVaultOptions {
  readonly userId: string;
  readonly pin: string;
  readonly argon2: DeriveArgon2;
  /** Defaults to DEFAULT_ARGON2_PARAMS; anything weaker is refused with `kdf_too_weak`. */
  readonly params?: Argon2Params;
  readonly signal?: AbortSignal;
  /** The server version the key bundle will be uploaded as (default 1: an account's first bundle); its AAD binds it. */
  readonly keyBundleVersion?: number;
  /** The account's identity key (account-log/identity-key.ts): the bundle is then v4. */
  readonly identity?: IdentityKeyPair;
}

/**
 * Creates a user's whole hierarchy: S, wrap_local(S), K_keys, user key pair, VK, key bundle and
 * device key. Returns the record to store and the unlocked vault. Throws `pin_rejected`
 * (PIN policy), `kdf_too_weak`. Never log the PIN.
 */
export async function createLocalVault(
  options: CreateLocalVaultOptions,
): Promise<{ record: LocalVaultRecord; unlocked: UnlockedVault }> {
  const { userId, pin, argon2, signal } = options;
  await assertAcceptablePin(pin);
  const pinWrap = await newPinWrap(userId, pin, argon2, options.params, signal);

  const rootSecret = createRootSecret();
  let wrappedRootSecret: WrappedKey;
  let keysKey: KeysKey;
  try {
    wrappedRootSecret = await wrapRootSecret(rootSecret, pinWrap.kek, pinWrap.ctx);
    keysKey = await deriveKeysKey(rootSecret);
  } finally {
    wipe(rootSecret);
  }

  const userKeyPair = await createUserKeyPair();
  const vaultId = encodeBase64Url(randomBytes(16));
  // The extractable VK is used for this one wrap; the session gets the non-extractable unwrap.
  const wrappedVaultKey = await wrapVaultKey(await createVaultKey(), userKeyPair.publicKey, vaultKeyContext(userId, vaultId));
  const version = options.keyBundleVersion ?? 1;
  const keyBundle = await sealKeyBundle({ userKeyPair, vaultId, wrappedVaultKey, ...(options.identity && { identity: options.identity }) }, keysKey, userId, version);
  return assembleLocalVault(userId, pinWrap, wrappedRootSecret, { blob: keyBundle, version }, keysKey);
}

/**
 * The record of a vault on this device around a PIN wrap of S and a key bundle, with a fresh
 * device signing key (or `deviceKey`, made earlier: an approval names it before S arrives), opened
 * (which proves S opens the bundle). Shared by a new vault and a recovered one. Never log what it returns.
 */
export async function assembleLocalVault(
  userId: string,
  pinWrap: Awaited<ReturnType<typeof newPinWrap>>,
  wrappedRootSecret: WrappedKey,
  keyBundle: { readonly blob: Ciphertext; readonly version: number },
  keysKey: KeysKey,
  deviceKey?: DeviceSigningKeyPair,
): Promise<{ record: LocalVaultRecord; unlocked: UnlockedVault }> {
  const deviceKeyId = encodeBase64Url(randomBytes(16));
  const record: LocalVaultRecord = {
    v: 1,
    userId,
    pin: { salt: pinWrap.salt, params: pinWrap.params, wrappedRootSecret },
    prf: [],
    keyBundle: keyBundle.blob,
    keyBundleVersion: keyBundle.version,
    deviceKey: {
      id: deviceKeyId,
      sealed: await sealDeviceSigningKey(deviceKey ?? (await createDeviceSigningKey()), keysKey, deviceKeyContext(userId, deviceKeyId)),
    },
  };
  const access = { kek: pinWrap.kek, wrapped: wrappedRootSecret, ctx: pinWrap.ctx } as RootSecretAccess;
  return { record, unlocked: await openVault(record, keysKey, access) };
}
