/**
 * TOTP recovery for the vault SDK (docs/architecture.md "Recovery routes"): the client wraps S under a random
 * R and escrows R with the server, which releases it only for a valid, unused TOTP code. The
 * server (with its pepper) could open this escrow: the app says so, and asks for a new PIN after
 * a TOTP recovery, which re-registers PIN recovery. Server side: server/domain/totp.ts.
 */
import type { LogEntryT, SessionInfoT, TotpEnrollStartedT } from '../../../protocol/api';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { TOTP_ESCROW_KEY_BYTES } from '../../../protocol/constants';
import {
  VaultCryptoError,
  deriveKekFromTotpEscrow,
  parseGcmBlob,
  totpEscrowWrapContext,
  unwrapRootSecret,
  wrapRootSecret,
  type RootSecret,
  type RootSecretAccess,
  type WrappedKey,
} from '../crypto';
import type { KeyServer } from '../platform/key-server';
import { useRootSecret } from './root-secret-source';

export type TotpServer = Pick<KeyServer, 'totpEnrollStart' | 'totpEnrollFinish' | 'totpRecover'>;

/**
 * A fresh escrow: R (32 random bytes, base64url, for the server to seal) and S wrapped under
 * KEK_totp = HKDF(R). Never log `r`; it leaves the device only in the enrolment request.
 */
export async function createTotpEscrow(userId: string, rootSecret: RootSecretAccess | RootSecret): Promise<{ r: string; escrowedWrap: WrappedKey }> {
  const escrowKey = crypto.getRandomValues(new Uint8Array(TOTP_ESCROW_KEY_BYTES));
  try {
    const kek = await deriveKekFromTotpEscrow(escrowKey);
    const escrowedWrap = await useRootSecret(rootSecret, (secret) => wrapRootSecret(secret, kek, totpEscrowWrapContext(userId)));
    return { r: encodeBase64Url(escrowKey), escrowedWrap };
  } finally {
    escrowKey.fill(0);
  }
}

/** Opens an escrow with the R the server released. Returns S raw: re-wrap it, then wipe it; never log it. */
export async function openTotpEscrow(userId: string, r: string, escrowedWrap: string): Promise<RootSecret> {
  let escrowKey: Uint8Array;
  try {
    escrowKey = decodeBase64Url(r);
  } catch {
    throw new VaultCryptoError('malformed_blob', 'The key server sent a malformed escrow key');
  }
  if (escrowKey.length !== TOTP_ESCROW_KEY_BYTES) throw new VaultCryptoError('malformed_blob', 'The key server sent a malformed escrow key');
  try {
    const kek = await deriveKekFromTotpEscrow(escrowKey);
    return await unwrapRootSecret(parseGcmBlob<WrappedKey>(escrowedWrap), kek, totpEscrowWrapContext(userId));
  } finally {
    escrowKey.fill(0);
  }
}

/** Step 1 of enrolment (unlocked, online): the otpauth:// URI for the QR code, and the secret as text. */
export function startTotpEnrollment(server: TotpServer): Promise<TotpEnrollStartedT> {
  return server.totpEnrollStart();
}

/**
 * Step 2: the code the user typed proves the authenticator app has the secret; the escrow of S is
 * uploaded with it. A wrong code is KeyServerError `totp_invalid` and the enrolment stays open.
 */
export async function finishTotpEnrollment(options: {
  readonly server: TotpServer;
  readonly userId: string;
  readonly rootSecret: RootSecretAccess | RootSecret;
  readonly enrollmentId: string;
  readonly code: string;
  /** The signed `totp.add` naming this enrolment's secret: required on an account with a signed log. */
  readonly logEntry?: LogEntryT;
}): Promise<{ enrolledAt: number }> {
  const { r, escrowedWrap } = await createTotpEscrow(options.userId, options.rootSecret);
  const { enrollmentId, code, logEntry } = options;
  return options.server.totpEnrollFinish({ enrollmentId, code, escrowedWrap, r, ...(logEntry && { logEntry }) });
}

export interface TotpRecoveryResult {
  readonly userId: string;
  /** S in raw form. The caller re-wraps it under a new PIN (required) and wipes it; never log it. */
  readonly rootSecret: RootSecret;
  readonly keyBundle: { blob: string; version: number; updatedAt: number } | null;
  readonly session: SessionInfoT;
}

/**
 * Recovers S with a TOTP code. Refusals are KeyServerErrors: `totp_invalid`, `totp_replayed`,
 * `totp_throttled` (details.retryAfterSeconds), `totp_locked` (a passkey sign-in unlocks).
 */
export async function recoverWithTotp(options: { readonly server: TotpServer; readonly username: string; readonly code: string }): Promise<TotpRecoveryResult> {
  const recovered = await options.server.totpRecover(options.username, options.code);
  const { userId } = recovered.session;
  const rootSecret = await openTotpEscrow(userId, recovered.r, recovered.escrowedWrap);
  return { userId, rootSecret, keyBundle: recovered.keyBundle, session: recovered.session };
}
