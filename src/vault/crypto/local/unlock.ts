/**
 * Unlocking the vault a device keeps, with the PIN or a PRF passkey (local-vault.ts makes and
 * re-wraps it). docs/architecture.md "The key hierarchy":
 *
 *   KEK_local = HKDF(Argon2id(PIN, salt), salt, "keyhold/kek-local/v1")   wraps S
 *   KEK_prf   = HKDF(PRF output, "keyhold/kek-prf/v1")                    wraps S
 *   K_keys    = HKDF(S, "keyhold/keys/v1")    opens the key bundle → RSA private key → VK
 *
 * Argon2id runs wherever the caller says (the app passes the worker bridge, tests a fake): this
 * module only needs a function with `DeriveArgon2`'s shape, e.g. `argon2Client.hash.bind(argon2Client)`.
 */
import { decodeBase64Url, encodeBase64Url } from '../../../../protocol/base64url';
import { ARGON2_HASH_LENGTH, ARGON2_SALT_BYTES } from '../../../../protocol/constants';
import type { AeadContext } from '../primitives/aead';
import { randomBytes, utf8, wipe } from '../primitives/bytes';
import { deviceKeyContext, localWrapContext, prfWrapContext, vaultKeyContext } from '../primitives/contexts';
import { VaultCryptoError } from '../../errors';
import { deriveKekFromPrf, deriveKekLocal, deriveKeysKey, unwrapRootSecret, unwrapVaultKey, type RootWrapKind } from '../hierarchy';
import { openDeviceSigningKey, openKeyBundle, type IdentityKey, type OpenedDeviceSigningKey } from '../key-bundle';
import {
  DEFAULT_ARGON2_PARAMS,
  parseArgon2Params,
  type Argon2Params,
  type Branded,
  type Kek,
  type KeysKey,
  type RootSecret,
  type UserPrivateKey,
  type UserPublicKey,
  type VaultKey,
  type WrappedKey,
} from '../keys';
import type { LocalVaultRecord } from './local-vault-record';

/** Argon2id(password, salt) with `params` (RFC 9106): the 32-byte tag. Argon2Client.hash has this shape. */
export type DeriveArgon2 = (
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2Params,
  signal?: AbortSignal,
) => Promise<Uint8Array>;

/**
 * How to reach S again while unlocked, to wrap it for a new PIN or passkey: the non-extractable
 * KEK that opened it and the wrap it opened. S itself is not kept, raw or otherwise.
 */
export type RootSecretAccess = Branded<
  { readonly kek: Kek; readonly wrapped: WrappedKey; readonly ctx: AeadContext<RootWrapKind> },
  'RootSecretAccess'
>;

/** The vault while unlocked: non-extractable keys only. Locking drops the reference; never log any field. */
export interface UnlockedVault {
  readonly userId: string;
  readonly keysKey: KeysKey;
  readonly vaultId: string;
  /** VK: new records are written under it. */
  readonly vaultKey: VaultKey;
  /** The vault keys earlier rotations retired, newest first: records written before them open with these. */
  readonly retiredVaultKeys: readonly VaultKey[];
  readonly userPublicKey: UserPublicKey;
  readonly userPrivateKey: UserPrivateKey;
  readonly deviceKey: OpenedDeviceSigningKey & { readonly id: string };
  readonly rootSecretAccess: RootSecretAccess;
  /** The account's identity key, from a v4 key bundle (signs the account log); absent in older bundles. */
  readonly identity?: IdentityKey;
}

/**
 * NFKC (Unicode UAX #15): full-width digits from an East Asian keyboard become ASCII digits and
 * composed and decomposed accents become one form, so the same keys always give the same bytes.
 * Defined here, beside the hashing: unlocking needs it, while the PIN policy (pin-policy.ts) and
 * its blocklists load only when a new PIN is chosen.
 */
export function normalizePin(pin: string): string {
  return pin.normalize('NFKC');
}

/** KEK_local = HKDF(Argon2id(UTF-8 of NFKC(PIN), salt), salt). Returns a non-extractable key; never log the PIN or the tag. */
export async function deriveKekLocalFromPin(
  pin: string,
  salt: Uint8Array,
  params: Argon2Params,
  argon2: DeriveArgon2,
  signal?: AbortSignal,
): Promise<Kek> {
  const password = utf8.encode(normalizePin(pin));
  let pinRoot: Uint8Array | undefined;
  try {
    pinRoot = await argon2(password, salt, params, signal);
    if (!(pinRoot instanceof Uint8Array) || pinRoot.length !== ARGON2_HASH_LENGTH) {
      throw new VaultCryptoError('kdf_failed', 'Argon2 returned a tag of the wrong length');
    }
    return await deriveKekLocal(pinRoot, salt);
  } finally {
    wipe(password);
    wipe(pinRoot);
  }
}

/** Runs `use` with S in raw form and wipes it afterwards. Never log S or keep it past `use`. */
export async function withRootSecret<T>(
  access: RootSecretAccess,
  use: (rootSecret: RootSecret) => Promise<T>,
): Promise<T> {
  const rootSecret = await unwrapRootSecret(access.wrapped, access.kek, access.ctx);
  try {
    return await use(rootSecret);
  } finally {
    wipe(rootSecret);
  }
}

/** Throws `pin_rejected` for a PIN the policy refuses. The policy and its blocklists load on first use. */
export async function assertAcceptablePin(pin: string): Promise<void> {
  const { checkPin } = await import('../pin/pin-policy');
  const verdict = checkPin(pin);
  if (!verdict.ok) throw new VaultCryptoError('pin_rejected', verdict.message);
}

/** A fresh salt and the KEK_local it gives with `pin`: the makings of a new wrap_local(S). Internal to crypto/ (not in index.ts). */
export async function newPinWrap(
  userId: string,
  pin: string,
  argon2: DeriveArgon2,
  params: Argon2Params | undefined,
  signal: AbortSignal | undefined,
) {
  const checkedParams = parseArgon2Params(params ?? DEFAULT_ARGON2_PARAMS);
  const salt = randomBytes(ARGON2_SALT_BYTES);
  const saltB64 = encodeBase64Url(salt);
  const kek = await deriveKekLocalFromPin(pin, salt, checkedParams, argon2, signal);
  return { kek, ctx: localWrapContext(userId, saltB64), salt: saltB64, params: checkedParams };
}

function decodeSalt(saltB64: string): Uint8Array {
  try {
    const salt = decodeBase64Url(saltB64);
    if (salt.length >= ARGON2_SALT_BYTES) return salt;
  } catch {
    // reported below
  }
  throw new VaultCryptoError('malformed_blob', 'The stored Argon2 salt is malformed');
}

/** Opens everything under K_keys: the same path for a new vault and every unlock route. */
export async function openVault(record: LocalVaultRecord, keysKey: KeysKey, rootSecretAccess: RootSecretAccess): Promise<UnlockedVault> {
  const { userId } = record;
  const bundle = await openKeyBundle(record.keyBundle, keysKey, userId, record.keyBundleVersion);
  const vaultKey = await unwrapVaultKey(bundle.wrappedVaultKey, bundle.userPrivateKey, vaultKeyContext(userId, bundle.vaultId));
  const retiredVaultKeys = await Promise.all(
    bundle.retired.map((retired) => unwrapVaultKey(retired.wrappedVaultKey, bundle.userPrivateKey, vaultKeyContext(userId, retired.vaultId))),
  );
  const device = await openDeviceSigningKey(record.deviceKey.sealed, keysKey, deviceKeyContext(userId, record.deviceKey.id));
  return {
    userId,
    keysKey,
    vaultId: bundle.vaultId,
    vaultKey,
    retiredVaultKeys,
    userPublicKey: bundle.userPublicKey,
    userPrivateKey: bundle.userPrivateKey,
    deviceKey: { ...device, id: record.deviceKey.id },
    rootSecretAccess,
    ...(bundle.identity && { identity: bundle.identity }),
  };
}

/** Every vault key a record of this vault may be under: the current one first, then the retired ones. */
export function readableVaultKeys(vault: UnlockedVault): readonly VaultKey[] {
  return [vault.vaultKey, ...vault.retiredVaultKeys];
}

/** Opens S with `kek` (or throws `failure`), derives K_keys, wipes S, opens the vault. */
async function unlockWith(
  record: LocalVaultRecord,
  kek: Kek,
  wrapped: WrappedKey,
  ctx: AeadContext<RootWrapKind>,
  failure: VaultCryptoError,
): Promise<UnlockedVault> {
  const access = { kek, wrapped, ctx } as RootSecretAccess;
  let keysKey: KeysKey;
  try {
    keysKey = await withRootSecret(access, deriveKeysKey);
  } catch (error) {
    // Only a failed open of S means a wrong PIN or passkey; anything later is damage, reported as is.
    if (error instanceof VaultCryptoError && error.code === 'decrypt_failed') throw failure;
    throw error;
  }
  return openVault(record, keysKey, access);
}

/** Unlocks with the PIN. Throws `wrong_pin`, `kdf_too_weak` for downgraded stored params. Never log the PIN. */
export async function unlockWithPin(
  record: LocalVaultRecord,
  pin: string,
  argon2: DeriveArgon2,
  signal?: AbortSignal,
): Promise<UnlockedVault> {
  const params = parseArgon2Params(record.pin.params);
  const salt = decodeSalt(record.pin.salt);
  const kek = await deriveKekLocalFromPin(pin, salt, params, argon2, signal);
  const wrongPin = new VaultCryptoError('wrong_pin', 'The PIN is not correct');
  return unlockWith(record, kek, record.pin.wrappedRootSecret, localWrapContext(record.userId, record.pin.salt), wrongPin);
}

export interface PrfUnlockInput {
  /** WebAuthn credential id, base64url. */
  readonly credentialId: string;
  /** `clientExtensionResults.prf.results.first`: stays in the browser, never sent to the server. */
  readonly prfOutput: Uint8Array;
}

/** Unlocks with a PRF passkey's output. Throws `prf_unlock_failed`. Never log the PRF output. */
export async function unlockWithPrf(record: LocalVaultRecord, input: PrfUnlockInput): Promise<UnlockedVault> {
  const failure = new VaultCryptoError('prf_unlock_failed', 'This passkey does not unlock the vault');
  const wrap = record.prf.find((w) => w.credentialId === input.credentialId);
  if (!wrap) throw failure;
  const kek = await deriveKekFromPrf(input.prfOutput);
  return unlockWith(record, kek, wrap.wrappedRootSecret, prfWrapContext(record.userId, input.credentialId), failure);
}
