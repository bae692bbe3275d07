import { KeyObject, randomBytes, sign, webcrypto } from 'node:crypto';
import { encodeBase64Url } from '../../protocol/base64url';
import { deviceSignInMessage } from '../../protocol/device-signin';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator';
import { BrowserClient } from './browser-client';

/** Size of the benchmark's key bundle ciphertext: ~4 KiB of base64url, a vault with a few dozen keys. */
export const KEY_BUNDLE_BYTES = 3072;
/** A PRF wrap of the root secret: nonce, 32-byte key, tag and a header. */
export const WRAP_PRF_BYTES = 92;

/** A registered device's signing key, as the app keeps it (WebCrypto) and as a KeyObject for synchronous signing. Never printed. */
export interface SeededDevice {
  deviceId: string;
  privateKey: webcrypto.CryptoKey;
  keyObject: KeyObject;
}

/** An account as the app leaves it after onboarding: one passkey, a key bundle, its registered devices. */
export interface SeededAccount {
  userId: string;
  devices: SeededDevice[];
  /** `kh_session=…` of a device-scoped session of the first device, as a syncing device holds it. A secret: never printed. */
  deviceCookie: string;
}

/**
 * Goes through the real API exactly like the app: passkey registration (software authenticator,
 * real attestation), key bundle and PRF wrap upload, device registration (WebCrypto P-256), then a
 * device sign-in on a fresh client for the sync session.
 */
export async function seedAccount(baseUrl: string, origin: string, username = 'bench-user', deviceCount = 1): Promise<SeededAccount> {
  const browser = new BrowserClient(baseUrl, origin);
  const authenticator = new SoftAuthenticator();
  const options = await browser.expectOk('register options', 'POST', '/api/passkeys/register/options', { username });
  const attestation = await authenticator.register(options, { origin, prf: true });
  const registered = await browser.expectOk('register verify', 'POST', '/api/passkeys/register/verify', { response: withoutPrfOutput(attestation) });

  await browser.expectOk('key bundle upload', 'PUT', '/api/backup/key-bundle', { blob: encodeBase64Url(randomBytes(KEY_BUNDLE_BYTES)), expectedVersion: 0 });
  await browser.expectOk('PRF wrap upload', 'PUT', `/api/backup/wrap-prf/${registered.passkey.id}`, { blob: encodeBase64Url(randomBytes(WRAP_PRF_BYTES)), expectedVersion: 0 });

  const devices: SeededDevice[] = [];
  for (let i = 0; i < deviceCount; i++) {
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const jwk = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
    const device = await browser.expectOk('device registration', 'POST', '/api/devices', { name: `Bench device ${i + 1}`, publicKey: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } });
    devices.push({ deviceId: device.id, privateKey: pair.privateKey, keyObject: KeyObject.from(pair.privateKey) });
  }

  const first = devices[0]!;
  const deviceClient = new BrowserClient(baseUrl, origin);
  const { challenge } = await deviceClient.expectOk('device challenge', 'POST', '/api/devices/challenge', { deviceId: first.deviceId });
  const signature = await signDeviceChallenge(first.privateKey, origin, challenge);
  await deviceClient.expectOk('device sign-in', 'POST', '/api/devices/signin', { deviceId: first.deviceId, challenge, signature });
  if (!deviceClient.cookie) throw new Error('device sign-in set no session cookie');

  return { userId: registered.session.userId, devices, deviceCookie: deviceClient.cookie };
}

/** Signs a device challenge exactly as the app does (WebCrypto ECDSA P-256 / SHA-256, P1363 r||s). */
export async function signDeviceChallenge(privateKey: webcrypto.CryptoKey, origin: string, challenge: string): Promise<string> {
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, deviceSignInMessage(origin, challenge));
  return encodeBase64Url(new Uint8Array(signature));
}

/** The same signature made synchronously (node:crypto, P1363 encoding), for use inside a load generator callback. */
export function signDeviceChallengeSync(privateKey: KeyObject, origin: string, challenge: string): string {
  return encodeBase64Url(new Uint8Array(sign('sha256', deviceSignInMessage(origin, challenge), { key: privateKey, dsaEncoding: 'ieee-p1363' })));
}
