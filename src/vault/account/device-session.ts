/**
 * Device sign-in (docs/architecture.md "Sessions and device sign-in"): after a local unlock the
 * device signs a server challenge with its ECDSA key to open a sync session, with no passkey
 * prompt. Never on the unlock path: the vault opens offline and this runs afterwards.
 */
import { encodeBase64Url } from '../../../protocol/base64url';
import { deviceSignInMessage } from '../../../protocol/device-signin';
import { signWithDeviceKey, type DeviceSigningPrivateKey } from '../crypto';
import type { KeyServer } from '../platform/key-server';

/**
 * Opens a device-scoped session (the cookie is set by the answer). `origin` is this app's origin,
 * which the signature binds so it is useless against any other key server. Rejects with a
 * KeyServerError; the private key never leaves WebCrypto.
 */
export async function openDeviceSession(server: KeyServer, deviceId: string, privateKey: DeviceSigningPrivateKey, origin: string): Promise<void> {
  const { challenge } = await server.deviceChallenge(deviceId);
  const signature = await signWithDeviceKey(privateKey, deviceSignInMessage(origin, challenge));
  await server.deviceSignIn(deviceId, challenge, encodeBase64Url(signature));
}
