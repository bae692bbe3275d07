/** The user's auto-lock and re-prompt settings: defaults, bounds (protocol/constants.ts) and parsing. */
import {
  HIDDEN_GRACE_SECONDS_DEFAULT,
  HIDDEN_GRACE_SECONDS_MAX,
  HIDDEN_GRACE_SECONDS_MIN,
  IDLE_LOCK_MINUTES_DEFAULT,
  IDLE_LOCK_MINUTES_MAX,
  IDLE_LOCK_MINUTES_MIN,
  REPROMPT_MINUTES_DEFAULT,
  REPROMPT_MINUTES_MAX,
  REPROMPT_MINUTES_MIN,
} from '../../../protocol/constants';
import type { VaultSettings } from '../state';

export const DEFAULT_SETTINGS: VaultSettings = Object.freeze({
  idleLockMinutes: IDLE_LOCK_MINUTES_DEFAULT,
  hiddenGraceSeconds: HIDDEN_GRACE_SECONDS_DEFAULT,
  repromptMinutes: REPROMPT_MINUTES_DEFAULT,
});

function bounded(value: unknown, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.round(value)));
}

/**
 * `base` with `changes` applied, each value rounded and clamped to its bounds: an auto-lock can be
 * shortened to its minimum but never switched off or stretched past its maximum, and so can the re-prompt.
 */
export function mergeSettings(base: VaultSettings, changes: unknown): VaultSettings {
  const { idleLockMinutes, hiddenGraceSeconds, repromptMinutes } = (typeof changes === 'object' && changes !== null ? changes : {}) as Record<string, unknown>;
  return {
    idleLockMinutes: bounded(idleLockMinutes, base.idleLockMinutes, IDLE_LOCK_MINUTES_MIN, IDLE_LOCK_MINUTES_MAX),
    hiddenGraceSeconds: bounded(hiddenGraceSeconds, base.hiddenGraceSeconds, HIDDEN_GRACE_SECONDS_MIN, HIDDEN_GRACE_SECONDS_MAX),
    repromptMinutes: bounded(repromptMinutes, base.repromptMinutes, REPROMPT_MINUTES_MIN, REPROMPT_MINUTES_MAX),
  };
}

/** Settings read from storage: unknown or damaged values fall back to the defaults. */
export const parseSettings = (untrusted: unknown): VaultSettings => mergeSettings(DEFAULT_SETTINGS, untrusted);
