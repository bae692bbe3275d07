import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** 75 → "1:15": a PIN wait as a countdown shows it. */
export function formatWait(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Counts down to a wall-clock deadline (epoch ms), re-rendering the host once a second until it
 * passes. Deadlines come from persisted state (the unlock throttle's `retryAt`), so a reloaded
 * page resumes the same countdown.
 */
export class CountdownController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  #deadline: number | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #connected = false;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** Whole seconds left, rounded up; 0 once the deadline has passed (or there is none). */
  get secondsLeft(): number {
    if (this.#deadline === null) return 0;
    return Math.max(0, Math.ceil((this.#deadline - Date.now()) / 1000));
  }

  get deadline(): number | null {
    return this.#deadline;
  }

  get running(): boolean {
    return this.secondsLeft > 0;
  }

  /** Sets the deadline, or clears it with null; safe to call on every render. */
  countTo(deadline: number | null): void {
    if (deadline === this.#deadline) return;
    this.#deadline = deadline;
    this.#schedule();
  }

  hostConnected(): void {
    this.#connected = true;
    this.#schedule();
  }

  hostDisconnected(): void {
    this.#connected = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#connected || this.#deadline === null) return;
    const left = this.#deadline - Date.now();
    if (left <= 0) return;
    // Wake at the next whole-second boundary of the remaining time, so the display never skips.
    const wait = left % 1000 || 1000;
    this.#timer = setTimeout(() => {
      this.#host.requestUpdate();
      this.#schedule();
    }, wait + 5);
  }
}
