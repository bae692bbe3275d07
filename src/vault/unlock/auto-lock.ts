/**
 * When an unlocked vault locks by itself (after idle time, or a grace period after the page is hidden;
 * docs/architecture.md "Unlocking on the device"). Timers do the ordinary work; every event also compares elapsed time on the clock,
 * because a browser freezes or throttles timers in hidden pages and on a sleeping phone, and a
 * timer that fires late must not keep the vault open.
 */
import type { VaultSettings } from '../state';

export interface AutoLockClock {
  readonly now: () => number;
  readonly setTimer: (callback: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

export type AutoLockReason = 'idle' | 'hidden';

export class AutoLock {
  readonly #clock: AutoLockClock;
  readonly #lock: (reason: AutoLockReason) => void;
  #settings: VaultSettings;
  #armed = false;
  #lastActivityAt = 0;
  #hiddenAt: number | null = null;
  #idleTimer: unknown;
  #hiddenTimer: unknown;

  constructor(clock: AutoLockClock, settings: VaultSettings, lock: (reason: AutoLockReason) => void) {
    this.#clock = clock;
    this.#settings = settings;
    this.#lock = lock;
  }

  get #idleMs(): number {
    return this.#settings.idleLockMinutes * 60_000;
  }

  get #graceMs(): number {
    return this.#settings.hiddenGraceSeconds * 1000;
  }

  /** Starts watching (the vault just unlocked). A page that is hidden already starts its grace now. */
  arm(): void {
    this.#armed = true;
    this.#lastActivityAt = this.#clock.now();
    this.#restartIdleTimer();
    if (this.#hiddenAt !== null) {
      this.#hiddenAt = this.#clock.now();
      this.#restartHiddenTimer();
    }
  }

  /** Stops every timer (the vault locked). Page visibility is still tracked. */
  disarm(): void {
    this.#armed = false;
    this.#clock.clearTimer(this.#idleTimer);
    this.#clock.clearTimer(this.#hiddenTimer);
    this.#idleTimer = this.#hiddenTimer = undefined;
  }

  /** New settings take effect at once, measured from the last activity and the moment of hiding. */
  configure(settings: VaultSettings): void {
    this.#settings = settings;
    if (!this.#armed || this.#lockIfOverdue()) return;
    this.#restartIdleTimer(this.#idleMs - (this.#clock.now() - this.#lastActivityAt));
    if (this.#hiddenAt !== null) this.#restartHiddenTimer(this.#graceMs - (this.#clock.now() - this.#hiddenAt));
  }

  /** The user did something: the idle wait starts again, unless it already ran out. */
  activity(): void {
    if (!this.#armed || this.#lockIfOverdue()) return;
    this.#lastActivityAt = this.#clock.now();
    this.#restartIdleTimer();
  }

  hidden(): void {
    if (this.#hiddenAt !== null) return;
    this.#hiddenAt = this.#clock.now();
    if (!this.#armed) return;
    if (this.#graceMs === 0) this.#fire('hidden');
    else this.#restartHiddenTimer();
  }

  visible(): void {
    if (this.#armed && this.#lockIfOverdue()) {
      this.#hiddenAt = null;
      return;
    }
    this.#hiddenAt = null;
    this.#clock.clearTimer(this.#hiddenTimer);
    this.#hiddenTimer = undefined;
  }

  /** Locks when either wait ran out by the clock, whatever the timers did; true when it locked. */
  #lockIfOverdue(): boolean {
    const now = this.#clock.now();
    if (this.#hiddenAt !== null && now - this.#hiddenAt >= this.#graceMs) return this.#fire('hidden');
    if (now - this.#lastActivityAt >= this.#idleMs) return this.#fire('idle');
    return false;
  }

  #fire(reason: AutoLockReason): true {
    this.disarm();
    this.#lock(reason);
    return true;
  }

  #restartIdleTimer(ms = this.#idleMs): void {
    this.#clock.clearTimer(this.#idleTimer);
    this.#idleTimer = this.#clock.setTimer(() => {
      if (this.#armed && !this.#lockIfOverdue()) this.#restartIdleTimer(this.#idleMs - (this.#clock.now() - this.#lastActivityAt));
    }, Math.max(0, ms));
  }

  #restartHiddenTimer(ms = this.#graceMs): void {
    this.#clock.clearTimer(this.#hiddenTimer);
    this.#hiddenTimer = this.#clock.setTimer(() => {
      if (this.#armed && this.#hiddenAt !== null) this.#fire('hidden');
    }, Math.max(0, ms));
  }
}
