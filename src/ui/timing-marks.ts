/**
 * Performance marks the app sets at the moments a person waits between, so bench:client can read
 * them from the page (`performance.getEntriesByName`) instead of guessing from outside. A mark
 * holds a name and a time, nothing else.
 */
export const TIMING_MARKS = {
  /** The lock screen's PIN field is on screen and enabled (navigation start → this: a cold start). */
  pinReady: 'kh:pin-ready',
  /** The PIN form was submitted. */
  unlockSubmitted: 'kh:unlock-submitted',
  /** Argon2id returned; the keys are being unwrapped. */
  unlockDerived: 'kh:unlock-derived',
  /** The unlocked vault's record list is on screen (rendered after its records loaded). */
  vaultShown: 'kh:vault-shown',
} as const;

/** Sets `name` now; a browser without User Timing just skips it. */
export function markTime(name: (typeof TIMING_MARKS)[keyof typeof TIMING_MARKS]): void {
  globalThis.performance?.mark?.(name);
}
