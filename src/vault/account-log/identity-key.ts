/**
 * The account's identity key (docs/architecture.md "Signed account log"): Ed25519 (RFC 8032) in
 * WebCrypto. Made with the vault (onboarding), by a migration of an older account, and anew by lock
 * everywhere (a rotation); its private half lives only in the key bundle (v4, crypto/key-bundle.ts)
 * and, once opened, as a non-extractable CryptoKey. Signatures are over the bytes
 * protocol/account-log.ts defines; both sides verify them with @noble/curves.
 */
import { logEntrySigningBytes, type LogEntry, type UnsignedLogEntry } from '../../../protocol/account-log';
import { encodeBase64Url } from '../../../protocol/base64url';
import type { IdentityKeyPair, IdentityPrivateKey } from '../crypto';

const ED25519 = { name: 'Ed25519' } as const;

/** A new identity key pair; the private half is extractable only so it can be sealed into the key bundle. Never log it. */
export async function createIdentityKey(): Promise<IdentityKeyPair> {
  // Exception to non-extractable: sealKeyBundle exports the private key once, as pkcs8; every
  // later copy is opened from the bundle non-extractable (key-bundle.ts openIdentity).
  const pair = (await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { publicKey: encodeBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))), privateKey: pair.privateKey };
}

/** The Ed25519 signature (64 bytes, base64url) of `bytes` by `privateKey` (RFC 8032 §5.1.6: deterministic). */
export async function signWithIdentity(privateKey: IdentityPrivateKey | CryptoKey, bytes: Uint8Array): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, bytes as Uint8Array<ArrayBuffer>)));
}

/**
 * Signs `unsigned` for `userId`'s log (protocol/account-log.ts `logEntrySigningBytes`): `sig` by the
 * key in force before it (the genesis: the key it introduces), and `newKeySig` by `rotateTo` when
 * the entry rotates the identity key. Never log the keys.
 */
export async function signLogEntry(
  userId: string,
  unsigned: UnsignedLogEntry,
  signer: IdentityPrivateKey | CryptoKey,
  rotateTo?: IdentityPrivateKey | CryptoKey,
): Promise<LogEntry> {
  const bytes = logEntrySigningBytes(userId, unsigned);
  const sig = await signWithIdentity(signer, bytes);
  return rotateTo ? { ...unsigned, sig, newKeySig: await signWithIdentity(rotateTo, bytes) } : { ...unsigned, sig };
}
