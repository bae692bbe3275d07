import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { encodeBase64Url } from '../../protocol/base64url';
import type { OprfEvaluator } from '../../server/domain/oprf-pool';
import type { LoadSpec } from './load';

/** Unknown usernames the PIN-recovery starts name: each is answered from its decoy record, with its own OPRF key. */
const USERNAMES = 64;

/**
 * `POST /api/recovery/pin/start` as fast as the server answers: each request spends a guess (of a
 * decoy record: the run's usernames have no account, which costs the server the same as a real
 * one) and has the server evaluate a blinded element — the PIN-recovery evaluation. The server
 * must run with a guess allowance and sign-in limits the run cannot exhaust.
 */
export function pinRecoveryStarts(url: string, origin: string): LoadSpec {
  const bodies = Array.from({ length: USERNAMES }, (_, i) => {
    const { blinded } = ristretto255_oprf.oprf.blind(new TextEncoder().encode(`bench pin ${i}`));
    return JSON.stringify({ username: `oprf-bench-${i}`, blindedElement: encodeBase64Url(blinded) });
  });
  let next = 0;
  return {
    url,
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    requests: [{ method: 'POST', path: '/api/recovery/pin/start', setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }) }],
  };
}

/**
 * The evaluation as issue 16 found it, the reference for the shipped one: @noble/curves'
 * BlindEvaluate, about 2 ms of JavaScript, on the calling thread.
 */
export const nobleOnEventLoop: OprfEvaluator = {
  blindEvaluate: (key, blinded) => Promise.resolve(encodeBase64Url(ristretto255_oprf.oprf.blindEvaluate(key, blinded))),
  close: () => Promise.resolve(),
};

/**
 * Evaluations per second through `evaluator` alone, `concurrency` in flight, in the bench process
 * (no HTTP, no database): what the pool gains on this machine's cores, apart from the route's
 * other work. Run while no server runs.
 */
export async function measureEvaluations(evaluator: OprfEvaluator, opts: { concurrency: number; durationS: number; warmupS: number }): Promise<number> {
  const key = ristretto255_oprf.oprf.generateKeyPair().secretKey;
  const { blinded } = ristretto255_oprf.oprf.blind(new TextEncoder().encode('bench pin'));
  const run = async (seconds: number) => {
    const started = performance.now();
    const until = started + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < until) {
          await evaluator.blindEvaluate(key, blinded);
          done++;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  };
  if (opts.warmupS > 0) await run(opts.warmupS);
  return run(opts.durationS);
}
