/**
 * A new account on this device: the passkey registration (which opens a passkey session), then,
 * once the PIN is chosen and the hierarchy exists, its publication to the key server: the key
 * bundle backup, wrap_prf for the passkey, the account log's genesis (the identity key, the passkey
 * with the public key its own attestation names, and this device's key), and this device's public
 * signing key.
 */
import { deviceKeyToLogKey } from '../../../protocol/account-log';
import { PRF_OUTPUT_BYTES, USERNAME_PATTERN } from '../../../protocol/constants';
import { appendToLog } from '../account-log/append-log';
import { credentialPublicKey } from '../account-log/cose-key';
import { createIdentityKey } from '../account-log/identity-key';
import { memoryMirror } from '../account-log/log-mirror';
import { createLocalVault } from '../crypto/local/local-vault';
import { addPrfWrap, type Argon2Params, type DeriveArgon2, type IdentityKeyPair, type LocalVaultRecord, type UnlockedVault } from '../crypto';
import { type KeyServer } from '../platform/key-server';
import { KeyServerError } from '../errors';
import type { StoredPasskey, StoredVault } from '../platform/local-store';
import type { PasskeyPort, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '../platform/passkeys';
import { VaultError, failureFromServer } from '../errors';

/** An account whose passkey exists, waiting for its PIN. Lives in memory only. */
export interface PendingAccount {
  readonly username: string;
  readonly userId: string;
  readonly passkey: StoredPasskey;
  /** The passkey's COSE public key (base64url), read from this device's own attestation object. */
  readonly passkeyPublicKey: string;
  /** The account's identity key, made at the first PIN attempt and kept for retries (a genesis that landed names it). Never log it. */
  identity?: IdentityKeyPair;
  /** The PRF output from the registration ceremony; wiped once the PIN is chosen. Never log it. */
  prfOutput: Uint8Array | null;
  /** Server versions reached by an earlier attempt, so a retry after a network failure continues from them. */
  keyBundleVersion: number;
  wrapPrfVersion: number;
}

/** The username as the server stores it (trimmed, lower case), or `username_invalid`. */
export function normalizeUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username)) throw new VaultError('username_invalid');
  return username;
}

/** Creates the account's passkey (PRF requested by the server's options) and verifies it: a passkey session opens. */
export async function registerAccount(server: KeyServer, passkeys: PasskeyPort, rawUsername: string, signal?: AbortSignal): Promise<PendingAccount> {
  const username = normalizeUsername(rawUsername);
  let options: PublicKeyCredentialCreationOptionsJSON;
  try {
    options = (await server.registerOptions(username)) as unknown as PublicKeyCredentialCreationOptionsJSON;
  } catch (error) {
    throw failureFromServer(error, signal, { invalid_request: 'username_invalid' });
  }
  signal?.throwIfAborted();
  const { response, prfOutput } = await passkeys.create(options, signal);
  const usablePrf = prfOutput?.length === PRF_OUTPUT_BYTES ? prfOutput : null;
  if (!usablePrf) prfOutput?.fill(0);
  try {
    const passkeyPublicKey = credentialPublicKey(response.response.attestationObject, response.id);
    const { session, passkey } = await server.registerVerify(response);
    if (passkey.id !== response.id) throw new VaultError('passkey_failed', 'The key server registered another passkey than this device made.');
    return {
      passkeyPublicKey,
      username: session.username,
      userId: session.userId,
      passkey: {
        credentialId: passkey.id,
        prfSalt: passkey.prfSalt,
        rpId: options.rp.id ?? globalThis.location.hostname,
        transports: response.response.transports ?? [],
        wrapPrfVersion: 0,
      },
      prfOutput: usablePrf,
      keyBundleVersion: 0,
      wrapPrfVersion: 0,
    };
  } catch (error) {
    usablePrf?.fill(0);
    throw failureFromServer(error, signal);
  }
}

const isSessionGone = (error: unknown) =>
  error instanceof KeyServerError && (error.serverCode === 'unauthenticated' || error.serverCode === 'session_expired');

/** A compare-and-set write; a lost answer to our own earlier write shows up as stale_version and is retried at the current version. */
async function putVersioned(write: (expectedVersion: number) => Promise<{ version: number }>, expectedVersion: number): Promise<number> {
  try {
    return (await write(expectedVersion)).version;
  } catch (error) {
    const current = error instanceof KeyServerError && error.serverCode === 'stale_version' ? error.details.currentVersion : undefined;
    if (current === undefined) throw error;
    return (await write(current)).version;
  }
}

/**
 * Uploads the key bundle, which is sealed for the version it will be stored as (key-bundle.ts v3:
 * `record.keyBundleVersion`, made from `pending.keyBundleVersion` + 1). When the server holds
 * another version (an earlier attempt landed but its answer was lost) the bundle would be stored
 * under a version it does not bind: `pending` learns the server's version and this throws
 * `bundle_version_moved`, for the caller to seal a new vault for the next version.
 */
async function putKeyBundleAsSealed(server: KeyServer, record: LocalVaultRecord, pending: PendingAccount): Promise<number> {
  try {
    return (await server.putKeyBundle(record.keyBundle, (record.keyBundleVersion ?? 1) - 1)).version;
  } catch (error) {
    const current = error instanceof KeyServerError && error.serverCode === 'stale_version' ? error.details.currentVersion : undefined;
    if (current === undefined) throw error;
    pending.keyBundleVersion = current;
    throw new BundleVersionMoved();
  }
}

/** Thrown by `publishNewVault` when the key bundle must be sealed again for `pending.keyBundleVersion` + 1. */
export class BundleVersionMoved extends Error {
  constructor() {
    super('The key bundle version on the server moved on: seal the vault again');
  }
}

export interface PublishInput {
  readonly server: KeyServer;
  readonly passkeys: PasskeyPort;
  readonly pending: PendingAccount;
  readonly record: LocalVaultRecord;
  readonly unlocked: UnlockedVault;
  readonly deviceName: string;
  /** The app this device's key is registered for (its `device.add` names it). */
  readonly appId: string;
  readonly now: number;
  readonly signal?: AbortSignal;
}

/**
 * Uploads the key bundle ciphertext, adds and uploads wrap_prf(S) when the passkey gave a PRF
 * output, and registers this device's public key. Returns the vault row to store: the caller
 * stores it only after all of this succeeded, so a device never holds a vault the server has
 * no backup of. If the passkey session has ended (the PIN screen was left open too long) the
 * user is asked for the passkey once more.
 */
export async function publishNewVault(input: PublishInput): Promise<StoredVault> {
  const { server, pending, signal } = input;
  let signedInAgain = false;
  const withSession = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (!isSessionGone(error) || signedInAgain) throw error;
      signedInAgain = true;
      await signInAgain(server, input.passkeys, pending.username, signal);
      return call();
    }
  };
  try {
    pending.keyBundleVersion = await withSession(() => putKeyBundleAsSealed(server, input.record, pending));
    let record = input.record;
    if (pending.prfOutput) {
      const added = await addPrfWrap(record, input.unlocked, { credentialId: pending.passkey.credentialId, prfOutput: pending.prfOutput });
      record = added.record;
      const credentialId = pending.passkey.credentialId;
      pending.wrapPrfVersion = await withSession(() =>
        putVersioned((v) => server.putWrapPrf(credentialId, added.wrap.wrappedRootSecret, v), pending.wrapPrfVersion),
      );
    }
    await startAccountLog(input, withSession);
    const device = await withSession(() => server.registerDevice(input.deviceName, input.unlocked.deviceKey.publicJwk));
    return {
      username: pending.username,
      userId: pending.userId,
      deviceId: device.id,
      record,
      passkeys: [{ ...pending.passkey, wrapPrfVersion: pending.prfOutput ? pending.wrapPrfVersion : 0 }],
      keyBundleVersion: pending.keyBundleVersion,
      createdAt: input.now,
    };
  } catch (error) {
    throw failureFromServer(error, signal);
  }
}

/**
 * The account log's genesis, before the device is registered (the server acts only on what the log
 * holds): the identity key, the passkey and this device's key. A retry after an answer that was lost
 * finds the genesis there, signed by the same identity key, and appends only what it lacks.
 */
async function startAccountLog(input: PublishInput, withSession: <T>(call: () => Promise<T>) => Promise<T>): Promise<void> {
  const { pending, server } = input;
  const identity = pending.identity!;
  const ctx = {
    server,
    userId: pending.userId,
    mirror: memoryMirror(pending.userId),
    identity,
    trustsIdentity: async (key: string) => key === identity.publicKey,
    now: () => input.now,
    call: withSession,
  };
  await appendToLog(
    ctx,
    [
      { op: 'passkey.add', id: pending.passkey.credentialId, key: pending.passkeyPublicKey },
      { op: 'device.add', key: deviceKeyToLogKey(input.unlocked.deviceKey.publicJwk), app: input.appId },
    ],
    { genesis: true },
  );
}

/** A passkey sign-in to reopen a passkey session; the PRF output it yields is not needed and is wiped. */
async function signInAgain(server: KeyServer, passkeys: PasskeyPort, username: string, signal?: AbortSignal): Promise<void> {
  const options = (await server.signInOptions(username)) as unknown as PublicKeyCredentialRequestOptionsJSON;
  const { response, prfOutput } = await passkeys.get(options, signal);
  prfOutput?.fill(0);
  await server.signInVerify(response);
}

export interface SealAndPublishInput extends Omit<PublishInput, 'record' | 'unlocked'> {
  /** The PIN just chosen. Never log it. */
  readonly pin: string;
  readonly params: Argon2Params;
  readonly argon2: DeriveArgon2;
}

/**
 * Makes the new vault under `pin` (sealed for the key bundle version the upload will store) and
 * publishes it (`publishNewVault`). If an earlier attempt's bundle landed but its answer was
 * lost, seals once more for the version after it. Returns the row to store and the open vault.
 */
export async function sealAndPublish(input: SealAndPublishInput): Promise<{ vault: StoredVault; unlocked: UnlockedVault }> {
  const { pending, pin, params, argon2, signal } = input;
  const identity = (pending.identity ??= await createIdentityKey());
  const seal = () => createLocalVault({ userId: pending.userId, pin, params, argon2, signal, keyBundleVersion: pending.keyBundleVersion + 1, identity });
  let { record, unlocked } = await seal();
  try {
    return { vault: await publishNewVault({ ...input, record, unlocked }), unlocked };
  } catch (error) {
    if (!(error instanceof BundleVersionMoved)) throw error;
    ({ record, unlocked } = await seal());
    return { vault: await publishNewVault({ ...input, record, unlocked }), unlocked };
  }
}
