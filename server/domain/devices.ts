import { randomBytes, webcrypto } from 'node:crypto';
import type { DevicePublicKeyT } from '../../protocol/api';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { CHALLENGE_TTL_MS } from '../../protocol/constants';
import { deviceSignInMessage } from '../../protocol/device-signin';
import { appendAuditEvent } from '../store/audit';
import { consumeChallenge, saveChallenge } from '../store/challenges';
import { findDevice, touchDevice } from '../store/devices';
import type { Store } from '../store/store';
import { inUserTransaction } from './user-transaction';
import { KeyholdError } from './errors';

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
 * Issues a single-use challenge for a device to sign. Answered the same way for an unknown device
 * id, so the endpoint does not confirm which devices exist.
 */
export async function issueDeviceChallenge(store: Store, deviceId: string, now: number): Promise<{ challenge: string; expiresAt: number }> {
  const device = await findDevice(store, deviceId);
  const challenge = encodeBase64Url(randomBytes(32));
  const expiresAt = now + CHALLENGE_TTL_MS;
  await saveChallenge(store, { challenge, purpose: 'device', userId: device?.user_id ?? null, data: JSON.stringify({ deviceId }), expiresAt });
  return { challenge, expiresAt };
}

/**
 * Checks a device's signature over its challenge (ECDSA P-256 / SHA-256, P1363 encoding) and
 * returns the device's user. Revoked devices and bad signatures are refused and audited.
 */
export async function verifyDeviceSignIn<T>(
  store: Store,
  origin: string,
  req: { deviceId: string; challenge: string; signature: string },
  ctx: { now: number; address: string },
  onVerified: (tx: Store, userId: string) => Promise<T>,
): Promise<T> {
  const device = await findDevice(store, req.deviceId);
  const audit = (type: 'signin.device.failure' | 'challenge.failure', reason: string) =>
    device ? inUserTransaction(store, device.user_id, (tx) => appendAuditEvent(tx, device.user_id, type, { deviceId: device.id, reason, address: ctx.address }, ctx.now)) : Promise.resolve();
  let issued;
  try {
    issued = await consumeChallenge(store, req.challenge, 'device', ctx.now);
  } catch (error) {
    if (error instanceof KeyholdError) await audit('challenge.failure', error.code);
    throw error;
  }
  if ((JSON.parse(issued.data) as { deviceId: string }).deviceId !== req.deviceId) {
    throw new KeyholdError('challenge_invalid', 'The challenge was issued to another device.');
  }
  if (!device) throw new KeyholdError('signin_failed', 'Sign-in failed.');
  const key = await webcrypto.subtle.importKey('jwk', JSON.parse(device.public_key_jwk) as webcrypto.JsonWebKey, ECDSA_P256, false, ['verify']);
  let signature: Uint8Array;
  try {
    signature = decodeBase64Url(req.signature);
  } catch {
    signature = new Uint8Array();
  }
  const valid =
    signature.length === 64 &&
    (await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, deviceSignInMessage(origin, req.challenge)));
  if (!valid) {
    await audit('signin.device.failure', 'bad_signature');
    throw new KeyholdError('signin_failed', 'Sign-in failed.');
  }
  // Only after the signature: `device_revoked` must not confirm to someone without the key that a device id exists.
  if (device.revoked_at !== null) {
    await audit('signin.device.failure', 'revoked');
    throw new KeyholdError('device_revoked', 'This device was removed from the account; recover or sign in with a passkey.');
  }
  // One commit for the device's last-seen time, the audit entry and whatever `onVerified` opens.
  return inUserTransaction(store, device.user_id, async (tx) => {
    await touchDevice(tx, device.id, ctx.now);
    await appendAuditEvent(tx, device.user_id, 'signin.device.success', { deviceId: device.id, address: ctx.address }, ctx.now);
    return onVerified(tx, device.user_id);
  });
}
