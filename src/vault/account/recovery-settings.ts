/**
 * Settings → "Recovery" and "Activity" while unlocked (docs/architecture.md "Recovery routes"): which
 * routes the server holds, turning one off, and the account's audit log. Reading needs a passkey
 * or device session (a device sign-in opens one when there is none, or only a recovery session);
 * turning a route off needs a passkey session, so a passkey sign-in ceremony runs first — a
 * stolen unlocked phone alone cannot remove the routes its owner would recover with. The same
 * sign-in is offered on its own (`signInWithPasskey`) for calls that answer `forbidden_scope`.
 */
import type { AuditPageT, RecoveryStatusT } from '../../../protocol/api';
import type { VaultCore } from '../core';
import { recoverySettingsContext } from './settings-context';
import type { UnlockedVault } from '../crypto';
import { openDeviceSession } from './device-session';
import { type KeyServer } from '../platform/key-server';
import { KeyServerError } from '../errors';
import type { PasskeyPort, PublicKeyCredentialRequestOptionsJSON } from '../platform/passkeys';
import { failureFromServer } from '../errors';

/**
 * The server's answer, plus what only this device knows: whether it holds a passkey of the
 * account at all (a device recovered by PIN or authenticator code has none), and whether one can
 * open the vault (PRF).
 */
export interface RecoveryRoutes extends RecoveryStatusT {
  readonly passkey: { readonly onThisDevice: boolean; readonly prfOnThisDevice: boolean };
}

export type AuditPage = AuditPageT;
export type RecoveryRouteName = 'pin' | 'totp';

export interface RecoverySettingsContext {
  readonly server: KeyServer;
  readonly passkeys: PasskeyPort;
  readonly unlocked: UnlockedVault;
  readonly username: string;
  readonly deviceId: string;
  readonly origin: string | undefined;
  readonly passkeyOnThisDevice: boolean;
  readonly prfOnThisDevice: boolean;
}

/**
 * Runs `call`; when the server says there is no usable session, signs this device in and runs it
 * once more. `forbidden_scope` counts too: a device just recovered still holds the recovery
 * session its route opened, which may only register the device, add a passkey and read the
 * backup; a device sign-in replaces it (as the sync engine's does). A call that still answers
 * `forbidden_scope` after that needs a passkey sign-in, which is the user's step to take.
 */
export async function withSession<T>(context: RecoverySettingsContext, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const gone = error instanceof KeyServerError && ['unauthenticated', 'session_expired', 'forbidden_scope'].includes(error.serverCode);
    if (!gone || !context.origin) throw failureFromServer(error, signal);
    try {
      await openDeviceSession(context.server, context.deviceId, context.unlocked.deviceKey.privateKey, context.origin);
      return await call();
    } catch (retryError) {
      throw failureFromServer(retryError, signal);
    }
  }
}

/** Which recovery routes are active. Throws `offline`, `server_error`. */
export async function readRecoveryRoutes(context: RecoverySettingsContext, signal?: AbortSignal): Promise<RecoveryRoutes> {
  const status = await withSession(context, () => context.server.recoveryStatus(), signal);
  return { ...status, passkey: { onThisDevice: context.passkeyOnThisDevice, prfOnThisDevice: context.prfOnThisDevice } };
}

/** One page of audit events, newest first; `before` is the previous page's `nextBefore`. Throws `offline`. */
export function readAuditPage(context: RecoverySettingsContext, before?: number, signal?: AbortSignal): Promise<AuditPage> {
  return withSession(context, () => context.server.audit(before), signal);
}

/**
 * A passkey sign-in (user verification on an authenticator: this device's, or a phone or security
 * key the browser offers): the session becomes a `passkey` one. Throws `passkey_cancelled`,
 * `passkey_failed`, `offline`. The PRF output, if any, is wiped unused.
 */
export async function signInWithPasskey(context: RecoverySettingsContext, signal?: AbortSignal): Promise<void> {
  try {
    await passkeySignIn(context, signal);
  } catch (error) {
    throw failureFromServer(error, signal);
  }
}

async function passkeySignIn(context: RecoverySettingsContext, signal?: AbortSignal): Promise<void> {
  const { server } = context;
  const options = (await server.signInOptions(context.username)) as unknown as PublicKeyCredentialRequestOptionsJSON;
  const ceremony = await context.passkeys.get(options, signal);
  ceremony.prfOutput?.fill(0);
  // Bound to this device: the session ends when the device is removed.
  await server.signInVerify(ceremony.response, context.deviceId);
}

/**
 * Passkey sign-in, then DELETE of the route, then its removal signed into the account log. Throws
 * `passkey_cancelled`, `passkey_failed`, `offline`, `account_log_unverified`, `locked`.
 */
export async function turnOffRoute(core: VaultCore, route: RecoveryRouteName, signal?: AbortSignal): Promise<void> {
  const context = recoverySettingsContext(core);
  const { server } = context;
  try {
    await passkeySignIn(context, signal);
    if (route === 'pin') await server.removePinRecovery();
    else await server.removeTotpRecovery();
  } catch (error) {
    throw failureFromServer(error, signal);
  }
  await core.accountLog.append([{ op: route === 'pin' ? 'pin-recovery.remove' : 'totp.remove' }]);
}
