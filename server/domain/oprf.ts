import { ristretto255_hasher, ristretto255_oprf } from '@noble/curves/ed25519.js';
import { concatBytes } from '@noble/hashes/utils.js';
import sodium from 'libsodium-wrappers-sumo';
import { decodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import type { Pepper } from './pepper';

/**
 * The server's half of OPRF(ristretto255, SHA-512) in base mode (RFC 9497 §3.3.1, mode 0x00): the
 * server holds a scalar k and answers a blinded element B with k·B. It never sees the client's
 * input (the Argon2id output of the PIN) nor the OPRF output.
 *
 * The group operations run on libsodium (its WebAssembly build): k·B there takes about 0.2 ms, where
 * @noble/curves' `blindEvaluate` took about 2 ms of JavaScript on this server's hardware
 * (`npm run bench:server` measures both). Keys are generated and derived as @noble/curves does
 * (`ristretto255_oprf`, which the client also uses), so the two agree on every key and element;
 * oprf.test.ts holds both to RFC 9497's test vectors.
 */
const { oprf } = ristretto255_oprf;

// libsodium instantiates its WebAssembly module once per thread (each worker of the OPRF pool too)
// before any of its functions exists. Not a top-level await: the pool's workers load this module
// as CommonJS.
let ready = false;
const readying = sodium.ready.then(() => {
  ready = true;
});

/** Resolves once this thread can evaluate: `evaluateBlinded` needs it first. */
export function oprfReady(): Promise<void> {
  return readying;
}

function libsodium(): typeof sodium {
  if (!ready) throw new Error('the OPRF was used before oprfReady() resolved');
  return sodium;
}

/** Returns a fresh random key (RFC 9497 §3.2 GenerateKeyPair: skS); seal it before storing, never log it. */
export function newOprfKey(): Uint8Array {
  return oprf.generateKeyPair().secretKey;
}

const DECOY_KEY_INFO = new TextEncoder().encode('keyhold/decoy-oprf-key/v1');
/** RFC 9497 §3.2.1's DST for DeriveKeyPair in base mode: "DeriveKeyPair" || contextString. */
const DERIVE_KEY_PAIR_DST = new TextEncoder().encode('DeriveKeyPairOPRFV1-\u0000-ristretto255-SHA512');

/**
 * RFC 9497 §3.2.1 DeriveKeyPair, the secret key only: skS = HashToScalar(seed || I2OSP(len(info), 2)
 * || info || I2OSP(counter, 1)), with the suite's HashToScalar from @noble/curves. noble's own
 * `deriveKeyPair` gives the same skS (oprf.test.ts checks both against the RFC's vector) but also
 * multiplies out the public key, which cost four times the evaluation it is derived for.
 */
export function deriveOprfSecretKey(seed: Uint8Array, info: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new Error('an OPRF key seed is 32 bytes');
  if (info.length > 0xffff) throw new Error('OPRF key info too long');
  const message = concatBytes(seed, Uint8Array.of(info.length >> 8, info.length & 0xff), info, Uint8Array.of(0));
  try {
    for (let counter = 0; counter <= 255; counter++) {
      message[message.length - 1] = counter;
      const scalar = ristretto255_hasher.hashToScalar(message, { DST: DERIVE_KEY_PAIR_DST });
      if (scalar !== 0n) return ristretto255_hasher.Point.Fn.toBytes(scalar);
    }
  } finally {
    message.fill(0);
  }
  throw new Error('DeriveKeyPair found no key');
}

/**
 * The seed an unknown username's decoy key derives from (`decoyKeyFromSeed`): only the pepper can
 * make it, so the same username always gets the same evaluation, as a real account would. As
 * secret as the key; never log it.
 */
export function decoyKeySeed(pepper: Pepper, username: string): Uint8Array {
  return pepper.derive('decoy-oprf-key', username);
}

/** RFC 9497 §3.2.1 DeriveKeyPair's secret key from a `decoyKeySeed` (about 30 µs). */
export function decoyKeyFromSeed(seed: Uint8Array): Uint8Array {
  return deriveOprfSecretKey(seed, DECOY_KEY_INFO);
}

/**
 * The WebAssembly module under libsodium.js's wrappers (`sodium.libsodium`, untyped there). The
 * wrapper of crypto_scalarmult_ristretto255 copies the key into this module's memory and frees it
 * unwiped, so `evaluateBlinded` calls the function itself and wipes the key's copy.
 */
interface LibsodiumModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _crypto_scalarmult_ristretto255(q: number, n: number, p: number): number;
}

/**
 * RFC 9497 §3.3.1 BlindEvaluate, k·B on libsodium, as bytes; `blinded` must have passed
 * `parseBlindedElement`. No copy of the key stays in libsodium's memory afterwards (what the
 * multiplication leaves on libsodium's own stack is overwritten by later calls, not wiped).
 */
export function evaluateBlinded(key: Uint8Array, blinded: Uint8Array): Uint8Array {
  const raw = (libsodium() as unknown as { libsodium: LibsodiumModule }).libsodium;
  const size = sodium.crypto_scalarmult_ristretto255_BYTES;
  if (key.length !== sodium.crypto_scalarmult_ristretto255_SCALARBYTES || blinded.length !== size) throw new Error('an OPRF key and element are 32 bytes');
  const k = raw._malloc(key.length);
  const b = raw._malloc(size);
  const q = raw._malloc(size);
  try {
    // HEAPU8 is read after the allocations: growing the memory replaces the view.
    raw.HEAPU8.set(key, k);
    raw.HEAPU8.set(blinded, b);
    // Non-zero only for an invalid element or an identity result, which a parsed element and a non-zero key never give.
    if (raw._crypto_scalarmult_ristretto255(q, k, b) !== 0) throw new Error('the OPRF evaluation failed');
    return raw.HEAPU8.slice(q, q + size);
  } finally {
    raw.HEAPU8.fill(0, k, k + key.length);
    raw._free(k);
    raw._free(b);
    raw._free(q);
  }
}

/**
 * Decodes a client's blinded element and checks it is a valid, non-identity ristretto255 element
 * (RFC 9497 §2.1 DeserializeElement), before any guess is spent on it. libsodium accepts only the
 * canonical 32-byte encoding, and the identity's is 32 zero bytes.
 */
export async function parseBlindedElement(text: string): Promise<Uint8Array> {
  await readying;
  try {
    const bytes = decodeBase64Url(text);
    if (bytes.length === sodium.crypto_core_ristretto255_BYTES && sodium.crypto_core_ristretto255_is_valid_point(bytes) && !sodium.is_zero(bytes)) return bytes;
  } catch {
    // reported below
  }
  throw new KeyholdError('invalid_request', 'blindedElement: not a ristretto255 element');
}
