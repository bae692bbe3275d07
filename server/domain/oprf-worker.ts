/**
 * The PIN-recovery evaluation in a worker thread of the OPRF pool (oprf-pool.ts): RFC 9497 §3.3.1
 * BlindEvaluate, k·B, about 2 ms of JavaScript that would otherwise hold the event loop.
 * Gets k_u (already opened from its seal by the main thread) and a validated blinded element;
 * returns the evaluated element. Zeroes its copy of the key; never logs either input.
 */
import { setPriority } from 'node:os';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';

/**
 * Lower this thread's scheduling priority (on Linux a nice value is per thread, and 0 names the
 * calling one): when the cores are busy, the event loop serving every other request runs first and
 * a burst of evaluations waits, rather than the other way round. With idle cores nothing changes.
 */
export const OPRF_THREAD_NICE = 10;
try {
  setPriority(0, OPRF_THREAD_NICE);
} catch {
  // Not permitted or not supported here: the pool still works, only without that precedence.
}

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
