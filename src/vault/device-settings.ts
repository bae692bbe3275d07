/**
 * This device's settings: how soon the vault locks itself and asks for the PIN again before
 * revealing a secret (auto-lock-settings.ts has the bounds), and whether the browser promised to
 * keep the vault's storage. Changes dispatch STATE_CHANGED.
 */
import type { VaultCore } from './core';
import { queryPersistence, requestPersistence } from './platform/device-environment';
import { STATE_CHANGED, type StoragePersistence, type VaultSettings } from './state';
import { mergeSettings } from './unlock/auto-lock-settings';

export class DeviceSettings {
  readonly #core: VaultCore;
  #persistence: StoragePersistence = 'unsupported';

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /** The auto-lock and re-prompt settings in force. */
  get current(): VaultSettings {
    return this.#core.settings;
  }

  /** Whether the browser will keep this origin's storage ('unsupported' where it cannot say). */
  get persistence(): StoragePersistence {
    return this.#persistence;
  }

  /** Puts the stored settings in force (Vault.start, which read them). */
  apply(settings: VaultSettings): void {
    this.#core.settings = settings;
    this.#core.autoLock.configure(settings);
  }

  /** Asks the browser whether it will keep this origin's storage (Vault.start). */
  async loadPersistence(): Promise<void> {
    this.#persistence = await queryPersistence(this.#core.env.storage);
  }

  /** Stores new auto-lock or re-prompt settings (clamped to their bounds); they apply at once. */
  async update(partial: Partial<VaultSettings>): Promise<void> {
    const core = this.#core;
    const settings = mergeSettings(core.settings, partial);
    await core.deps.store.writeSettings(settings);
    core.settings = settings;
    core.autoLock.configure(settings);
    core.emit(STATE_CHANGED);
  }

  /** Asks the browser not to evict this origin's storage (the vault lives nowhere else offline). */
  async requestPersistence(): Promise<StoragePersistence> {
    this.#persistence = await requestPersistence(this.#core.env.storage);
    this.#core.emit(STATE_CHANGED);
    return this.#persistence;
  }
}
