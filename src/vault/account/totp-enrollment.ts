/**
 * Enrolling an authenticator app as a recovery route while unlocked (docs/architecture.md "Recovery
 * routes", TOTP): server-escrowed, which the UI says plainly. Needs a passkey or device session;
 * when there is none (device sign-in unfinished, session ended, or only a recovery session) it
 * signs the device in first.
 */
import type { TotpEnrollStartedT } from '../../../protocol/api';
import type { UnlockedVault } from '../crypto';
import { openDeviceSession } from './device-session';
import { type KeyServer } from '../platform/key-server';
import { KeyServerError } from '../errors';
import { finishTotpEnrollment, startTotpEnrollment } from '../recovery/totp-escrow';
import { failureFromServer } from '../errors';

export type TotpEnrollment = TotpEnrollStartedT;

export interface EnrollContext {
  readonly server: KeyServer;
  readonly unlocked: UnlockedVault;
  readonly deviceId: string;
  readonly origin: string | undefined;
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
export function beginTotpEnrollment(context: EnrollContext): Promise<TotpEnrollment> {
  return withSignedInDevice(context, () => startTotpEnrollment(context.server));
}

/** Step 2: the code proves the app has the secret; S is escrowed under a fresh R. Throws `totp_invalid`. */
export async function completeTotpEnrollment(context: EnrollContext, enrollmentId: string, code: string): Promise<void> {
  await withSignedInDevice(context, () =>
    finishTotpEnrollment({
      server: context.server,
      userId: context.unlocked.userId,
      rootSecret: context.unlocked.rootSecretAccess,
      enrollmentId,
      code: code.replace(/\s/g, ''),
    }),
  );
}
