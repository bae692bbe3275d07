import { changePin as rewrapUnderPin, type Argon2Params, type Argon2ParamsFields, type DeriveArgon2, type UnlockedVault } from '../crypto';
import type { StoredVault } from '../platform/local-store';

/** True when any stored Argon2 parameter is below the target (the target only ever rises). */
export function isWeakerThan(stored: Argon2ParamsFields, target: Argon2Params): boolean {
  return stored.memoryKiB < target.memoryKiB || stored.iterations < target.iterations || stored.parallelism < target.parallelism;
}

/**
 * Re-wraps S under the same PIN with the target Argon2 parameters, so raising the parameters in
 * a release strengthens every vault at its next PIN unlock (DESIGN: parameters travel with each
 * wrap). Returns the vault to store, or null when it is already as strong. Needs the PIN, which
 * exists only during an unlock; it is used here and never kept or logged.
 */
export async function strengthenPinWrap(
  vault: StoredVault,
  unlocked: UnlockedVault,
  pin: string,
  argon2: DeriveArgon2,
  target: Argon2Params,
): Promise<StoredVault | null> {
  if (!isWeakerThan(vault.record.pin.params, target)) return null;
  const { record } = await rewrapUnderPin(vault.record, unlocked, pin, argon2, { params: target });
  return { ...vault, record };
}
