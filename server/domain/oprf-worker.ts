/**
 * The PIN-recovery evaluation in a worker thread of the OPRF pool (oprf-pool.ts): RFC 9497 §3.3.1
 * BlindEvaluate, k·B on libsodium (about 0.2 ms that would otherwise hold the event loop).
 * Gets k (k_u opened from its seal, or a decoy key, both by the main thread) and a validated
 * blinded element; returns the evaluated element. Zeroes its copy of the key; never logs any input.
 */
import { evaluateBlinded, oprfReady } from './oprf';

export interface OprfTask {
  key: Uint8Array;
  blinded: Uint8Array;
}

export default async function evaluate({ key, blinded }: OprfTask): Promise<Uint8Array> {
  try {
    await oprfReady();
    return evaluateBlinded(key, blinded);
  } finally {
    key.fill(0);
  }
}
