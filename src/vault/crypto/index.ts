/**
 * The vault SDK's key hierarchy (docs/architecture.md "The key hierarchy"): WebCrypto only, no UI, no storage,
 * no network. Import from here; hkdf.ts and bytes.ts are internal.
 */
export { encodeAad, open, parseGcmBlob, seal, type AeadContext, type ObjectKind } from './primitives/aead';
export {
  approvalWrapContext,
  deviceKeyContext,
  keyBundleContext,
  kitWrapContext,
  localWrapContext,
  pinRecoveryWrapContext,
  prfWrapContext,
  totpEscrowWrapContext,
  vaultKeyContext,
} from './primitives/contexts';
export { VaultCryptoError, type VaultCryptoErrorCode } from '../errors';
export {
  createRootSecret,
  createUserKeyPair,
  createVaultKey,
  deriveKekFromPinRecovery,
  deriveKekFromPrf,
  deriveKekFromTotpEscrow,
  deriveKekLocal,
  derivePinRecoveryTag,
  deriveKeysKey,
  exportUserPublicKey,
  importRootSecret,
  importUserPublicKey,
  parseRsaWrappedKey,
  unwrapRootSecret,
  unwrapVaultKey,
  wrapRootSecret,
  wrapVaultKey,
  type RootWrapKind,
  type UserKeyPair,
} from './hierarchy';
export {
  createDeviceSigningKey,
  exportDevicePublicJwk,
  openDeviceSigningKey,
  openKeyBundle,
  sealDeviceSigningKey,
  sealKeyBundle,
  signWithDeviceKey,
  type DevicePublicJwk,
  type DeviceSigningKeyPair,
  type IdentityKey,
  type IdentityKeyPair,
  type KeyBundle,
  type OpenedDeviceSigningKey,
  type OpenedKeyBundle,
  type RetiredVaultKey,
} from './key-bundle';
export * from './keys';
export { parseLocalVaultRecord, type LocalVaultRecord, type PrfWrap } from './local/local-vault-record';
export type { PinRefusal, PinVerdict } from './pin/pin-policy';
// records.ts (encrypting and opening records) is imported where used, never through here: it loads
// with the unlocked vault, not with the first load.
export { bindsServerVersion, parseEncryptedRecord, recordApp, type EncryptedRecord, type RecordContext } from './record-format';
// local/local-vault.ts and local/adopt-root-secret.ts (making a new or recovered vault) are imported
// where used, never through here: onboarding and recovery load them, the first load does not.
export { addPrfWrap, changePin } from './local/rewrap';
export {
  deriveKekLocalFromPin,
  normalizePin,
  readableVaultKeys,
  unlockWithPin,
  unlockWithPrf,
  withRootSecret,
  type DeriveArgon2,
  type PrfUnlockInput,
  type RootSecretAccess,
  type UnlockedVault,
} from './local/unlock';
