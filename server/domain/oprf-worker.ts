/**
 * The PIN-recovery evaluation in a worker thread of the OPRF pool (oprf-pool.ts): RFC 9497 §3.3.1
 * BlindEvaluate, k·B, about 1–2 ms of JavaScript that would otherwise hold the event loop, and for
 * a start the decoy key's derivation (`evaluateRecoveryStart`), real record or not.
 * Gets k_u (already opened from its seal by the main thread) or null, a validated blinded element
 * and the decoy seed; returns the evaluated element. Zeroes its copies of the key and the seed;
 * never logs any input.
 */
import { evaluateRecoveryStart } from './oprf';

export interface OprfTask {
  key: Uint8Array | null;
  blinded: Uint8Array;
  decoySeed?: Uint8Array;
}

export default function evaluate({ key, blinded, decoySeed }: OprfTask): Uint8Array {
  try {
    return evaluateRecoveryStart(key, blinded, decoySeed);
  } finally {
    key?.fill(0);
    decoySeed?.fill(0);
  }
}
