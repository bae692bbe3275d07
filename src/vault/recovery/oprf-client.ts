/**
 * The client's half of PIN recovery's OPRF (RFC 9497 OPRF(ristretto255, SHA-512), base mode,
 * via @noble/curves) and what it feeds and yields: the Argon2id input, KEK_pinRecovery and the tag.
 * The protocol as a whole is described in server/domain/pin-recovery.ts.
 */
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { ARGON2_HASH_LENGTH } from '../../../protocol/constants';
import {
  VaultCryptoError,
  deriveKekFromPinRecovery,
  derivePinRecoveryTag,
  normalizePin,
  type Argon2Params,
  type DeriveArgon2,
  type Kek,
} from '../crypto';

const { oprf } = ristretto255_oprf;

/**
 * x = Argon2id(UTF-8 of NFKC(PIN), salt) with already-validated `params`: the OPRF input.
 * Returns secret bytes: the caller wipes them; never log the PIN or x.
 */
export async function pinRecoveryInput(pin: string, salt: Uint8Array, params: Argon2Params, argon2: DeriveArgon2, signal?: AbortSignal): Promise<Uint8Array> {
  const password = new TextEncoder().encode(normalizePin(pin));
  try {
    const x = await argon2(password, salt, params, signal);
    if (!(x instanceof Uint8Array) || x.length !== ARGON2_HASH_LENGTH) throw new VaultCryptoError('kdf_failed', 'Argon2 returned a tag of the wrong length');
    return x;
  } finally {
    password.fill(0);
  }
}

/** RFC 9497 §3.3.1 Blind: `blind` stays on the device (never log or send it); `blindedElement` goes to the server. */
export function blindInput(input: Uint8Array): { blind: Uint8Array; blindedElement: string } {
  const { blind, blinded } = oprf.blind(input);
  return { blind, blindedElement: encodeBase64Url(blinded) };
}

/**
 * RFC 9497 §3.3.1 Finalize: unblinds the server's evaluation into the 64-byte OPRF output.
 * Throws `malformed_blob` for an evaluation that is not a valid element. Returns a secret: wipe it.
 */
export function finalizeOutput(input: Uint8Array, blind: Uint8Array, evaluatedElement: string): Uint8Array {
  try {
    return oprf.finalize(input, blind, decodeBase64Url(evaluatedElement));
  } catch {
    throw new VaultCryptoError('malformed_blob', 'The key server sent an evaluation that is not a ristretto255 element');
  }
}

/** From the OPRF output: KEK_pinRecovery (non-extractable) and the tag to prove the PIN with (base64url). */
export async function pinRecoveryKeys(oprfOutput: Uint8Array): Promise<{ kek: Kek; tag: string }> {
  const tag = await derivePinRecoveryTag(oprfOutput);
  return { kek: await deriveKekFromPinRecovery(oprfOutput), tag: encodeBase64Url(tag) };
}
