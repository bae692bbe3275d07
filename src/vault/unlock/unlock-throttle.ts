/**
 * The local PIN throttle's rules (schedule in protocol/constants.ts). Pure: pin-attempts.ts
 * reads and writes the value through LocalStore in one IndexedDB transaction.
 */
import { PIN_FREE_ATTEMPTS, PIN_THROTTLE_DELAYS_MS, PIN_THROTTLE_MAX_DELAY_MS } from '../../../protocol/constants';
import type { UnlockThrottle } from '../state';

export const NO_THROTTLE: UnlockThrottle = Object.freeze({ failures: 0, retryAt: null });

/** The wait after `failures` consecutive wrong PINs: 0 for the free attempts, then the schedule, capped. */
export function unlockDelayMs(failures: number): number {
  if (failures <= PIN_FREE_ATTEMPTS) return 0;
  const step = Math.min(failures - PIN_FREE_ATTEMPTS, PIN_THROTTLE_DELAYS_MS.length) - 1;
  return Math.min(PIN_THROTTLE_DELAYS_MS[step] ?? PIN_THROTTLE_MAX_DELAY_MS, PIN_THROTTLE_MAX_DELAY_MS);
}

/** The same count with its wait starting at `now` (a wrong PIN's wait runs from when it was found wrong). */
export function restartWait({ failures }: UnlockThrottle, now: number): UnlockThrottle {
  const delay = unlockDelayMs(failures);
  return { failures, retryAt: delay > 0 ? now + delay : null };
}

/** The throttle after one more wrong PIN at `now`. */
export function countFailure(throttle: UnlockThrottle, now: number): UnlockThrottle {
  return restartWait({ failures: throttle.failures + 1, retryAt: null }, now);
}

/**
 * The time before which no attempt is accepted, or null when an attempt may be made now. A retry
 * time further ahead than the longest wait (the clock was set back) counts as the longest wait,
 * so a clock change cannot shut the owner out for longer than the schedule says.
 */
export function waitUntil(throttle: UnlockThrottle, now: number): number | null {
  if (throttle.retryAt === null || throttle.retryAt <= now) return null;
  return Math.min(throttle.retryAt, now + PIN_THROTTLE_MAX_DELAY_MS);
}

/** Reads a stored throttle; anything unreadable counts as the strictest plausible state, not as none. */
export function parseThrottle(untrusted: unknown): UnlockThrottle {
  if (untrusted === undefined) return NO_THROTTLE;
  const { failures, retryAt } = (typeof untrusted === 'object' && untrusted !== null ? untrusted : {}) as Record<string, unknown>;
  const validFailures = typeof failures === 'number' && Number.isSafeInteger(failures) && failures >= 0;
  const validRetryAt = retryAt === null || (typeof retryAt === 'number' && Number.isFinite(retryAt));
  if (validFailures && validRetryAt) return { failures, retryAt: retryAt as number | null };
  // A damaged row must not become a way to reset the count.
  return { failures: PIN_FREE_ATTEMPTS + PIN_THROTTLE_DELAYS_MS.length, retryAt: null };
}
