import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { encodeBase64Url } from '../../protocol/base64url';
import { evaluateBlinded, oprfReady } from './oprf';
import type { OprfTask } from './oprf-worker';

/**
 * Where the server's OPRF evaluations (RFC 9497 §3.3.1 BlindEvaluate) run. The server process
 * uses a pool of worker threads (`startOprfPool`, started in runtime.ts); an app built in process
 * by a test may evaluate on the event loop (`evaluateOnEventLoop`): same answers, no threads.
 */
export interface OprfEvaluator {
  /**
   * Returns k·B as base64url (safe to send): `key` is k_u, or an unknown name's decoy key
   * (pin-recovery-lookup.ts `evaluationKey`). The caller zeroes `key` after; never log it.
   */
  blindEvaluate(key: Uint8Array, blinded: Uint8Array): Promise<string>;
  /** Ends the worker threads once their tasks are done; the evaluator is unusable afterwards. */
  close(): Promise<void>;
}

/** Evaluates on the calling thread, as before the pool: for apps built in process by tests and tools. */
export const evaluateOnEventLoop: OprfEvaluator = {
  blindEvaluate: async (key, blinded) => {
    await oprfReady();
    return encodeBase64Url(evaluateBlinded(key, blinded));
  },
  close: () => Promise.resolve(),
};

/** How much lower the pool threads' scheduling priority is than the event loop's. */
export const OPRF_THREAD_NICE = 10;

/**
 * Starts `threads` worker threads (default: one per core the process may use) that evaluate in
 * parallel, off the event loop, so a burst of PIN recoveries does not hold up other requests.
 *
 * The key goes to a worker inside the process (never a file, an environment variable or a log);
 * the worker zeroes its copy after use. The pepper stays on the main thread, which also derives a
 * decoy key: a worker only ever sees the key it evaluates with. Errors carry no input.
 */
export function startOprfPool(threads = availableParallelism()): OprfEvaluator {
  const pool = new Piscina<OprfTask, Uint8Array>({
    filename: new URL('./oprf-worker.ts', import.meta.url).href,
    // The server runs TypeScript through tsx; a worker needs the loader too, whoever started the process (a test runner included).
    execArgv: ['--import', 'tsx'],
    minThreads: threads,
    maxThreads: threads,
    // Threads stay up: starting one (loader, libsodium's WebAssembly) costs far more than an evaluation.
    idleTimeout: Number.POSITIVE_INFINITY,
    // A lower scheduling priority for these threads (nice(2), per thread on Linux, through
    // piscina's optional @napi-rs/nice): when the cores are busy, the event loop serving every
    // other request runs first and a burst of evaluations waits, not the other way round.
    niceIncrement: OPRF_THREAD_NICE,
  });
  // Piscina starts threads again for work that arrives after close(): refuse it instead.
  let closed = false;
  return {
    async blindEvaluate(key, blinded) {
      if (closed) throw new Error('the OPRF pool is closed');
      // A copy on an ArrayBuffer of its own, moved (not cloned) to the worker, which zeroes it: no
      // copy stays behind on this thread. Not `.slice()`: on a Buffer that is a view of the same
      // memory (often Node's shared Buffer pool), and moving it would detach that.
      const task: OprfTask = { key: new Uint8Array(key), blinded };
      return encodeBase64Url(await pool.run(task, { transferList: [task.key.buffer as ArrayBuffer] }));
    },
    close() {
      closed = true;
      return pool.close();
    },
  };
}
