import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DeriveProgress } from '../vault';
import { isAbort, toUiFailure, type UiFailure } from './ui-failure';

export type VaultTaskStatus = 'idle' | 'pending' | 'done' | 'failed';
export type DerivePhase = Parameters<DeriveProgress>[0];

/**
 * One vault call made on a user's behalf (create an account, unlock, save…), with the state a
 * screen renders: pending, the derivation phase, the failure code. One call at a time; a new
 * `run` cancels the previous one, and so does the host leaving the page, so a PIN screen that
 * goes away never leaves a derivation running for nobody.
 */
export class VaultTask<T> implements ReactiveController {
  status: VaultTaskStatus = 'idle';
  value: T | undefined;
  failure: UiFailure | undefined;
  /** The key derivation's phase while one runs (only calls that report progress set it). */
  phase: DerivePhase | undefined;
  readonly #host: ReactiveControllerHost;
  #abort: AbortController | undefined;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  get pending(): boolean {
    return this.status === 'pending';
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.abort();
  }

  /**
   * Runs `work`; resolves its value, or undefined when it failed (see `failure`) or was cancelled.
   * Never rejects: every failure becomes state the screen shows.
   */
  async run(work: (signal: AbortSignal, onProgress: DeriveProgress) => Promise<T>): Promise<T | undefined> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.#set('pending', undefined, undefined, undefined);
    const onProgress: DeriveProgress = (phase) => {
      if (abort.signal.aborted) return;
      this.phase = phase;
      this.#host.requestUpdate();
    };
    try {
      const value = await work(abort.signal, onProgress);
      if (abort.signal.aborted) return undefined;
      this.#set('done', value, undefined, undefined);
      return value;
    } catch (error) {
      if (isAbort(error, abort.signal)) {
        if (this.#abort === abort) this.#set('idle', undefined, undefined, undefined);
        return undefined;
      }
      const failure = toUiFailure(error);
      if (failure.code === 'unexpected') console.error('Keyhold: vault call failed', error);
      this.#set('failed', undefined, failure, undefined);
      return undefined;
    } finally {
      if (this.#abort === abort) this.#abort = undefined;
    }
  }

  /** Cancels the call running (if any); the task is idle again, as before it ran. */
  abort(): void {
    const running = this.#abort;
    this.#abort = undefined;
    running?.abort();
    if (running && this.status === 'pending') this.#set('idle', undefined, undefined, undefined);
  }

  /** Forgets the last outcome (e.g. when the user edits the field a failure was about). */
  reset(): void {
    if (this.status === 'pending') return;
    this.#set('idle', undefined, undefined, undefined);
  }

  #set(status: VaultTaskStatus, value: T | undefined, failure: UiFailure | undefined, phase: DerivePhase | undefined): void {
    this.status = status;
    this.value = value;
    this.failure = failure;
    this.phase = phase;
    this.#host.requestUpdate();
  }
}
