/**
 * The vault's door to quick-view.ts (read-only items without the PIN, off by default): the
 * module and its crypto load only once this device has marked an item, or when the user marks
 * one. Until then every question is answered from the one meta row that lists the marked ids,
 * so a device that never used the feature never fetches its code.
 */
import type { UnlockedVault } from '../crypto';
import type { QuickView, QuickViewDeps } from './quick-view';
import type { QuickViewItem } from '../state';

export class QuickViewGate {
  readonly #deps: QuickViewDeps;
  #loaded: Promise<QuickView> | undefined;

  constructor(deps: QuickViewDeps) {
    this.#deps = deps;
  }

  #load(): Promise<QuickView> {
    // QuickView reads Dexie's tables synchronously: its chunk has to be there first.
    return (this.#loaded ??= Promise.all([import('./quick-view'), this.#deps.store.database()]).then(([{ QuickView }]) => new QuickView(this.#deps)));
  }

  /** The loaded module, or null while nothing is marked on this device. */
  async #ifUsed(): Promise<QuickView | null> {
    if (this.#loaded) return this.#loaded;
    const ids = ((await (await this.#deps.store.database()).meta.get('quick-marked'))?.value as { ids?: unknown } | undefined)?.ids;
    return Array.isArray(ids) && ids.length > 0 ? this.#load() : null;
  }

  /** Never rejects (see QuickView.reconcile). */
  async reconcile(vault: UnlockedVault | null, ids?: readonly string[]): Promise<void> {
    try {
      await (await this.#ifUsed())?.reconcile(vault, ids);
    } catch {
      // The store is gone (page closing): nothing to keep current.
    }
  }

  async isMarked(id: string): Promise<boolean> {
    return (await (await this.#ifUsed())?.isMarked(id)) ?? false;
  }

  async markedCount(): Promise<number> {
    return (await (await this.#ifUsed())?.markedCount()) ?? 0;
  }

  async items(): Promise<QuickViewItem[]> {
    return (await (await this.#ifUsed())?.items()) ?? [];
  }

  async mark(id: string, vault: UnlockedVault): Promise<void> {
    await (await this.#load()).mark(id, vault);
  }

  async unmark(id: string): Promise<void> {
    await (await this.#ifUsed())?.unmark(id);
  }

  /** Deletes every copy and forgets the device key (which may exist with nothing marked). */
  async forgetAll(): Promise<void> {
    await (await this.#load()).forgetAll();
  }
}
