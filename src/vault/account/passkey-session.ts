/**
 * The sessions that managing the account needs (docs/architecture.md "Sessions and device
 * sign-in"). Reading and renaming need any session of this device: a device sign-in opens one
 * without a prompt. Adding a passkey needs a passkey session, and removing a device or a passkey
 * (like locking everywhere) a passkey sign-in of the last FRESH_PASSKEY_SECONDS: the server says
 * so (`reauth_required`, `forbidden_scope`), and only then is the person asked for their passkey,
 * so two removals in a row cost one prompt.
 *
 * A passkey sign-in made here names this device, so the server binds the session to it: when this
 * device is removed, that session ends with its device session.
 */
import type { PasskeySummaryT } from '../../../protocol/api';
import type { VaultCore } from '../core';
import type { DeviceSigningPrivateKey } from '../crypto';
import { KeyServerError, type VaultFailureCode } from '../errors';
import type { KeyServer } from '../platform/key-server';
import type { PasskeyPort, PublicKeyCredentialRequestOptionsJSON } from '../platform/passkeys';
import { openDeviceSession } from './device-session';

/** What a device of the account needs to open sessions. */
export interface SessionContext {
  readonly server: KeyServer;
  readonly passkeys: PasskeyPort;
  readonly username: string;
  /** This device's id on the key server. */
  readonly deviceId: string;
  readonly deviceKey: DeviceSigningPrivateKey;
  /** This app's origin (bound into device sign-in signatures); undefined where there is none. */
  readonly origin: string | undefined;
}

/** How the server's refusals read when managing devices and passkeys (for `failureFromServer`). */
export const MANAGEMENT_FAILURES: Readonly<Record<string, VaultFailureCode>> = {
  not_found: 'not_found',
  last_passkey: 'last_passkey',
  reauth_required: 'reauth_required',
  device_revoked: 'device_revoked',
};
/** The same, where a name was sent: the server refuses only the name. */
export const NAMING_FAILURES: Readonly<Record<string, VaultFailureCode>> = { ...MANAGEMENT_FAILURES, invalid_request: 'name_invalid' };

const serverCodeOf = (error: unknown) => (error instanceof KeyServerError ? error.serverCode : null);

/** The answers a device session cures: none, expired, or a recovery session where a device one is wanted. */
const DEVICE_SESSION_CURES = new Set(['unauthenticated', 'session_expired', 'forbidden_scope']);
/** The answers a passkey sign-in cures: the above, and "that passkey sign-in is too old". */
const PASSKEY_SIGN_IN_CURES = new Set([...DEVICE_SESSION_CURES, 'reauth_required']);

/**
 * Runs `call`; when the server has no usable session for it, signs this device in (no prompt) and
 * runs it once more. Rejects with the raw KeyServerError: callers map it.
 */
export async function withDeviceSession<T>(context: SessionContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!DEVICE_SESSION_CURES.has(serverCodeOf(error) ?? '') || !context.origin) throw error;
  }
  await openDeviceSession(context.server, context.deviceId, context.deviceKey, context.origin);
  return call();
}

/**
 * A passkey sign-in on this device (user verification), bound to it. Returns the passkey used; the
 * PRF output the ceremony yields is not needed and is wiped. Rejects with `passkey_cancelled`,
 * `passkey_failed`, the signal's reason, or a raw KeyServerError.
 */
export async function signInWithPasskey(context: SessionContext, signal?: AbortSignal): Promise<PasskeySummaryT> {
  const options = (await context.server.signInOptions(context.username)) as unknown as PublicKeyCredentialRequestOptionsJSON;
  const { response, prfOutput } = await context.passkeys.get(options, signal);
  prfOutput?.fill(0);
  return (await context.server.signInVerify(response, context.deviceId)).passkey;
}

/**
 * Runs `call`; when the server wants a passkey sign-in (a fresh one, or any where this device's
 * session is not enough), does one and runs `call` once more. Rejects like `signInWithPasskey`.
 */
export async function withPasskeySignIn<T>(context: SessionContext, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!PASSKEY_SIGN_IN_CURES.has(serverCodeOf(error) ?? '')) throw error;
  }
  signal?.throwIfAborted();
  await signInWithPasskey(context, signal);
  return call();
}

/** The session context of the open vault. Throws `locked` (a device sign-in needs the device key). */
export function sessionContextOf(core: VaultCore): SessionContext {
  const { unlocked } = core.requireSession();
  const vault = core.requireVault();
  return {
    server: core.deps.server,
    passkeys: core.deps.passkeys,
    username: vault.username,
    deviceId: vault.deviceId,
    deviceKey: unlocked.deviceKey.privateKey,
    origin: core.env.origin,
  };
}
