import type { RecoveryStatusT } from '../../protocol/api';
import { KeyholdError } from '../errors';
import { appendAuditEvent } from '../store/audit';
import { deletePinRecovery, findPinRecovery } from '../store/pin-recovery';
import type { Store } from '../store/store';
import { deleteTotpRecovery, findTotpRecovery } from '../store/totp-recovery';
import { recoveryKitStatus } from './recovery-kit';
import { inUserTransaction } from './user-transaction';

/** Which recovery routes the account has, for the settings screen: guesses left, TOTP lock, the kit's date. No secrets. */
export async function recoveryStatus(store: Store, userId: string): Promise<RecoveryStatusT> {
  const [pin, totp, kit] = await Promise.all([findPinRecovery(store, userId), findTotpRecovery(store, userId), recoveryKitStatus(store, userId)]);
  return {
    pin: { active: pin !== undefined, guessesLeft: pin?.guesses_left ?? null, allowance: pin?.allowance ?? null, updatedAt: pin?.updated_at ?? null },
    totp: { enrolled: totp !== undefined, locked: totp?.locked === 1, enrolledAt: totp?.enrolled_at ?? null },
    kit,
  };
}

/** Turns a route off (the caller has checked for a passkey session); `recovery_not_set_up` if it was off. */
export async function removeRecoveryRoute(store: Store, userId: string, route: 'pin' | 'totp', now: number): Promise<void> {
  await inUserTransaction(store, userId, async (tx) => {
    const removed = route === 'pin' ? await deletePinRecovery(tx, userId) : await deleteTotpRecovery(tx, userId);
    if (!removed) throw new KeyholdError('recovery_not_set_up', route === 'pin' ? 'PIN recovery is not set up.' : 'TOTP recovery is not set up.');
    await appendAuditEvent(tx, userId, route === 'pin' ? 'recovery.pin.removed' : 'recovery.totp.removed', {}, now);
  });
}
