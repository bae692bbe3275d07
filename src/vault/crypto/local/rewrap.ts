/**
 * Re-wrapping S on this device while unlocked: under a new PIN, or for a PRF passkey
 * (docs/architecture.md "The key hierarchy"). Apart from local-vault.ts, which only onboarding and
 * recovery need, because a PIN change and the Argon2 upgrade run from the first load.
 */
import { VaultCryptoError } from '../../errors';
import { deriveKekFromPrf, wrapRootSecret } from '../hierarchy';
import type { Argon2Params } from '../keys';
import type { LocalVaultRecord, PrfWrap } from './local-vault-record';
import { prfWrapContext } from '../primitives/contexts';
import { assertAcceptablePin, newPinWrap, withRootSecret, type DeriveArgon2, type PrfUnlockInput, type RootSecretAccess, type UnlockedVault } from './unlock';

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
