/**
 * Lock everywhere (`vault.account.lockEverywhere`; docs/architecture.md "Lock everywhere"): from
 * this unlocked device, revoke every other device, end every other session, and rotate every key a
 * removed device could hold, in one request the key server commits or refuses whole.
 *
 *   1. the PIN, checked against this device's wrap as a counted attempt: a wrong one changes nothing
 *   2. a passkey sign-in (a fresh passkey session; the server asks for one), whose PRF output
 *      wraps the new root secret for that passkey
 *   3. what the server holds now: the key bundle (the one rotated, compare-and-set on its version)
 *      and the recovery routes that are on
 *   4. the rotation (crypto/local/rotate-root-secret.ts): S', K_keys', a new key pair, VK'
 *   5. the routes' new wraps: TOTP's escrow under a new R; PIN recovery's registration run to the
 *      point before `finish`, which travels inside the lock request so it commits with the rest
 *   6. this device's signature over a device challenge: it is the one device kept; and, when the
 *      account has a log, the lock's log entry (account-log/lock-rotation.ts): every other device
 *      and the kit removed, the new PIN-recovery registration, the identity key rotated (the new one
 *      rides in the rotated key bundle)
 *   7. POST /api/account/lock-everywhere, then this device's new vault is stored and the session
 *      moves onto the new keys; records written from now on get DEKs under VK' only. The server
 *      deletes the recovery kit (it wrapped the old S; only its holder can make a new one), and
 *      this device drops its copy: the report asks for a new kit (`{ route: 'kit' }`)
 */
import type { BackupSnapshotT, LockEverywhereRequestT, LockEverywhereResultT } from '../../../protocol/api';
import { encodeBase64Url } from '../../../protocol/base64url';
import { PRF_OUTPUT_BYTES } from '../../../protocol/constants';
import { lockEverywhereMessage } from '../../../protocol/device-signin';
import type { VaultCore } from '../core';
import { parseGcmBlob, signWithDeviceKey, unlockWithPin, VaultCryptoError, type Ciphertext, type IdentityKeyPair, type UnlockedVault } from '../crypto';
import { rotateRootSecret } from '../crypto/local/rotate-root-secret';
import { KeyServerError, VaultError, failureFromServer } from '../errors';
import type { KeyServer } from '../platform/key-server';
import type { StoredPasskey, StoredVault } from '../platform/local-store';
import type { PasskeyPort, PublicKeyCredentialRequestOptionsJSON } from '../platform/passkeys';
import { pinRecoveryLogId, preparePinRegistration } from '../recovery/pin-recovery';
import { createIdentityKey } from '../account-log/identity-key';
import { logBeforeRotation, recordRotation, rotationEntry } from '../account-log/lock-rotation';
import { createTotpEscrow } from '../recovery/totp-escrow';
import { lockEverywhere as lockEverywhereOnServer } from '../platform/key-server-extra';

/** What a lock everywhere did, and what needs a step from the user to work again. */
export interface LockEverywhereReport {
  /** Devices revoked (every other device that was still active). */
  devicesRemoved: number;
  /** recovery routes / passkeys that need a step from the user to work again */
  needsStep: Array<{ route: 'passkey'; id: string; name: string } | { route: 'pin' } | { route: 'totp' } | { route: 'kit' }>;
}

/** The server failures a lock everywhere explains itself; the rest are `failureFromServer`'s. */
const LOCK_FAILURES = {
  stale_version: 'account_changed',
  recovery_routes_changed: 'account_changed',
  device_revoked: 'device_revoked',
  // Another device appended to the log (or made one) meanwhile: nothing changed, try again.
  log_stale: 'account_changed',
  log_entry_required: 'account_changed',
  log_entry_invalid: 'account_log_unverified',
} as const;

/** The passkey just used: its response and, when the authenticator gave one, its PRF output (wiped by the caller). */
interface PasskeySignIn {
  readonly passkey: StoredPasskey;
  readonly prfOutput: Uint8Array | null;
}

/** Step 2: a passkey sign-in that opens a fresh passkey session and keeps the PRF output. Never log it. */
async function signInWithPasskey(server: KeyServer, passkeys: PasskeyPort, username: string, deviceId: string, signal?: AbortSignal): Promise<PasskeySignIn> {
  const options = (await server.signInOptions(username)) as unknown as PublicKeyCredentialRequestOptionsJSON;
  const ceremony = await passkeys.get(options, signal);
  const prfOutput = ceremony.prfOutput?.length === PRF_OUTPUT_BYTES ? ceremony.prfOutput : null;
  if (!prfOutput) ceremony.prfOutput?.fill(0);
  try {
    const { passkey } = await server.signInVerify(ceremony.response, deviceId);
    const transports = options.allowCredentials?.find((c) => c.id === passkey.id)?.transports ?? [];
    const rpId = options.rpId ?? globalThis.location.hostname;
    return { passkey: { credentialId: passkey.id, prfSalt: passkey.prfSalt, rpId, transports, wrapPrfVersion: 0 }, prfOutput };
  } catch (error) {
    prfOutput?.fill(0);
    throw error;
  }
}

/** Steps 3–4: the rotation of the server's key bundle (the one every device shares), or `account_changed` if this vault's keys no longer open it. */
async function rotate(core: VaultCore, vault: StoredVault, unlocked: UnlockedVault, pin: string, used: PasskeySignIn, identity: IdentityKeyPair | undefined, signal?: AbortSignal) {
  const backup = await core.deps.server.backup();
  if (!backup.keyBundle) throw new VaultError('account_changed', 'The key server holds no key bundle for this account.');
  // Rotating an older bundle than this device holds would bring back keys a later rotation retired.
  if (backup.keyBundle.version < vault.keyBundleVersion) throw new VaultError('rolled_back', 'The key server handed out an older key bundle than this device holds.');
  const prf = used.prfOutput ? { credentialId: used.passkey.credentialId, prfOutput: used.prfOutput } : null;
  try {
    // The server's copy, opened as the version the server says it is (a format 3 bundle binds it).
    const record = { ...vault.record, keyBundle: parseGcmBlob<Ciphertext>(backup.keyBundle.blob), keyBundleVersion: backup.keyBundle.version };
    const keyBundleVersion = backup.keyBundle.version + 1; // the compare-and-set below stores it as this
    const rotated = await rotateRootSecret({ record, unlocked, pin, argon2: core.deps.argon2, params: core.argon2Params, prf, signal, keyBundleVersion, ...(identity && { identity }) });
    return { rotated, expectedVersion: backup.keyBundle.version, wrapsBefore: backup.wrapPrf };
  } catch (error) {
    // Another rotation replaced the bundle with one this vault's K_keys does not open.
    if (error instanceof VaultCryptoError && error.code === 'decrypt_failed') throw new VaultError('account_changed', undefined, { cause: error });
    throw error;
  }
}

/**
 * The request reached the server but its answer was lost (`network`): if the server holds the
 * bundle just sent, the lock committed, and this device must store its new keys all the same.
 * Returns what the server's state and audit log still tell; rethrows `lost` if it did not commit.
 */
async function committedWithoutAnswer(server: KeyServer, sentBundle: string, wrapsBefore: BackupSnapshotT['wrapPrf'], lost: unknown): Promise<LockEverywhereResultT> {
  let backup: BackupSnapshotT;
  try {
    backup = await server.backup();
  } catch {
    throw lost;
  }
  if (backup.keyBundle?.blob !== sentBundle) throw lost;
  const entry = await server.audit().then((page) => page.events.find((e) => e.type === 'account.locked_everywhere')?.data, () => undefined);
  const wrapPrf = backup.wrapPrf.map(({ credentialId, version }) => ({ credentialId, version }));
  return {
    devicesRevoked: typeof entry?.devicesRevoked === 'number' ? entry.devicesRevoked : 0,
    sessionsEnded: typeof entry?.sessionsEnded === 'number' ? entry.sessionsEnded : 0,
    keyBundleVersion: backup.keyBundle.version,
    wrapPrf,
    // Names are in the answer that was lost; vault.passkeys.list() has them.
    prfWrapsDropped: wrapsBefore.filter((w) => !wrapPrf.some((k) => k.credentialId === w.credentialId)).map((w) => ({ credentialId: w.credentialId, name: '' })),
    pinRecovery: entry?.pinRecovery === 'registered' || entry?.pinRecovery === 'removed' ? entry.pinRecovery : 'off',
    totp: entry?.totp === 'rotated' ? 'rotated' : 'off',
    kitRemoved: entry?.kitRemoved === true,
  };
}

/** This device's passkeys after the lock: versions of the wraps the server now holds, and the passkey just used if it unlocks here now. */
function passkeysAfter(vault: StoredVault, used: PasskeySignIn, result: LockEverywhereResultT): StoredPasskey[] {
  const versionOf = (credentialId: string) => result.wrapPrf.find((w) => w.credentialId === credentialId)?.version ?? 0;
  const known = vault.passkeys.map((p) => ({ ...p, wrapPrfVersion: versionOf(p.credentialId) }));
  const usedId = used.passkey.credentialId;
  if (known.some((p) => p.credentialId === usedId) || versionOf(usedId) === 0) return known;
  return [...known, { ...used.passkey, wrapPrfVersion: versionOf(usedId) }];
}

/**
 * Runs the steps above. Throws `wrong_pin` or `throttled` (nothing changed), `offline`, `locked`,
 * `passkey_cancelled`, `passkey_failed`, `device_revoked` (this device was removed meanwhile),
 * `account_changed` (another device or tab changed the keys or the routes first; nothing changed).
 * Never log the PIN.
 */
export async function lockEverywhere(core: VaultCore, pin: string, signal?: AbortSignal): Promise<LockEverywhereReport> {
  const session = core.requireSession();
  const vault = core.requireVault();
  const { server, passkeys, argon2 } = core.deps;
  const origin = core.env.origin;
  if (!core.env.isOnline() || !origin) throw new VaultError('offline');
  await core.pinAttempts.attempt(() => unlockWithPin(vault.record, pin, argon2, signal), signal);
  // A PIN-recovery registration still running in the background wraps the old S: it must land
  // before the lock replaces it, never after.
  core.pinRecovery.invalidate();
  await core.pinRecovery.settled();

  let used: PasskeySignIn | undefined;
  try {
    used = await signInWithPasskey(server, passkeys, vault.username, vault.deviceId, signal);
    const routes = await server.recoveryStatus();
    const log = (await core.accountLog.keeper()).context();
    const logState = await logBeforeRotation(log);
    const identity = logState ? await createIdentityKey() : undefined;
    const { rotated, expectedVersion, wrapsBefore } = await rotate(core, vault, session.unlocked, pin, used, identity, signal);
    const rootSecret = rotated.unlocked.rootSecretAccess;
    const totp = routes.totp.enrolled ? await createTotpEscrow(vault.userId, rootSecret) : null;
    const pinRegistration = routes.pin.active
      ? await preparePinRegistration({ server, userId: vault.userId, pin, argon2, rootSecret, params: core.argon2Params, signal })
      : null;
    const logEntry =
      logState && identity
        ? await rotationEntry(log, logState, { keptDevice: session.unlocked.deviceKey.publicJwk, pinRecovery: pinRegistration && (await pinRecoveryLogId(pinRegistration.tag)), newIdentity: identity })
        : undefined;
    const { challenge } = await server.deviceChallenge(vault.deviceId);
    const signature = encodeBase64Url(await signWithDeviceKey(session.unlocked.deviceKey.privateKey, lockEverywhereMessage(origin, challenge)));
    if (core.session !== session) throw new VaultError('locked'); // nothing sent yet: the vault locked meanwhile
    const body: LockEverywhereRequestT = {
      keepDeviceId: vault.deviceId,
      deviceProof: { challenge, signature },
      keyBundle: { blob: rotated.record.keyBundle, expectedVersion },
      wrapPrf: rotated.prfWrap ? [{ credentialId: rotated.prfWrap.credentialId, blob: rotated.prfWrap.wrappedRootSecret }] : [],
      totp,
      pin: pinRegistration,
      ...(logEntry && { logEntry }),
    };
    const result = await lockEverywhereOnServer(server, body, signal).catch((error: unknown) => {
      const lost = error instanceof KeyServerError && error.serverCode === 'network' && !signal?.aborted;
      if (!lost) throw error;
      return committedWithoutAnswer(server, body.keyBundle.blob, wrapsBefore, error);
    });
    if (logState && logEntry) await recordRotation(log, logState, logEntry);
    const pinRecoveryRegistered = result.pinRecovery === 'registered' ? true : result.pinRecovery === 'removed' ? false : vault.pinRecoveryRegistered;
    // The kit wrapped the old S: the server deleted it, and this device's copy goes too.
    const { kit: _oldKit, ...kept } = vault;
    const next: StoredVault = { ...kept, record: rotated.record, passkeys: passkeysAfter(vault, used, result), keyBundleVersion: result.keyBundleVersion, pinRecoveryRegistered };
    await core.rekey(next, rotated.unlocked, session);
    return {
      devicesRemoved: result.devicesRevoked,
      needsStep: [
        ...result.prfWrapsDropped.map((p) => ({ route: 'passkey' as const, id: p.credentialId, name: p.name })),
        ...(result.pinRecovery === 'removed' ? [{ route: 'pin' as const }] : []),
        ...(result.kitRemoved ? [{ route: 'kit' as const }] : []),
      ],
    };
  } catch (error) {
    throw failureFromServer(error, signal, LOCK_FAILURES);
  } finally {
    used?.prfOutput?.fill(0);
  }
}
