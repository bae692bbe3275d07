import { ARGON2_DEFAULT_MEMORY_KIB } from '../../../protocol/constants';
import type { Argon2LoadRequest, Argon2ModuleMessage, Argon2Params, Argon2Request, Argon2Response } from '../../../worker/argon2-protocol';
import { VaultCryptoError } from '../errors';

export interface Argon2ClientOptions {
  /**
   * Starts worker/argon2.worker.ts. Called on first use and again after the worker was
   * terminated; the app passes a factory that goes through its Trusted Types policy.
   */
  readonly createWorker: () => Worker;
  /**
   * How long an idle worker lives. Terminating it frees the WASM heap, which still holds the
   * last password and 64 MiB or more of Argon2 memory.
   */
  readonly idleTimeoutMs?: number;
  /**
   * A compiled Argon2 WASM to hand to every worker from the start (the bench uses it to pick a
   * build). Without it the first worker fetches and compiles the WASM and sends the module back.
   */
  readonly module?: WebAssembly.Module;
}

/** Settles the call the worker is computing now; `fail` is used on abort or worker death. */
interface InFlight {
  readonly fail: (reason: unknown) => void;
}

/**
 * Main-thread bridge to the Argon2 worker (Squoosh's worker-bridge pattern): the worker and
 * its WASM are created lazily, calls run one at a time in call order, an aborted call kills
 * the worker (a running WASM hash cannot be interrupted any other way), and an idle worker is
 * terminated after `idleTimeoutMs`.
 */
export class Argon2Client {
  readonly #createWorker: () => Worker;
  readonly #idleTimeoutMs: number;
  /**
   * The compiled WASM (code, no secret) a worker sent back, kept for the client's lifetime and
   * handed to each later worker, so one started after the idle shutdown does not fetch or
   * compile again.
   */
  #module: WebAssembly.Module | undefined;
  #worker: Worker | undefined;
  #inFlight: InFlight | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when every call queued so far has settled. */
  #queueTail: Promise<void> = Promise.resolve();
  #pendingCalls = 0;
  #nextRequestId = 1;

  constructor({ createWorker, idleTimeoutMs = 10_000, module }: Argon2ClientOptions) {
    this.#createWorker = createWorker;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#module = module;
  }

  /**
   * Returns the Argon2id tag of `password` under `salt` and `params`. The password is copied
   * to the worker, which zeroes its copy; it is never logged. Rejects with `signal.reason`
   * (an AbortError DOMException for a plain `abort()`) when aborted, with a `VaultCryptoError`
   * otherwise.
   */
  async hash(password: Uint8Array, salt: Uint8Array, params: Argon2Params, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    this.#pendingCalls++;
    const previous = this.#queueTail;
    let releaseTurn!: () => void;
    const turnDone = new Promise<void>((resolve) => (releaseTurn = resolve));
    // Chained, not replaced: a call aborted while queued must not let the next one overtake
    // the call still running ahead of it.
    this.#queueTail = previous.then(() => turnDone);
    try {
      await untilSettledOrAborted(previous, signal);
      // An abort in the microtasks since our turn came would otherwise go unnoticed.
      signal?.throwIfAborted();
      return await this.#compute({ id: this.#nextRequestId++, password, salt, params }, signal);
    } finally {
      releaseTurn();
      this.#pendingCalls--;
      if (this.#pendingCalls === 0) this.#scheduleIdleTermination();
    }
  }

  /**
   * Starts the worker ahead of a hash (e.g. when the PIN field gets focus) and has it fetch,
   * compile and instantiate its WASM and grow its memory to `memoryKiB` (the cost of the hash
   * expected next) right away, so a hash that follows pays only for hashing. A no-op while a
   * call is queued or running; with a worker already up it only restarts the idle timer.
   */
  prewarm(memoryKiB: number = ARGON2_DEFAULT_MEMORY_KIB): void {
    if (this.#pendingCalls > 0) return;
    this.#worker ??= this.#startWorker(memoryKiB);
    this.#scheduleIdleTermination();
  }

  /** Stops the worker now (e.g. when the vault locks); a call in flight rejects with AbortError. */
  terminate(): void {
    this.#inFlight?.fail(new DOMException('The Argon2 worker was terminated', 'AbortError'));
    this.#stopWorker();
  }

  #compute(request: Argon2Request, signal: AbortSignal | undefined): Promise<Uint8Array> {
    clearTimeout(this.#idleTimer);
    const worker = (this.#worker ??= this.#startWorker());
    return new Promise<Uint8Array>((resolve, reject) => {
      const settle = (): void => {
        this.#inFlight = undefined;
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onWorkerFailure);
        worker.removeEventListener('messageerror', onWorkerFailure);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (reason: unknown): void => {
        settle();
        reject(reason);
      };
      const onMessage = (event: MessageEvent<Argon2Response>): void => {
        const response = event.data;
        if (response.id !== request.id) return;
        settle();
        if (response.ok) resolve(response.hash);
        else reject(new VaultCryptoError('argon2_failed', response.message));
      };
      const onWorkerFailure = (): void => {
        // An ErrorEvent from a worker that failed to load carries nothing worth keeping.
        fail(new VaultCryptoError('argon2_worker_failed', 'The Argon2 worker failed'));
        this.#stopWorker();
      };
      const onAbort = (): void => {
        fail(signal?.reason);
        this.#stopWorker();
      };
      this.#inFlight = { fail };
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onWorkerFailure);
      worker.addEventListener('messageerror', onWorkerFailure);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(request);
    });
  }

  /**
   * Creates a worker, keeps the module it sends back once it compiled one, and posts it a load
   * request first when there is something to say: the kept module, or (prewarm) the memory to
   * reserve, which also makes it load the WASM now.
   */
  #startWorker(memoryKiB?: number): Worker {
    const worker = this.#createWorker();
    worker.addEventListener('message', (event: MessageEvent<Argon2ModuleMessage>) => {
      if (event.data.type === 'module' && event.data.module instanceof WebAssembly.Module) this.#module = event.data.module;
    });
    if (this.#module || memoryKiB) worker.postMessage({ type: 'load', module: this.#module, memoryKiB } satisfies Argon2LoadRequest);
    return worker;
  }

  #stopWorker(): void {
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #scheduleIdleTermination(): void {
    clearTimeout(this.#idleTimer);
    if (this.#worker) this.#idleTimer = setTimeout(() => this.#stopWorker(), this.#idleTimeoutMs);
  }
}

/** Waits for `turn` to settle, but rejects with the abort reason as soon as `signal` aborts. */
function untilSettledOrAborted(turn: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return turn;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void turn.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
