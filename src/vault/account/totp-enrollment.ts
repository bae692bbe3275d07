/**
 * Enrolling an authenticator app as a recovery route while unlocked (docs/architecture.md "Recovery
 * routes", TOTP): server-escrowed, which the UI says plainly. Needs a passkey or device session;
 * when there is none (device sign-in unfinished, session ended, or only a recovery session) it
 * signs the device in first. Once enrolled, the secret's identifier (totpLogId of the secret this
 * device was shown, never the secret) is signed into the account log: the server answers to the
 * app's codes only then.
 */
import { totpLogId } from '../../../protocol/account-log';
import type { LogEntryT, TotpEnrollStartedT } from '../../../protocol/api';
import { decodeBase32 } from '../../../protocol/base32';
import type { VaultCore } from '../core';
import type { UnlockedVault } from '../crypto';
import { openDeviceSession } from './device-session';
import { type KeyServer } from '../platform/key-server';
import { KeyServerError, VaultError } from '../errors';
import { finishTotpEnrollment, startTotpEnrollment } from '../recovery/totp-escrow';
import { failureFromServer } from '../errors';

export type TotpEnrollment = TotpEnrollStartedT;

export interface EnrollContext {
  readonly server: KeyServer;
  readonly unlocked: UnlockedVault;
  readonly deviceId: string;
  readonly origin: string | undefined;
}

/** Each open vault's enrolments under way: enrollment id → the log id of the secret it showed (not the secret). */
const logIdsOf = new WeakMap<VaultCore, Map<string, string>>();

function enrollContext(core: VaultCore): EnrollContext {
  const session = core.requireSession();
  return { server: core.deps.server, unlocked: session.unlocked, deviceId: core.requireVault().deviceId, origin: core.env.origin };
}

async function withSignedInDevice<T>(context: EnrollContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // No session, an expired one, or the recovery session a new device starts with: a device sign-in replaces it.
    const gone = error instanceof KeyServerError && ['unauthenticated', 'session_expired', 'forbidden_scope'].includes(error.serverCode);
    if (!gone || !context.origin) throw failureFromServer(error);
    try {
      await openDeviceSession(context.server, context.deviceId, context.unlocked.deviceKey.privateKey, context.origin);
      return await call();
    } catch (retryError) {
      throw failureFromServer(retryError);
    }
  }
}

/** Step 1: the otpauth:// URI (for the QR code) and the secret as text. Throws `offline`, `server_error`. */
export async function beginTotpEnrollment(core: VaultCore): Promise<TotpEnrollment> {
  const context = enrollContext(core);
  const enrollment = await withSignedInDevice(context, () => startTotpEnrollment(context.server));
  const logIds = logIdsOf.get(core) ?? new Map<string, string>();
  logIdsOf.set(core, logIds.set(enrollment.enrollmentId, totpLogId(context.unlocked.userId, decodeBase32(enrollment.secret))));
  return enrollment;
}

/**
 * Step 2: the code proves the app has the secret; S is escrowed under a fresh R, and the secret's
 * id signed into the log in the same request, which the server commits with the enrolment (an
 * account without a log: none). Throws `totp_invalid`, `account_log_unverified`.
 */
export async function completeTotpEnrollment(core: VaultCore, enrollmentId: string, code: string): Promise<void> {
  const context = enrollContext(core);
  const finish = (logEntry?: LogEntryT) =>
    finishTotpEnrollment({
      server: context.server,
      userId: context.unlocked.userId,
      rootSecret: context.unlocked.rootSecretAccess,
      enrollmentId,
      code: code.replace(/\s/g, ''),
      ...(logEntry && { logEntry }),
    });
  const logId = logIdsOf.get(core)?.get(enrollmentId);
  if (!logId) {
    // Begun on another page load: nothing here to sign with; the server refuses it on a logged account.
    await withSignedInDevice(context, () => finish());
    return;
  }
  let sent: boolean;
  try {
    sent = (await core.accountLog.setUpWithEntry({ op: 'totp.add', id: logId }, (logEntry) => finish(logEntry))) !== undefined;
  } catch (error) {
    // The enrolment is gone: an earlier try of this one may have landed with its answer lost.
    const gone = error instanceof Error && error.cause instanceof KeyServerError && error.cause.serverCode === 'challenge_invalid';
    if (!gone || !(await enrolledBefore(context, logId))) throw error;
    sent = true;
  }
  // Nothing sent when the log already names this secret: that same earlier try, seen by a sync since.
  if (!sent && !(await enrolledBefore(context, logId))) throw new VaultError('account_log_unverified', 'The account log names this authenticator app, but the key server does not hold it.');
  logIdsOf.get(core)?.delete(enrollmentId);
}

/** Whether the key server holds the enrolment whose secret has `logId`, and its log names it. */
async function enrolledBefore(context: EnrollContext, logId: string): Promise<boolean> {
  const status = await withSignedInDevice(context, () => context.server.recoveryStatus());
  return status.totp.enrolled && status.logIds.totp === logId;
}
