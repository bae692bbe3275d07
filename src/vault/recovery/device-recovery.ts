/**
 * A new device joining an existing vault (docs/architecture.md "Recovery routes", last paragraph): S comes
 * from a recovery route, the key bundle from the server backup; this device wraps S under its
 * own PIN, makes its own signing key, signs it into the account log with the bundle's identity key,
 * and registers it with the recovery session the route opened.
 */
import { deviceKeyToLogKey } from '../../../protocol/account-log';
import { PRF_OUTPUT_BYTES } from '../../../protocol/constants';
import { appendToLog } from '../account-log/append-log';
import { memoryMirror } from '../account-log/log-mirror';
import {
  deriveKekFromPrf,
  parseGcmBlob,
  prfWrapContext,
  unwrapRootSecret,
  type Argon2Params,
  type DeriveArgon2,
  type DeviceSigningKeyPair,
  type RootSecret,
  type UnlockedVault,
  type WrappedKey,
} from '../crypto';
import { adoptRootSecret } from '../crypto/local/adopt-root-secret';
import type { KeyServer } from '../platform/key-server';
import type { StoredPasskey, StoredVault } from '../platform/local-store';
import type { PasskeyPort, PublicKeyCredentialRequestOptionsJSON } from '../platform/passkeys';
import { recoverWithPin } from './pin-recovery';
import { openRecoveryKit, recoveryKitAuth } from './recovery-kit';
import { recoverWithTotp } from './totp-escrow';
import { VaultError, failureFromServer } from '../errors';
import { recoverWithKit } from '../platform/key-server-extra';

export interface RecoveredAccount {
  readonly username: string;
  readonly userId: string;
  /** S raw, owned (and wiped) by the caller. Never log it. */
  readonly rootSecret: RootSecret;
  readonly keyBundle: { readonly blob: string; readonly version: number } | null;
  /** The passkey route's credential and its wrap_prf(S), kept so this device can unlock with it offline too. */
  readonly passkey?: { readonly stored: StoredPasskey; readonly wrappedRootSecret: WrappedKey };
  /** The recovery kit's wrap, when the kit route recovered S: this device keeps it for offline PIN resets. */
  readonly kit?: { readonly createdAt: number; readonly wrap: WrappedKey };
  /** This device's signing key when it was made before S came (an approval names it); else a fresh one is made. */
  readonly deviceKey?: DeviceSigningKeyPair;
}

export interface JoinInput {
  readonly server: KeyServer;
  readonly argon2: DeriveArgon2;
  readonly params: Argon2Params;
  readonly recovered: RecoveredAccount;
  /** This device's PIN. Never log it. */
  readonly pin: string;
  readonly deviceName: string;
  /** The app this device's key is registered for (its `device.add` names it). */
  readonly appId: string;
  readonly now: number;
  /** True when `pin` is the PIN the server's PIN recovery already answers to. */
  readonly pinRecoveryCurrent: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Builds this device's vault around the recovered S and registers the device. Returns the row
 * to store and the open vault. Throws `recovery_unavailable` (no backup), `pin_rejected`, or a
 * server failure. Never log the PIN or S.
 */
export async function joinRecoveredAccount(input: JoinInput): Promise<{ vault: StoredVault; unlocked: UnlockedVault }> {
  const { recovered, signal } = input;
  if (!recovered.keyBundle) throw new VaultError('recovery_unavailable');
  let adopted: Awaited<ReturnType<typeof adoptRootSecret>>;
  try {
    adopted = await adoptRootSecret({
      userId: recovered.userId,
      pin: input.pin,
      rootSecret: recovered.rootSecret,
      keyBundle: recovered.keyBundle.blob,
      keyBundleVersion: recovered.keyBundle.version,
      argon2: input.argon2,
      params: input.params,
      signal,
      ...(recovered.deviceKey && { deviceKey: recovered.deviceKey }),
    });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'pin_rejected') throw new VaultError('pin_rejected', undefined, { cause: error });
    throw error;
  }
  try {
    await signDeviceIntoLog(input, adopted.unlocked);
    const device = await input.server.registerDevice(input.deviceName, adopted.unlocked.deviceKey.publicJwk);
    const vault: StoredVault = {
      username: recovered.username,
      userId: recovered.userId,
      deviceId: device.id,
      record: recovered.passkey
        ? { ...adopted.record, prf: [{ credentialId: recovered.passkey.stored.credentialId, wrappedRootSecret: recovered.passkey.wrappedRootSecret }] }
        : adopted.record,
      passkeys: recovered.passkey ? [recovered.passkey.stored] : [],
      keyBundleVersion: recovered.keyBundle.version,
      createdAt: input.now,
      pinRecoveryRegistered: input.pinRecoveryCurrent,
      ...(recovered.kit ? { kit: recovered.kit } : {}),
    };
    return { vault, unlocked: adopted.unlocked };
  } catch (error) {
    throw failureFromServer(error, signal);
  }
}

/**
 * Signs this device's key into the account log before registering it (the server acts only on what
 * the log holds), with the identity key of the key bundle just opened: the log is read and verified
 * from its genesis first, and must be signed by that key. Nothing when a device of the account
 * already did (an approval) or the account has no log yet. Throws `account_log_unverified`, `offline`.
 */
async function signDeviceIntoLog({ server, recovered: { userId }, appId, now }: JoinInput, unlocked: UnlockedVault): Promise<void> {
  const { identity } = unlocked;
  const ctx = {
    server,
    userId,
    mirror: memoryMirror(userId),
    identity,
    trustsIdentity: async (key: string) => key === identity?.publicKey,
    now: () => now,
    // The recovery session the route opened: this device has no key of its own on the server yet.
    call: <T>(request: () => Promise<T>) => request(),
  };
  await appendToLog(ctx, [{ op: 'device.add', key: deviceKeyToLogKey(unlocked.deviceKey.publicJwk), app: appId }]);
}

/**
 * The PIN route: recovers S with the PIN (one server guess; a recovery session opens). Throws
 * `recovery_pin_wrong` (with guessesLeft), `recovery_pin_locked`, `offline`. Never log the PIN.
 */
export async function recoverAccountWithPin(server: KeyServer, argon2: DeriveArgon2, username: string, pin: string, signal?: AbortSignal): Promise<RecoveredAccount> {
  try {
    const recovered = await recoverWithPin({ server, username, pin, argon2, signal });
    return { username, userId: recovered.userId, rootSecret: recovered.rootSecret, keyBundle: recovered.keyBundle };
  } catch (error) {
    throw failureFromServer(error, signal);
  }
}

/**
 * The authenticator-app route: the server releases the escrow key R for a valid, unused code (a
 * recovery session opens). Throws `totp_invalid` (wrong or replayed code), `totp_locked` (too many
 * failures), `offline`. The caller must then set a new PIN (the old one may be what was forgotten).
 */
export async function recoverAccountWithTotp(server: KeyServer, username: string, code: string, signal?: AbortSignal): Promise<RecoveredAccount> {
  try {
    const recovered = await recoverWithTotp({ server, username, code: code.replace(/\s/g, '') });
    return { username, userId: recovered.userId, rootSecret: recovered.rootSecret, keyBundle: recovered.keyBundle };
  } catch (error) {
    throw failureFromServer(error, signal);
  }
}

/**
 * The recovery-kit route: kitAuth (derived from the code here) releases the kit's wrap and opens
 * a recovery session; KEK_kit opens the wrap here. `code` is the 12 words, already read. Throws
 * `kit_unreadable`, `kit_invalid` (refused, or a wrap the code does not open), `offline`.
 * The caller must then set a new PIN. Never log the code.
 */
export async function recoverAccountWithKit(server: KeyServer, username: string, code: string, signal?: AbortSignal): Promise<RecoveredAccount> {
  const kitAuth = await recoveryKitAuth(code);
  try {
    const recovered = await recoverWithKit(server, username, kitAuth, signal);
    const rootSecret = await openRecoveryKit(recovered.userId, code, recovered.wrap);
    const kit = { createdAt: recovered.createdAt, wrap: parseGcmBlob<WrappedKey>(recovered.wrap) };
    return { username: recovered.username, userId: recovered.userId, rootSecret, keyBundle: recovered.keyBundle, kit };
  } catch (error) {
    throw failureFromServer(error, signal);
  }
}

/**
 * The passkey route (docs/architecture.md "Recovery routes", PRF end to end): a passkey sign-in evaluates the
 * PRF; the server hands out wrap_prf(S) only after verifying the assertion (GET /backup under the
 * new passkey session); KEK_prf opens it here. Without PRF the passkey only signs in, and
 * `prf_unavailable` tells the user to use the PIN or an authenticator code. The PRF output is wiped.
 */
export async function recoverAccountWithPasskey(server: KeyServer, passkeys: PasskeyPort, username: string, signal?: AbortSignal): Promise<RecoveredAccount> {
  let prfOutput: Uint8Array | null = null;
  try {
    const options = (await server.signInOptions(username)) as unknown as PublicKeyCredentialRequestOptionsJSON;
    const ceremony = await passkeys.get(options, signal);
    prfOutput = ceremony.prfOutput;
    const { session, passkey } = await server.signInVerify(ceremony.response);
    const backup = prfOutput?.length === PRF_OUTPUT_BYTES ? await server.backup() : null;
    const wrap = backup?.wrapPrf.find((w) => w.credentialId === passkey.id);
    if (!backup || !prfOutput || !wrap) throw new VaultError('prf_unavailable', 'This passkey can sign you in but cannot open the vault. Use your PIN or an authenticator app code.');
    const wrappedRootSecret = parseGcmBlob<WrappedKey>(wrap.blob);
    const rootSecret = await unwrapRootSecret(wrappedRootSecret, await deriveKekFromPrf(prfOutput), prfWrapContext(session.userId, passkey.id));
    const { keyBundle } = backup;
    return {
      username: session.username,
      userId: session.userId,
      rootSecret,
      keyBundle,
      passkey: {
        stored: { credentialId: passkey.id, prfSalt: passkey.prfSalt, rpId: options.rpId ?? globalThis.location.hostname, transports: options.allowCredentials?.find((c) => c.id === passkey.id)?.transports ?? [], wrapPrfVersion: wrap.version },
        wrappedRootSecret,
      },
    };
  } catch (error) {
    throw failureFromServer(error, signal);
  } finally {
    prfOutput?.fill(0);
  }
}
