import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { encodeBase64Url } from '../../protocol/base64url';
import { pinInput } from '../../test/helpers/recovery';

const { oprf } = ristretto255_oprf;
/** What a client would blind: the Argon2id output of a PIN (any 32 bytes: the server never sees it). */
const GUESS = pinInput('bench-load-wrong-pin');

/**
 * Blinded elements for `POST /api/recovery/pin/start`, each made by RFC 9497 Blind with a fresh
 * random blind and sent once. Blinding costs about as much as the server's evaluation (~2 ms
 * here, in JavaScript), so they are made before a run, off the measured window; if a run outlasts
 * the pool, the rest are blinded as they are sent and counted in `madeDuringRun`.
 */
export class BlindedPool {
  #ready: string[] = [];
  madeDuringRun = 0;

  /** Makes `count` more, yielding to the event loop between batches. */
  async fill(count: number): Promise<void> {
    for (let made = 0; made < count; made += 256) {
      for (let i = 0; i < Math.min(256, count - made); i++) this.#ready.push(encodeBase64Url(oprf.blind(GUESS).blinded));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Ready elements left. */
  get size(): number {
    return this.#ready.length;
  }

  /** An element never sent before. */
  take(): string {
    const ready = this.#ready.pop();
    if (ready !== undefined) return ready;
    this.madeDuringRun++;
    return encodeBase64Url(oprf.blind(GUESS).blinded);
  }
}
