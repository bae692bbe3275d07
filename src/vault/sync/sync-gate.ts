/**
 * The vault's door to the sync engine (sync-schedule.ts and sync-engine.ts): a chunk of its own, loaded
 * right after start-up instead of with the first screen, which never needs it to draw. Until it
 * has loaded the status reads as idle with nothing pending; it announces itself (SYNC_CHANGED)
 * once it knows better.
 */
import type { SyncStatus, UnlockedSyncPorts } from './sync-engine';
import type { SyncSchedule, SyncScheduleDeps } from './sync-schedule';

const NOT_LOADED: SyncStatus = { phase: 'idle', pending: 0, lastSyncAt: null, progress: null, waitingForUnlock: 0, rolledBack: 0, failure: null, retryAt: null };

/** What an app sees of sync (`vault.sync`). */
export interface VaultSync {
  /** Pending edits, last sync, offline or failing, download progress. */
  readonly status: SyncStatus;
  /** Pushes local edits and pulls the other devices' now; resolves when done (never rejects: read `status`). */
  now(): Promise<void>;
}

export class SyncGate implements VaultSync {
  readonly #deps: SyncScheduleDeps;
  #loading: Promise<SyncSchedule> | undefined;
  #loaded: SyncSchedule | undefined;
  /** Bumped by every unlock and lock, so an unlock still waiting for the chunk cannot outlive a lock. */
  #generation = 0;

  constructor(deps: SyncScheduleDeps) {
    this.#deps = deps;
  }

  get status(): SyncStatus {
    return this.#loaded?.status ?? NOT_LOADED;
  }

  #load(): Promise<SyncSchedule> {
    // The sync store reads Dexie's tables synchronously: its chunk has to be there first.
    return (this.#loading ??= Promise.all([import('./sync-schedule'), this.#deps.store.database()]).then(([{ SyncSchedule }]) => (this.#loaded = new SyncSchedule(this.#deps))));
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

  /** The vault is gone from this device: every timed run stops (a busy retry included). */
  stop(): void {
    this.#generation++;
    this.#loaded?.stop();
  }

  async now(): Promise<void> {
    await (await this.#load()).sync();
  }
}
