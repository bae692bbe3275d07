/**
 * A forgotten PIN reset from S (a recovery kit opened it on this device): kept out of
 * local-vault.ts so that only the recovery kit's chunk carries it, not every first load.
 */
import { deriveKeysKey, wrapRootSecret } from '../hierarchy';
import type { Argon2Params, RootSecret } from '../keys';
import type { LocalVaultRecord } from './local-vault-record';
import { assertAcceptablePin, newPinWrap, openVault, type DeriveArgon2, type RootSecretAccess, type UnlockedVault } from './unlock';

/**
 * Replaces wrap_local(S) with a wrap under a new PIN from S itself, the PIN being forgotten (a
 * recovery kit opened S on this device), and opens the vault: the key bundle, device key and PRF
 * wraps stay as they are. Throws `pin_rejected`, `decrypt_failed` (S does not open this record's
 * key bundle). `rootSecret` is not wiped here: its owner wipes it. Never log it or the PIN.
 */
export async function resetPinFromRootSecret(
  record: LocalVaultRecord,
  rootSecret: RootSecret,
  newPin: string,
  argon2: DeriveArgon2,
  options: { readonly params?: Argon2Params; readonly signal?: AbortSignal } = {},
): Promise<{ record: LocalVaultRecord; unlocked: UnlockedVault }> {
  await assertAcceptablePin(newPin);
  const pinWrap = await newPinWrap(record.userId, newPin, argon2, options.params, options.signal);
  const wrappedRootSecret = await wrapRootSecret(rootSecret, pinWrap.kek, pinWrap.ctx);
  const next: LocalVaultRecord = { ...record, pin: { salt: pinWrap.salt, params: pinWrap.params, wrappedRootSecret } };
  const access = { kek: pinWrap.kek, wrapped: wrappedRootSecret, ctx: pinWrap.ctx } as RootSecretAccess;
  return { record: next, unlocked: await openVault(next, await deriveKeysKey(rootSecret), access) };
}
