/**
 * Making and re-wrapping the vault a device keeps: a new hierarchy under a PIN, a recovered one
 * assembled around a PIN wrap, a PIN change, a PRF wrap added (docs/architecture.md "The key
 * hierarchy"). Unlocking what these make is unlock.ts.
 */
import { encodeBase64Url } from '../../../../protocol/base64url';
import { VaultCryptoError } from '../../errors';
import { createRootSecret, createUserKeyPair, createVaultKey, deriveKekFromPrf, deriveKeysKey, wrapRootSecret, wrapVaultKey } from '../hierarchy';
import { createDeviceSigningKey, sealDeviceSigningKey, sealKeyBundle, type DeviceSigningKeyPair, type IdentityKeyPair } from '../key-bundle';
import type { Argon2Params, Ciphertext, KeysKey, WrappedKey } from '../keys';
import type { LocalVaultRecord, PrfWrap } from './local-vault-record';
import { randomBytes, wipe } from '../primitives/bytes';
import { deviceKeyContext, prfWrapContext, vaultKeyContext } from '../primitives/contexts';
import { assertAcceptablePin, newPinWrap, openVault, withRootSecret, type DeriveArgon2, type PrfUnlockInput, type RootSecretAccess, type UnlockedVault } from './unlock';

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

/**
 * Replaces wrap_local(S) with a wrap under a new PIN and a new salt: the old PIN stops working
 * once the returned record is stored. Throws `pin_rejected`. Never log either PIN.
 */
export async function changePin(
  record: LocalVaultRecord,
  unlocked: UnlockedVault,
  newPin: string,
  argon2: DeriveArgon2,
  options: { readonly params?: Argon2Params; readonly signal?: AbortSignal } = {},
): Promise<{ record: LocalVaultRecord; unlocked: UnlockedVault }> {
  if (record.userId !== unlocked.userId) throw new VaultCryptoError('invalid_context', 'The record belongs to another user');
  await assertAcceptablePin(newPin);
  const pinWrap = await newPinWrap(record.userId, newPin, argon2, options.params, options.signal);
  const wrappedRootSecret = await withRootSecret(unlocked.rootSecretAccess, (rootSecret) =>
    wrapRootSecret(rootSecret, pinWrap.kek, pinWrap.ctx),
  );
  return {
    record: { ...record, pin: { salt: pinWrap.salt, params: pinWrap.params, wrappedRootSecret } },
    unlocked: {
      ...unlocked,
      rootSecretAccess: { kek: pinWrap.kek, wrapped: wrappedRootSecret, ctx: pinWrap.ctx } as RootSecretAccess,
    },
  };
}

/** Adds (or replaces) wrap_prf(S) for a credential. Returns the new record and the wrap to upload; never log the PRF output. */
export async function addPrfWrap(
  record: LocalVaultRecord,
  unlocked: UnlockedVault,
  input: PrfUnlockInput,
): Promise<{ record: LocalVaultRecord; wrap: PrfWrap }> {
  if (record.userId !== unlocked.userId) throw new VaultCryptoError('invalid_context', 'The record belongs to another user');
  const kek = await deriveKekFromPrf(input.prfOutput);
  const ctx = prfWrapContext(record.userId, input.credentialId);
  const wrappedRootSecret = await withRootSecret(unlocked.rootSecretAccess, (rootSecret) =>
    wrapRootSecret(rootSecret, kek, ctx),
  );
  const wrap: PrfWrap = { credentialId: input.credentialId, wrappedRootSecret };
  const others = record.prf.filter((existing) => existing.credentialId !== input.credentialId);
  return { record: { ...record, prf: [...others, wrap] }, wrap };
}
