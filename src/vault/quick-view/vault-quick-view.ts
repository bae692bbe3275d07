/**
 * Items shown on this device without the PIN (`vault.quickView`; quick-view.ts says what that
 * trades away): opt-in per record, read-only on the lock screen. Changes dispatch QUICK_VIEW_CHANGED.
 */
import type { VaultCore } from '../core';
import type { QuickViewItem } from '../state';

export class VaultQuickView {
  readonly #core: VaultCore;

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /** Marks (seals a copy now) or unmarks a record on this device. Unlocked only: throws `locked`, `not_found`. */
  async setShown(id: string, on: boolean): Promise<void> {
    const { unlocked } = this.#core.requireSession();
    const { quick } = this.#core;
    await (on ? quick.mark(id, unlocked) : quick.unmark(id));
  }

  isShown(id: string): Promise<boolean> {
    return this.#core.quick.isMarked(id);
  }

  count(): Promise<number> {
    return this.#core.quick.markedCount();
  }

  /** The read-only copies for the lock screen: works while locked, with no prompt. Plaintext: never log them. */
  items(): Promise<QuickViewItem[]> {
    return this.#core.quick.items();
  }

  /** "Hide all": deletes every copy and forgets the device key (any state: it only removes). */
  hideAll(): Promise<void> {
    return this.#core.quick.forgetAll();
  }
}
