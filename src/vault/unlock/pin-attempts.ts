/**
 * PIN checks under the local throttle (schedule: protocol/constants.ts). An attempt is counted
 * in IndexedDB *before* its Argon2id runs, so reloading the page mid-derivation does not make a
 * guess free; a correct PIN resets the count, and an attempt that was no guess (aborted, or a
 * failure other than a wrong PIN) is taken back.
 */
import { normalizePin, VaultCryptoError, type DeriveArgon2 } from '../crypto';
import type { LocalStore } from '../platform/local-store';
import { NO_THROTTLE, countFailure, restartWait, waitUntil } from './unlock-throttle';
import { VaultError } from '../errors';
import type { DeriveProgress, UnlockThrottle } from '../state';

/**
 * Refuses a new PIN before any key derivation: `pin_mismatch`, then `pin_rejected` with the
 * policy's words. The policy's blocklists load on first use: unlocking never needs them.
 */
export async function checkNewPin(pin: string, confirm: string): Promise<void> {
  if (normalizePin(pin) !== normalizePin(confirm)) throw new VaultError('pin_mismatch');
  const { checkPin } = await import('../crypto/pin/pin-policy');
  const verdict = checkPin(pin);
  if (!verdict.ok) throw new VaultError('pin_rejected', verdict.message);
}

/** `argon2` reporting 'unwrapping' once the slow part, the derivation, is done. */
export function withProgress(argon2: DeriveArgon2, onProgress: DeriveProgress | undefined): DeriveArgon2 {
  return async (password, salt, params, signal) => {
    const tag = await argon2(password, salt, params, signal);
    onProgress?.('unwrapping');
    return tag;
  };
}

const isWrongPin = (error: unknown) => error instanceof VaultCryptoError && error.code === 'wrong_pin';

export class PinAttempts {
  readonly #store: LocalStore;
  readonly #now: () => number;
  readonly #onChange: (throttle: UnlockThrottle) => void;

  /** `onChange` hears every new throttle value, for the lock screen's countdown. */
  constructor(store: LocalStore, now: () => number, onChange: (throttle: UnlockThrottle) => void) {
    this.#store = store;
    this.#now = now;
    this.#onChange = onChange;
  }

  /**
   * Runs `check` (which throws the crypto SDK's `wrong_pin` for a wrong PIN) as one counted
   * attempt. Throws `throttled` with retryAt while a wait runs, `wrong_pin` (with retryAt once a
   * wait starts), or `check`'s other errors; the abort reason when `signal` aborted.
   */
  async attempt<T>(check: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const before = await this.#begin();
    let result: T;
    try {
      result = await check();
    } catch (error) {
      throw await this.#failed(before, error, signal);
    }
    await this.reset();
    return result;
  }

  /** A correct PIN, or another proof that the owner is here (a PRF passkey), ends the count. */
  async reset(): Promise<void> {
    await this.#store.resetThrottle();
    this.#onChange(NO_THROTTLE);
  }

  async #begin(): Promise<UnlockThrottle> {
    const now = this.#now();
    // One transaction: a second tab attempting at the same moment sees this attempt counted.
    const { before } = await this.#store.updateThrottle((current) => (waitUntil(current, now) === null ? countFailure(current, now) : current));
    const retryAt = waitUntil(before, now);
    if (retryAt !== null) {
      this.#onChange(before);
      throw new VaultError('throttled', undefined, { retryAt });
    }
    return before;
  }

  async #failed(before: UnlockThrottle, error: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    if (isWrongPin(error)) {
      // Counted already; the wait runs from when the PIN was found wrong, not from when it was typed.
      const { after } = await this.#store.updateThrottle((current) => restartWait(current, this.#now()));
      this.#onChange(after);
      return new VaultError('wrong_pin', undefined, { retryAt: after.retryAt });
    }
    await this.#store.updateThrottle(() => before);
    return signal?.aborted ? signal.reason : error;
  }
}
