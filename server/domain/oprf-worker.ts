/**
 * The PIN-recovery evaluation in a worker thread of the OPRF pool (oprf-pool.ts): RFC 9497 §3.3.1
 * BlindEvaluate, k·B, about 2 ms of JavaScript that would otherwise hold the event loop.
 * Gets k_u (already opened from its seal by the main thread) and a validated blinded element;
 * returns the evaluated element. Zeroes its copy of the key; never logs either input.
 */
import { ristretto255_oprf } from '@noble/curves/ed25519.js';

export interface OprfTask {
  key: Uint8Array;
  blinded: Uint8Array;
}

export default function evaluate({ key, blinded }: OprfTask): Uint8Array {
  try {
    return ristretto255_oprf.oprf.blindEvaluate(key, blinded);
  } finally {
    key.fill(0);
  }
}
