/**
 * The controller's door to the sync engine (vault-sync.ts and sync/): a chunk of its own, loaded
 * right after start-up instead of with the first screen, which never needs it to draw. Until it
 * has loaded the status reads as idle with nothing pending; it announces itself (SYNC_CHANGED)
 * once it knows better.
 */
import type { SyncStatus, UnlockedSyncPorts } from './sync-engine';
import type { VaultSync, VaultSyncDeps } from './vault-sync';

const NOT_LOADED: SyncStatus = { phase: 'idle', pending: 0, lastSyncAt: null, progress: null, waitingForUnlock: 0, failure: null };

export class SyncGate {
  readonly #deps: VaultSyncDeps;
  #loading: Promise<VaultSync> | undefined;
  #loaded: VaultSync | undefined;
  /** Bumped by every unlock and lock, so an unlock still waiting for the chunk cannot outlive a lock. */
  #generation = 0;

  constructor(deps: VaultSyncDeps) {
    this.#deps = deps;
  }

  get status(): SyncStatus {
    return this.#loaded?.status ?? NOT_LOADED;
  }

  #load(): Promise<VaultSync> {
    return (this.#loading ??= import('./vault-sync').then(({ VaultSync }) => (this.#loaded = new VaultSync(this.#deps))));
  }

  async start(): Promise<void> {
    await (await this.#load()).start();
  }

  async unlocked(ports: UnlockedSyncPorts, signedIn: Promise<unknown>): Promise<void> {
    const generation = ++this.#generation;
    const sync = await this.#load();
    if (generation === this.#generation) await sync.unlocked(ports, signedIn);
  }

  locked(): void {
    this.#generation++;
    this.#loaded?.locked();
  }

  async sync(): Promise<void> {
    await (await this.#load()).sync();
  }
}
