import type { LockEverywhereRequestT, LockEverywhereResultT } from '../../protocol/api';
import { lockEverywhereMessage } from '../../protocol/device-signin';
import { KeyholdError } from '../errors';
import { listCredentials } from '../store/accounts';
import { appendAuditEvent } from '../store/audit';
import { consumeChallenge } from '../store/challenges';
import { revokeDevicesExcept, type DeviceRow } from '../store/devices';
import { findAppDevice } from './devices';
import { deletePinRecovery } from '../store/pin-recovery';
import { replaceWrapPrfSet, writeSecret } from '../store/secrets';
import { endSessionsExcept } from '../store/sessions';
import type { Store } from '../store/store';
import { findTotpRecovery } from '../store/totp-recovery';
import { appendInTransaction } from './account-log';
import { isBound, logInvalid, logKeyOf, readLogHead } from './account-log-head';
import { signatureIsValid, type DeviceKeyCache } from './devices';
import type { Pepper } from './pepper';
import { storePinRegistration, takePinRegistration } from './pin-recovery';
import { dropRecoveryKit } from './recovery-kit';
import { rotateTotpEscrow } from './totp';
import { inUserTransaction } from './user-transaction';

/*
 * Lock everywhere (docs/architecture.md "Lock everywhere"). The client has already rotated the
 * root secret S and everything hanging from it; this commits the server's half in one transaction
 * under the user's lock, so that either all of it holds or none of it does:
 *
 *   1. the kept device proves itself: its signature over a device challenge it was issued
 *      (`lockEverywhereMessage`), checked like a device sign-in, and it must not be revoked;
 *   2. every wrap_prf names a passkey of the account; TOTP's new escrow is sent exactly when TOTP
 *      is enrolled (otherwise `recovery_routes_changed`: the client read stale routes);
 *   3. the key bundle is replaced compare-and-set (`stale_version`: someone rotated in between);
 *   4. the wrap_prf set is replaced (a passkey left out loses its wrap: it opened the old S),
 *      TOTP keeps its secret under a new escrow, PIN recovery is registered from the pending
 *      registration or, with none sent, turned off (its wrap opened the old S); the recovery kit
 *      is deleted (its wrap opened the old S, and only its holder can make a new one);
 *   5. every other device (of every app) is revoked and every other session (passkey, device,
 *      recovery; of every app) ends;
 *   6. a logged account's signed log entry (required then: `log_entry_required`) is appended, and
 *      the kept device must be one its log holds (`credential_unbound`).
 *
 * A refusal rolls everything back, the challenges taken included; nothing is audited for it.
 */

export interface LockEverywhereContext {
  readonly userId: string;
  /** The calling session: the one session that survives. */
  readonly sessionIdHash: string;
  /** The origin the device proof is bound to: the request's (http/apps.ts `signedOrigin`). */
  readonly origin: string;
  /** The request's app: the kept device must be one of its devices. */
  readonly appId: string;
  readonly pepper: Pepper;
  readonly keys: DeviceKeyCache;
  readonly allowance: number;
  readonly now: number;
}

/** Checks the kept device's proof in `tx` (the challenge is spent with the rest of the transaction). */
async function proveKeptDevice(tx: Store, req: LockEverywhereRequestT, ctx: LockEverywhereContext): Promise<DeviceRow> {
  // Another app's device is this app's no more than another account's is.
  const device = await findAppDevice(tx, req.keepDeviceId, ctx.appId);
  if (!device || device.user_id !== ctx.userId) throw new KeyholdError('not_found', 'No such device.');
  const issued = await consumeChallenge(tx, req.deviceProof.challenge, 'device', ctx.now);
  if ((JSON.parse(issued.data) as { deviceId: string }).deviceId !== device.id) {
    throw new KeyholdError('challenge_invalid', 'The challenge was issued to another device.');
  }
  if (!signatureIsValid(ctx.keys, device, lockEverywhereMessage(ctx.origin, req.deviceProof.challenge), req.deviceProof.signature)) {
    throw new KeyholdError('signin_failed', 'The device could not prove it is this account\'s device.');
  }
  // After the signature, as at sign-in: only the device's holder learns that it was revoked.
  if (device.revoked_at !== null) throw new KeyholdError('device_revoked', 'This device was removed from the account.');
  return device;
}

/**
 * The account log's part (docs/architecture.md "Signed account log"): a logged account's lock needs
 * its signed entry (the other devices removed, the kit removed, the new PIN recovery, the identity
 * key rotated), and the kept device must be one the log holds. Returns whether to append.
 */
async function checkLogPart(tx: Store, req: LockEverywhereRequestT, ctx: LockEverywhereContext, keptDevice: DeviceRow): Promise<boolean> {
  const head = await readLogHead(tx, ctx.pepper, ctx.userId);
  if ('problem' in head) throw logInvalid();
  if (head.status === 'unlogged') return req.logEntry !== undefined;
  if (!req.logEntry) throw new KeyholdError('log_entry_required', 'This account keeps a signed log: lock everywhere needs its signed entry.');
  if (!isBound(head.state, { kind: 'device', key: logKeyOf(keptDevice), app: keptDevice.app_id })) {
    throw new KeyholdError('credential_unbound', 'The device to keep is not in the account\'s signed log.');
  }
  return true;
}

/** Commits a lock everywhere (steps above). Throws the refusals named there; writes nothing then. */
export function lockEverywhere(store: Store, req: LockEverywhereRequestT, ctx: LockEverywhereContext): Promise<LockEverywhereResultT> {
  const { userId, now } = ctx;
  return inUserTransaction(store, userId, async (tx) => {
    const keptDevice = await proveKeptDevice(tx, req, ctx);
    const appendsToLog = await checkLogPart(tx, req, ctx, keptDevice);
    const passkeys = await listCredentials(tx, userId);
    if (!req.wrapPrf.every((w) => passkeys.some((p) => p.id === w.credentialId))) throw new KeyholdError('not_found', 'No such passkey.');
    const totpEnrolled = (await findTotpRecovery(tx, userId)) !== undefined;
    if (totpEnrolled !== (req.totp !== null)) {
      throw new KeyholdError('recovery_routes_changed', 'The authenticator app route changed since it was read; read the recovery routes again.');
    }
    const pending = req.pin ? await takePinRegistration(tx, req.pin.registrationId, userId, now) : null;

    const keyBundleVersion = await writeSecret(tx, { userId, kind: 'key_bundle', blob: req.keyBundle.blob, expectedVersion: req.keyBundle.expectedVersion }, now);
    const wraps = await replaceWrapPrfSet(tx, userId, req.wrapPrf, now);
    if (req.totp) await rotateTotpEscrow(tx, ctx.pepper, userId, req.totp, now);
    let pinRecovery: LockEverywhereResultT['pinRecovery'] = 'off';
    if (req.pin && pending) {
      await storePinRegistration(tx, userId, req.pin, pending, { now, allowance: ctx.allowance });
      pinRecovery = 'registered';
    } else if (await deletePinRecovery(tx, userId)) {
      pinRecovery = 'removed';
    }
    const kitRemoved = await dropRecoveryKit(tx, userId, 'lock_everywhere', now);
    const devicesRevoked = await revokeDevicesExcept(tx, userId, req.keepDeviceId, now);
    const sessionsEnded = await endSessionsExcept(tx, userId, ctx.sessionIdHash);
    // Last, so its catch-up rules see every removal above; its removals need nothing more (the route demanded a fresh passkey).
    if (appendsToLog) await appendInTransaction(tx, userId, [req.logEntry!], { pepper: ctx.pepper, now, appId: ctx.appId, freshPasskey: true });
    const totp = req.totp ? 'rotated' : 'off';
    await appendAuditEvent(
      tx,
      userId,
      'account.locked_everywhere',
      { devicesRevoked, sessionsEnded, keptDeviceId: req.keepDeviceId, app: ctx.appId, keyBundleVersion, prfWrapsDropped: wraps.dropped.length, pinRecovery, totp, kitRemoved },
      now,
    );
    return {
      devicesRevoked,
      sessionsEnded,
      keyBundleVersion,
      wrapPrf: wraps.stored,
      prfWrapsDropped: wraps.dropped.map((credentialId) => ({ credentialId, name: passkeys.find((p) => p.id === credentialId)?.name ?? '' })),
      pinRecovery,
      totp,
      kitRemoved,
    };
  });
}
