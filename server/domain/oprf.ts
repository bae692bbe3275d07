import { ristretto255, ristretto255_oprf } from '@noble/curves/ed25519.js';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import type { Pepper } from './pepper';

/**
 * The server's half of OPRF(ristretto255, SHA-512) in base mode (RFC 9497 §3.3.1, mode 0x00), as
 * implemented by @noble/curves: the server holds a scalar k and answers a blinded element B with
 * k·B. It never sees the client's input (the Argon2id output of the PIN) nor the OPRF output.
 */
const { oprf } = ristretto255_oprf;

/** Returns a fresh random key (RFC 9497 §3.2 GenerateKeyPair: skS); seal it before storing, never log it. */
export function newOprfKey(): Uint8Array {
  return oprf.generateKeyPair().secretKey;
}

const DECOY_KEY_INFO = new TextEncoder().encode('keyhold/decoy-oprf-key/v1');

/**
 * The seed an unknown username's decoy key derives from (`decoyKeyFromSeed`): only the pepper can
 * make it, so the same username always gets the same evaluation, as a real account would. As
 * secret as the key; never log it.
 */
export function decoyKeySeed(pepper: Pepper, username: string): Uint8Array {
  return pepper.derive('decoy-oprf-key', username);
}

/** RFC 9497 §3.2.1 DeriveKeyPair's secret key from a `decoyKeySeed` (about 0.35 ms of JavaScript: it computes the public key too). */
export function decoyKeyFromSeed(seed: Uint8Array): Uint8Array {
  return oprf.deriveKeyPair(seed, DECOY_KEY_INFO).secretKey;
}

/**
 * BlindEvaluate (RFC 9497 §3.3.1) of a PIN-recovery start: with `key` (k_u), or when it is null
 * with the decoy key `decoySeed` derives. Given a seed, the decoy key is derived whether or not it
 * is used, so a real record and a decoy cost the same here, and their answers take the same time.
 * Zeroes the derived key; the caller owns `key` and `decoySeed`.
 */
export function evaluateRecoveryStart(key: Uint8Array | null, blinded: Uint8Array, decoySeed?: Uint8Array): Uint8Array {
  const decoy = decoySeed ? decoyKeyFromSeed(decoySeed) : undefined;
  try {
    const k = key ?? decoy;
    if (!k) throw new Error('an OPRF evaluation needs a key or a decoy seed');
    return oprf.blindEvaluate(k, blinded);
  } finally {
    decoy?.fill(0);
  }
}

/**
 * Decodes a client's blinded element and checks it is a valid, non-identity ristretto255 element
 * (RFC 9497 §2.1 DeserializeElement), before any guess is spent on it.
 */
export function parseBlindedElement(text: string): Uint8Array {
  try {
    const bytes = decodeBase64Url(text);
    if (!ristretto255.Point.fromBytes(bytes).is0()) return bytes;
  } catch {
    // reported below
  }
  throw new KeyholdError('invalid_request', 'blindedElement: not a ristretto255 element');
}

/** RFC 9497 §3.3.1 BlindEvaluate: returns the evaluated element (base64url); safe to send. */
export function blindEvaluate(key: Uint8Array, blinded: Uint8Array): string {
  return encodeBase64Url(oprf.blindEvaluate(key, blinded));
}
