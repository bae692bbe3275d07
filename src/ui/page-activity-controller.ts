import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Vault } from '../vault';

/** Interaction that keeps an unlocked vault open (all composed, so they reach `document` from shadow DOM). */
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'input'] as const;

/** At most one `noteActivity()` per this many ms: typing must not call into the vault per key. */
const ACTIVITY_THROTTLE_MS = 1000;

/**
 * Tells the vault what the page is doing, which its auto-lock rules need (locking on idle timeout
 * and on page hide after a grace period, docs/architecture.md "Unlocking on the device"): `pageHidden()` / `pageVisible()` on
 * visibility changes, `noteActivity()` on the user's pointer and keyboard input.
 */
export class PageActivityController implements ReactiveController {
  readonly #vault: () => Vault | undefined;
  #lastNoted = Number.NEGATIVE_INFINITY;

  constructor(host: ReactiveControllerHost, vault: () => Vault | undefined) {
    this.#vault = vault;
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.#onVisibilityChange);
    for (const type of ACTIVITY_EVENTS) document.addEventListener(type, this.#onActivity, { capture: true, passive: true });
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.#onVisibilityChange);
    for (const type of ACTIVITY_EVENTS) document.removeEventListener(type, this.#onActivity, { capture: true });
  }

  readonly #onVisibilityChange = (): void => {
    const vault = this.#vault();
    if (!vault) return;
    if (document.visibilityState === 'hidden') vault.pageHidden();
    else vault.pageVisible();
  };

  readonly #onActivity = (event: Event): void => {
    const vault = this.#vault();
    // Only a person's input counts: a script's synthetic event must not keep the vault open.
    if (!vault || !event.isTrusted || vault.state.kind !== 'unlocked') return;
    if (event.timeStamp - this.#lastNoted < ACTIVITY_THROTTLE_MS) return;
    this.#lastNoted = event.timeStamp;
    vault.noteActivity();
  };
}
