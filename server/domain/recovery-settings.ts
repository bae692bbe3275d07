import { totpLogId } from '../../protocol/account-log';
import type { RecoveryStatusT } from '../../protocol/api';
import { decodeBase32 } from '../../protocol/base32';
import { encodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import { findRecoveryKit } from '../store/recovery-kits';
import { appendAuditEvent } from '../store/audit';
import { deletePinRecovery, findPinRecovery } from '../store/pin-recovery';
import type { Store } from '../store/store';
import { deleteTotpRecovery, findTotpRecovery } from '../store/totp-recovery';
import type { Pepper } from './pepper';
import { recoveryKitStatus } from './recovery-kit';
import { totpSecretContext } from './totp';
import { inUserTransaction } from './user-transaction';

/**
 * Which recovery routes the account has, for the settings screen: guesses left, TOTP lock, the kit's
 * date; and each route's identifier in the account log (`logIds`: the digests the log itself names,
 * never a secret), which a migration's genesis vouches for once the person confirmed the routes.
 */
export async function recoveryStatus(store: Store, pepper: Pepper, userId: string): Promise<RecoveryStatusT> {
  const [pin, totp, kit, kitRow] = await Promise.all([findPinRecovery(store, userId), findTotpRecovery(store, userId), recoveryKitStatus(store, userId), findRecoveryKit(store, userId)]);
  const totpSecret = totp && new TextDecoder().decode(pepper.open(totp.sealed_secret, totpSecretContext(userId)));
  return {
    pin: { active: pin !== undefined, guessesLeft: pin?.guesses_left ?? null, allowance: pin?.allowance ?? null, updatedAt: pin?.updated_at ?? null },
    totp: { enrolled: totp !== undefined, locked: totp?.locked === 1, enrolledAt: totp?.enrolled_at ?? null },
    kit,
    logIds: {
      pin: pin ? encodeBase64Url(Buffer.from(pin.tag_digest, 'hex')) : null,
      totp: totpSecret ? totpLogId(userId, decodeBase32(totpSecret)) : null,
      kit: kitRow?.auth_hash ?? null,
    },
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
