/**
 * A forgotten PIN on a device that holds the vault (`vault.resetPinWithKit`; docs/architecture.md
 * "Recovery kit"): the recovery code opens this device's copy of the kit wrap, offline, and S is
 * wrapped under a new PIN. Nothing else changes: key bundle, device key, passkeys. The key server's
 * PIN recovery still answers to the old PIN, so the vault says it is not registered, and the next
 * online unlock (this one, if online) registers the new PIN.
 */
import type { VaultCore } from '../core';
import { VaultCryptoError } from '../crypto';
import { resetPinFromRootSecret } from '../crypto/local/reset-pin';
import { VaultError } from '../errors';
import type { StoredVault } from '../platform/local-store';
import type { RecoverOptions } from '../state';
import { checkNewPin, withProgress } from '../unlock/pin-attempts';
import { readRecoveryKitText } from './recovery-code';
import { openRecoveryKit } from './recovery-kit';

/**
 * Runs the reset above and opens the vault. Throws `not_found` (no vault here, or it is open:
 * change the PIN instead), `no_kit_here`, `kit_unreadable`, `kit_invalid`, `pin_mismatch`,
 * `pin_rejected`. Never log the code or the PIN.
 */
export async function resetPinWithKit(core: VaultCore, code: string, newPin: string, confirm: string, options: RecoverOptions = {}): Promise<void> {
  const vault = core.requireVault();
  if (core.session) throw new VaultError('not_found', 'The vault is open: change the PIN in the settings instead.');
  if (!vault.kit) throw new VaultError('no_kit_here');
  const read = readRecoveryKitText(code);
  if (read.username !== null && read.username !== vault.username) throw new VaultError('kit_invalid', 'This kit was made for another username.');
  await checkNewPin(newPin, confirm);
  const { onProgress, signal } = options;
  const rootSecret = await openRecoveryKit(vault.userId, read.code, vault.kit.wrap);
  try {
    onProgress?.('deriving');
    const reset = await resetPinFromRootSecret(vault.record, rootSecret, newPin, withProgress(core.deps.argon2, onProgress), { params: core.argon2Params, signal }).catch(
      (error: unknown) => {
        // The kit opened but its S does not open this vault: a kit of keys this vault no longer has.
        if (error instanceof VaultCryptoError && error.code === 'decrypt_failed') throw new VaultError('kit_invalid', undefined, { cause: error });
        throw error;
      },
    );
    if (core.session) return; // unlocked another way meanwhile: nothing to reset
    const next: StoredVault = { ...(core.stored ?? vault), record: reset.record, pinRecoveryRegistered: false };
    await core.deps.store.writeVault(next);
    core.stored = next;
    // The code proved the owner is here, as a correct PIN would: the PIN wait no longer applies.
    await core.pinAttempts.reset();
    const signedIn = core.open(reset.unlocked);
    onProgress?.('done');
    void core.registerPinRecovery(reset.unlocked, newPin, signedIn);
  } finally {
    rootSecret.fill(0);
  }
}
