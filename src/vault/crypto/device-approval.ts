/**
 * Sending S from a device in the account to a new one (docs/architecture.md "Approval from
 * another device"), WebCrypto only:
 *
 *   new device:  (a, A) = fresh ECDH P-256 pair; sends A (raw, uncompressed) with its request
 *   approver:    (b, B) = fresh ECDH P-256 pair
 *                Z   = ECDH(b, A)                                   (SEC 1 §3.3.1, x coordinate)
 *                KEK = HKDF-SHA-256(IKM = Z, salt = UTF-8 request id, info = "keyhold/device-approval/v1")
 *                C   = AES-256-GCM(KEK, S, AAD = context root-secret-approval, userId, id = request id)
 *                sends (B, C)
 *   new device:  Z = ECDH(a, B), the same KEK, opens C
 *
 * Both pairs are ephemeral and the private halves never leave memory (non-extractable); the server
 * relays A, B and C and can open nothing. What it could do is hand the approver its own A', which
 * the fingerprint phrase (approval-phrase.ts) both devices show from the key each holds catches.
 */
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { DEVICE_APPROVAL_PUBLIC_KEY_BYTES, HKDF_INFO_DEVICE_APPROVAL } from '../../../protocol/constants';
import { VaultCryptoError } from '../errors';
import { unwrapRootSecret, wrapRootSecret } from './hierarchy';
import { parseGcmBlob } from './primitives/aead';
import { bufferSource, utf8 } from './primitives/bytes';
import { approvalWrapContext } from './primitives/contexts';
import { hkdfAesGcmKey } from './primitives/hkdf';
import type { Branded, Kek, RootSecret, WrappedKey } from './keys';

const ECDH_P256 = { name: 'ECDH', namedCurve: 'P-256' } as const;

/** The new device's ephemeral ECDH private key: non-extractable, dropped once the answer is opened. */
export type ApprovalPrivateKey = Branded<CryptoKey, 'ApprovalPrivateKey'>;

export interface ApprovalKeyPair {
  readonly privateKey: ApprovalPrivateKey;
  /** The public half, raw uncompressed point (65 bytes), base64url: what the request carries. */
  readonly publicKey: string;
}

/** What the approver sends back: its ephemeral public key (raw, base64url) and S sealed to the requester. */
export interface SealedApprovalAnswer {
  readonly publicKey: string;
  readonly ciphertext: WrappedKey;
}

/** Which request a sealed answer belongs to: both go into the AAD (the request id also salts HKDF). */
export interface ApprovalBinding {
  readonly userId: string;
  readonly requestId: string;
}

async function exportRaw(publicKey: CryptoKey): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', publicKey)));
}

/** Imports a raw P-256 point; anything else (wrong length, not on the curve) is `malformed_blob`. */
async function importPeerKey(raw: string): Promise<CryptoKey> {
  try {
    const bytes = decodeBase64Url(raw);
    if (bytes.length !== DEVICE_APPROVAL_PUBLIC_KEY_BYTES) throw new Error('length');
    return await crypto.subtle.importKey('raw', bufferSource(bytes), ECDH_P256, true, []);
  } catch {
    throw new VaultCryptoError('malformed_blob', 'Not a P-256 public key');
  }
}

/** KEK = HKDF(ECDH(own, peer), salt = request id, info = label). Returns a non-extractable key; the shared secret is wiped. */
async function deriveApprovalKek(own: CryptoKey, peer: CryptoKey, requestId: string): Promise<Kek> {
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, own, 256));
  try {
    return (await hkdfAesGcmKey(shared, utf8.encode(requestId), utf8.encode(HKDF_INFO_DEVICE_APPROVAL), ['encrypt', 'decrypt'])) as Kek;
  } finally {
    shared.fill(0);
  }
}

/** The new device's ephemeral pair. Returns a private key that must never be exported or logged. */
export async function createApprovalKeyPair(): Promise<ApprovalKeyPair> {
  const pair = await crypto.subtle.generateKey(ECDH_P256, false, ['deriveBits']);
  return { privateKey: pair.privateKey as ApprovalPrivateKey, publicKey: await exportRaw(pair.publicKey) };
}

/**
 * On the approving device: seals S to the requester's public key under a fresh pair of its own.
 * Returns ciphertext and a public key only; throws `malformed_blob` for a key that is not a
 * P-256 point. Never log S.
 */
export async function sealRootSecretForDevice(rootSecret: RootSecret, requesterPublicKey: string, binding: ApprovalBinding): Promise<SealedApprovalAnswer> {
  const peer = await importPeerKey(requesterPublicKey);
  const own = await crypto.subtle.generateKey(ECDH_P256, false, ['deriveBits']);
  const kek = await deriveApprovalKek(own.privateKey, peer, binding.requestId);
  const ciphertext = await wrapRootSecret(rootSecret, kek, approvalWrapContext(binding.userId, binding.requestId));
  return { publicKey: await exportRaw(own.publicKey), ciphertext };
}

/**
 * On the new device: opens the approver's answer with its ephemeral private key. Returns S raw
 * (the caller wipes it; never log it). Throws `malformed_blob` or `decrypt_failed` (sealed to
 * another key, for another request or account, or tampered with).
 */
export async function openApprovalAnswer(privateKey: ApprovalPrivateKey, answer: { publicKey: string; ciphertext: string }, binding: ApprovalBinding): Promise<RootSecret> {
  const peer = await importPeerKey(answer.publicKey);
  const kek = await deriveApprovalKek(privateKey, peer, binding.requestId);
  return unwrapRootSecret(parseGcmBlob<WrappedKey>(answer.ciphertext), kek, approvalWrapContext(binding.userId, binding.requestId));
}
