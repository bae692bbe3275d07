import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { encodeBase64Url } from '../../protocol/base64url';
import { evaluateRecoveryStart } from './oprf';
import type { OprfTask } from './oprf-worker';

/**
 * Where the server's OPRF evaluations (RFC 9497 §3.3.1 BlindEvaluate) run. The server process
 * uses a pool of worker threads (`startOprfPool`, started in runtime.ts); an app built in process
 * by a test may evaluate on the event loop (`evaluateOnEventLoop`): same answers, no threads.
 */
export interface OprfEvaluator {
  /**
   * Returns k·B as base64url (safe to send): k is `key` (k_u), or when it is null the decoy key
   * `decoySeed` derives; given a seed, that derivation runs either way (oprf.ts
   * `evaluateRecoveryStart`). The caller zeroes `key` and `decoySeed` after; never log them.
   */
  blindEvaluate(key: Uint8Array | null, blinded: Uint8Array, decoySeed?: Uint8Array): Promise<string>;
  /** Ends the worker threads once their tasks are done; the evaluator is unusable afterwards. */
  close(): Promise<void>;
}

/** Evaluates on the calling thread, as before the pool: for apps built in process by tests and tools. */
export const evaluateOnEventLoop: OprfEvaluator = {
  blindEvaluate: (key, blinded, decoySeed) => Promise.resolve(encodeBase64Url(evaluateRecoveryStart(key, blinded, decoySeed))),
  close: () => Promise.resolve(),
};

/** How much lower the pool threads' scheduling priority is than the event loop's. */
export const OPRF_THREAD_NICE = 10;

/**
 * Starts `threads` worker threads (default: one per core the process may use) that evaluate in
 * parallel, off the event loop, so a burst of PIN recoveries does not hold up other requests.
 *
 * k_u and a start's decoy seed go to a worker by structured clone, inside the process (never a
 * file, an environment variable or a log); the worker zeroes its copies after use. The pepper
 * stays on the main thread: a worker only ever sees the key it evaluates with and the seed of the
 * name's decoy key. Errors carry no input.
 */
export function startOprfPool(threads = availableParallelism()): OprfEvaluator {
  const pool = new Piscina<OprfTask, Uint8Array>({
    filename: new URL('./oprf-worker.ts', import.meta.url).href,
    // The server runs TypeScript through tsx; a worker needs the loader too, whoever started the process (a test runner included).
    execArgv: ['--import', 'tsx'],
    minThreads: threads,
    maxThreads: threads,
    // Threads stay up: starting one (loader, noble) costs far more than an evaluation.
    idleTimeout: Number.POSITIVE_INFINITY,
    // A lower scheduling priority for these threads (nice(2), per thread on Linux, through
    // piscina's optional @napi-rs/nice): when the cores are busy, the event loop serving every
    // other request runs first and a burst of evaluations waits, not the other way round.
    niceIncrement: OPRF_THREAD_NICE,
  });
  // Piscina starts threads again for work that arrives after close(): refuse it instead.
  let closed = false;
  return {
    async blindEvaluate(key, blinded, decoySeed) {
      if (closed) throw new Error('the OPRF pool is closed');
      // Copies, each on an ArrayBuffer of its own, moved (not cloned) to the worker, which zeroes
      // them: no copy stays behind on this thread. Not `.slice()`: on a Buffer that is a view of
      // the same memory (often Node's shared Buffer pool), and moving it would detach that.
      const task: OprfTask = { key: key ? new Uint8Array(key) : null, blinded, ...(decoySeed ? { decoySeed: new Uint8Array(decoySeed) } : {}) };
      const transferList = [task.key?.buffer, task.decoySeed?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      return encodeBase64Url(await pool.run(task, { transferList }));
    },
    close() {
      closed = true;
      return pool.close();
    },
  };
}
