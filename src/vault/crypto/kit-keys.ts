/**
 * The recovery kit's two keys from its code (docs/architecture.md "Recovery kit"), next to the
 * hierarchy's other KEKs but in a file of their own: only the kit's chunks load them.
 */
import { HKDF_INFO_KEK_KIT, HKDF_INFO_KIT_AUTH, RECOVERY_KIT_AUTH_BYTES } from '../../../protocol/constants';
import type { Kek } from './keys';
import { utf8 } from './primitives/bytes';
import { hkdfAesGcmKey, hkdfBytes } from './primitives/hkdf';

const NO_SALT = new Uint8Array(0);
const KEK_USAGES: readonly KeyUsage[] = ['encrypt', 'decrypt'];

/**
 * KEK_kit = HKDF-SHA-256(IKM = the recovery code's 16 entropy bytes, no salt, info = "keyhold/kek-kit/v1").
 * 128 uniform bits need no stretching (no Argon2): nobody can enumerate 2^128 codes. Returns a
 * non-extractable key; never log the entropy or the words it came from.
 */
export async function deriveKekFromKit(entropy: Uint8Array): Promise<Kek> {
  return (await hkdfAesGcmKey(entropy, NO_SALT, utf8.encode(HKDF_INFO_KEK_KIT), KEK_USAGES)) as Kek;
}

/**
 * kitAuth = HKDF-SHA-256(the code's entropy, no salt, "keyhold/kit-auth/v1"), 32 bytes: what proves
 * the code to the server, which keeps only its SHA-256. A distinct label keeps it independent of
 * KEK_kit, so the server learns nothing about the key from it. Never log it.
 */
export async function deriveKitAuth(entropy: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return hkdfBytes(entropy, NO_SALT, utf8.encode(HKDF_INFO_KIT_AUTH), RECOVERY_KIT_AUTH_BYTES);
}
