/**
 * The AAD contexts of every object the vault stores, in one place, so the writer and every later
 * reader (this device, a recovered device, the sync engine) bind and check the same bytes.
 * `v` here is the format version of each object's plaintext (key-bundle.ts, records.ts).
 */
import type { AeadContext } from './aead';

const V1 = 1;

/** wrap_local(S): id = the base64url Argon2 salt, so each PIN wrap has a context of its own. */
export const localWrapContext = (userId: string, saltB64: string): AeadContext<'root-secret-local'> => ({
  userId,
  kind: 'root-secret-local',
  id: saltB64,
  v: V1,
});

/** wrap_prf(S): id = the WebAuthn credential id (base64url), one wrap per PRF credential. */
export const prfWrapContext = (userId: string, credentialId: string): AeadContext<'root-secret-prf'> => ({
  userId,
  kind: 'root-secret-prf',
  id: credentialId,
  v: V1,
});

/** wrap_pinRecovery(S): id = the base64url Argon2 salt of that registration, as for wrap_local. */
export const pinRecoveryWrapContext = (userId: string, saltB64: string): AeadContext<'root-secret-pin-recovery'> => ({
  userId,
  kind: 'root-secret-pin-recovery',
  id: saltB64,
  v: V1,
});

/** S under the TOTP-escrowed R: one escrow per user, replaced on each enrolment. */
export const totpEscrowWrapContext = (userId: string): AeadContext<'root-secret-totp'> => ({ userId, kind: 'root-secret-totp', id: 'escrow', v: V1 });

/** S under KEK_kit (the recovery kit): one kit per user, replaced by each new one. */
export const kitWrapContext = (userId: string): AeadContext<'root-secret-kit'> => ({ userId, kind: 'root-secret-kit', id: 'kit', v: V1 });

/** S sealed by an approving device to a new one (device-approval.ts): id = the request id, one answer per request. */
export const approvalWrapContext = (userId: string, requestId: string): AeadContext<'root-secret-approval'> => ({
  userId,
  kind: 'root-secret-approval',
  id: requestId,
  v: V1,
});

/**
 * The key bundle: one per user; `v` is its plaintext format (key-bundle.ts: 1, 2 after a rotation,
 * 3 bound to `serverVersion`, the version of PUT /api/backup/key-bundle it is stored as).
 */
export const keyBundleContext = (userId: string, v = V1, serverVersion?: number): AeadContext<'key-bundle'> => ({
  userId,
  kind: 'key-bundle',
  id: 'primary',
  v,
  ...(serverVersion !== undefined && { serverVersion }),
});

/** VK under the user's public key (RSA-OAEP label): id = the vault id kept in the key bundle. */
export const vaultKeyContext = (userId: string, vaultId: string): AeadContext<'vault-key'> => ({
  userId,
  kind: 'vault-key',
  id: vaultId,
  v: V1,
});

/** The device signing key: id = a random id made with it, kept beside it in IndexedDB. */
export const deviceKeyContext = (userId: string, deviceKeyId: string): AeadContext<'device-signing-key'> => ({
  userId,
  kind: 'device-signing-key',
  id: deviceKeyId,
  v: V1,
});
