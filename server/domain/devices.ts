import { createPublicKey, randomBytes, verify, webcrypto, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { DevicePublicKeyT } from '../../protocol/api';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { CHALLENGE_TTL_MS } from '../../protocol/constants';
import { deviceSignInMessage } from '../../protocol/device-signin';
import { KeyholdError } from '../errors';
import { appendAuditEvent } from '../store/audit';
import { consumeChallenge, saveChallenge } from '../store/challenges';
import { findDevice, touchLiveDevice, type DeviceRow } from '../store/devices';
import { inTransaction, type Store } from '../store/store';
import { inUserTransaction } from './user-transaction';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Imports a device's public JWK; throws `invalid_request` unless it is a valid P-256 point. */
export async function importDeviceKey(jwk: DevicePublicKeyT): Promise<webcrypto.CryptoKey> {
  try {
    return await webcrypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, ECDSA_P256, false, ['verify']);
  } catch (error) {
    throw new KeyholdError('invalid_request', 'publicKey: not a valid P-256 public key', {}, { cause: error });
  }
}

/**
 * A transaction's decision. The transaction commits either way, so what a refusal wrote — the
 * attempt counted, the challenge spent, the failure audited — stays written; the refusal is
 * thrown only after the commit.
 */
type Decision<T> = { ok: true; value: T } | { ok: false; refusal: KeyholdError };

const refuse = (refusal: KeyholdError): Decision<never> => ({ ok: false, refusal });

function settle<T>(decision: Decision<T>): T {
  if (!decision.ok) throw decision.refusal;
  return decision.value;
}

/** Counts a sign-in attempt in the caller's transaction; returns the refusal to throw after the commit, or null. */
export type CountAttempt = (tx: Store) => Promise<KeyholdError | null>;

/** In the sign-in's transaction: the refusal (already audited) when the account log does not hold the device's key, or null. */
export type BindingCheck = (tx: Store, device: DeviceRow) => Promise<KeyholdError | null>;

/**
 * Device public keys already imported, by device id and stored JWK text. A registered key never
 * changes, so a hit skips the JWK import (~60–150 µs of event-loop work on the bench machine).
 * The device row is still read on every sign-in, so a revoked or removed device is refused at
 * once whatever is cached. Holds public keys only; least recently used go first.
 */
export interface DeviceKeyCache {
  keyOf(device: Pick<DeviceRow, 'id' | 'public_key_jwk'>): KeyObject;
}

export function createDeviceKeyCache(capacity = 10_000): DeviceKeyCache {
  const imported = new Map<string, KeyObject>();
  return {
    keyOf(device) {
      const id = `${device.id}\n${device.public_key_jwk}`;
      let key = imported.get(id);
      if (key) {
        imported.delete(id); // re-inserted below: Map order is the recency order
      } else {
        key = createPublicKey({ key: JSON.parse(device.public_key_jwk) as JsonWebKey, format: 'jwk' });
        if (imported.size >= capacity) imported.delete(imported.keys().next().value!);
      }
      imported.set(id, key);
      return key;
    },
  };
}

/**
 * The device `id` if it belongs to app `appId`. A device of another app is, to this app's
 * requests, exactly an unknown device: refused the same way, audited nowhere, so the answers tell
 * no one which ids exist in other apps.
 */
export async function findAppDevice(store: Store, id: string, appId: string): Promise<DeviceRow | undefined> {
  const device = await findDevice(store, id);
  return device?.app_id === appId ? device : undefined;
}

/**
 * Issues a single-use challenge for a device of app `appId` to sign, after counting the attempt
 * (`countAttempt`, committed with the challenge). Answered the same way for an unknown device id
 * (or another app's), so the endpoint does not confirm which devices exist.
 */
export async function issueDeviceChallenge(store: Store, deviceId: string, appId: string, now: number, countAttempt: CountAttempt): Promise<{ challenge: string; expiresAt: number }> {
  const device = await findAppDevice(store, deviceId, appId);
  const challenge = encodeBase64Url(randomBytes(32));
  const expiresAt = now + CHALLENGE_TTL_MS;
  return settle(
    await inTransaction(store, async (tx): Promise<Decision<{ challenge: string; expiresAt: number }>> => {
      const limited = await countAttempt(tx);
      if (limited) return refuse(limited);
      await saveChallenge(tx, { challenge, purpose: 'device', userId: device?.user_id ?? null, data: JSON.stringify({ deviceId }), expiresAt });
      return { ok: true, value: { challenge, expiresAt } };
    }),
  );
}

/**
 * Checks a device's signature over its challenge (ECDSA P-256 / SHA-256, P1363 encoding) and
 * returns what `onVerified` opens for the device's user. Only a device of the request's app
 * (`ctx.appId`) signs in; `origin` is the request's, which the device signed. Revoked devices and
 * bad signatures are refused and audited (with the app); another app's device is refused as an
 * unknown one is.
 *
 * One transaction, one commit, whatever the outcome: the attempt counted against the rate limits
 * (`countAttempt`), the challenge spent (single use, even when the signature is bad), then either
 * the device's last-seen time, the success entry and `onVerified`'s writes, or the failure entry.
 * The signature is checked before the transaction: it needs only the device's public key, and the
 * write lock is not held across the verification.
 */
export async function verifyDeviceSignIn<T>(
  store: Store,
  origin: string,
  req: { deviceId: string; challenge: string; signature: string },
  ctx: { now: number; address: string; appId: string; keys: DeviceKeyCache; countAttempt: CountAttempt; bindingRefusal: BindingCheck },
  onVerified: (tx: Store, userId: string) => Promise<T>,
): Promise<T> {
  const device = await findAppDevice(store, req.deviceId, ctx.appId);
  const signed = device !== undefined && signatureIsValid(ctx.keys, device, deviceSignInMessage(origin, req.challenge), req.signature);

  const decide = async (tx: Store): Promise<Decision<T>> => {
    const limited = await ctx.countAttempt(tx);
    if (limited) return refuse(limited);
    const audit = (type: 'signin.device.failure' | 'challenge.failure', reason: string) =>
      device ? appendAuditEvent(tx, device.user_id, type, { deviceId: device.id, reason, address: ctx.address, app: ctx.appId }, ctx.now) : Promise.resolve();
    let issued;
    try {
      issued = await consumeChallenge(tx, req.challenge, 'device', ctx.now);
    } catch (error) {
      if (!(error instanceof KeyholdError)) throw error;
      await audit('challenge.failure', error.code);
      return refuse(error);
    }
    if ((JSON.parse(issued.data) as { deviceId: string }).deviceId !== req.deviceId) {
      return refuse(new KeyholdError('challenge_invalid', 'The challenge was issued to another device.'));
    }
    if (!device) return refuse(new KeyholdError('signin_failed', 'Sign-in failed.'));
    if (!signed) {
      await audit('signin.device.failure', 'bad_signature');
      return refuse(new KeyholdError('signin_failed', 'Sign-in failed.'));
    }
    // Only after the signature: `device_revoked` must not confirm to someone without the key that
    // a device id exists. Checked by the touch itself, under the write lock, not on the row read above.
    if (!(await touchLiveDevice(tx, device.id, ctx.now))) {
      await audit('signin.device.failure', 'revoked');
      return refuse(new KeyholdError('device_revoked', 'This device was removed from the account; recover or sign in with a passkey.'));
    }
    // The device's key must be one the account's signed log holds (once it has one); audited there.
    const unbound = await ctx.bindingRefusal(tx, device);
    if (unbound) return refuse(unbound);
    await appendAuditEvent(tx, device.user_id, 'signin.device.success', { deviceId: device.id, address: ctx.address, app: ctx.appId }, ctx.now);
    return { ok: true, value: await onVerified(tx, device.user_id) };
  };
  // A device's user is locked first (and must still exist) like every writer of a user's rows;
  // an unknown device id has no user, and its transaction writes only the counter and the challenge.
  return settle(device ? await inUserTransaction(store, device.user_id, decide) : await inTransaction(store, decide));
}

/** True when `signatureB64` is the device's P1363 ECDSA signature over `message` (a sign-in or a lock-everywhere proof). */
export function signatureIsValid(keys: DeviceKeyCache, device: DeviceRow, message: Uint8Array, signatureB64: string): boolean {
  let signature: Uint8Array;
  try {
    signature = decodeBase64Url(signatureB64);
  } catch {
    return false;
  }
  if (signature.length !== 64) return false;
  // Synchronous on purpose: one P-256 verify is ~70–100 µs of CPU, while handing it to libuv's
  // thread pool (WebCrypto, or node:crypto with a callback) costs 20–30 µs of event-loop work to
  // set up and then waits a turn of a busy event loop for its answer (3.5 ms on average under
  // the bench's load). Measured on the bench machine: ~15 % more sign-ins per second this way.
  return verify('sha256', message, { key: keys.keyOf(device), dsaEncoding: 'ieee-p1363' }, signature);
}
