import { describe, expect, it } from 'vitest';
import { NO_THROTTLE, countFailure, parseThrottle, unlockDelayMs, waitUntil } from './unlock-throttle';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('unlock throttle', () => {
  it('follows the documented schedule: three free, then 30 s, 1, 2, 5, 15, 30 min, then 1 h', () => {
    const schedule = Array.from({ length: 12 }, (_, i) => unlockDelayMs(i + 1));
    expect(schedule).toEqual([0, 0, 0, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, HOUR, HOUR]);
    expect(unlockDelayMs(0)).toBe(0);
    expect(unlockDelayMs(10_000)).toBe(HOUR);
  });

  it('counts failures and sets the wait from the moment of the failure', () => {
    let throttle = NO_THROTTLE;
    for (let i = 0; i < 3; i++) throttle = countFailure(throttle, 1000);
    expect(throttle).toEqual({ failures: 3, retryAt: null });
    expect(countFailure(throttle, 5000)).toEqual({ failures: 4, retryAt: 5000 + 30 * SECOND });
  });

  it('asks for no wait once the retry time has passed', () => {
    expect(waitUntil({ failures: 4, retryAt: 10_000 }, 9_999)).toBe(10_000);
    expect(waitUntil({ failures: 4, retryAt: 10_000 }, 10_000)).toBeNull();
    expect(waitUntil(NO_THROTTLE, 0)).toBeNull();
  });

  it('never waits longer than the cap, even after the clock was set back', () => {
    expect(waitUntil({ failures: 9, retryAt: 10 * HOUR }, 0)).toBe(HOUR);
  });

  it('treats a damaged stored value as the strictest count, never as none', () => {
    expect(parseThrottle(undefined)).toEqual(NO_THROTTLE);
    expect(parseThrottle({ failures: 5, retryAt: 123 })).toEqual({ failures: 5, retryAt: 123 });
    const damaged = parseThrottle({ failures: 'lots', retryAt: 'soon' });
    expect(unlockDelayMs(damaged.failures + 1)).toBe(HOUR);
  });
});
