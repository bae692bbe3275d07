/**
 * When the sync engine runs: at start-up (even locked: records travel as ciphertext),
 * on unlock after the device sign-in, after every local edit, when the browser comes back
 * online, and on a timer while the vault is open. The service worker's background sync
 * (sw.ts) replays requests that failed for want of a network even with the page closed; while a
 * page is open, each run has it replay them first (background-queue.ts).
 */
import { SYNC_INTERVAL_MS } from '../../../protocol/constants';
import type { KeyServer } from '../platform/key-server';
import type { LocalStore } from '../platform/local-store';
import { browserBackgroundQueue, type BackgroundQueue } from './background-queue';
import { SyncEngine, type SyncStatus, type UnlockedSyncPorts } from './sync-engine';

export interface SyncScheduleDeps {
  readonly server: KeyServer;
  readonly store: LocalStore;
  readonly now: () => number;
  readonly isOnline: () => boolean;
  readonly setTimer: (callback: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
  readonly onStatus: (status: SyncStatus) => void;
  readonly onRecordsChanged: () => void;
  /** See SyncEngineDeps.afterRun. */
  readonly afterRun?: () => Promise<void>;
  readonly pageSize?: number;
  /** The service worker's queue of writes that failed offline; by default this browser's, if it has one. */
  readonly background?: BackgroundQueue | null;
}

export class SyncSchedule {
  readonly #engine: SyncEngine;
  readonly #deps: SyncScheduleDeps;
  #timer: unknown = null;
  /** The run after a `server_busy` answer, at the status's `retryAt`; open vault or not. */
  #retryTimer: unknown = null;
  /** The `retryAt` that timer was armed for. */
  #retryFor: number | null = null;
  #open = false;

  constructor(deps: SyncScheduleDeps) {
    this.#deps = deps;
    this.#engine = new SyncEngine({
      server: deps.server,
      store: deps.store,
      now: deps.now,
      isOnline: deps.isOnline,
      background: deps.background !== undefined ? deps.background : browserBackgroundQueue(deps),
      onStatus: (status) => {
        this.#retryWhenBusy(status);
        deps.onStatus(status);
      },
      onRecordsChanged: deps.onRecordsChanged,
      ...(deps.afterRun ? { afterRun: deps.afterRun } : {}),
      ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
    });
  }

  get status(): SyncStatus {
    return this.#engine.status;
  }

  /** A vault exists on this device: show what is pending and try a sync with whatever session there is. */
  async start(): Promise<void> {
    await this.#engine.refresh();
    if (this.#deps.isOnline()) void this.#engine.sync();
  }

  /** The vault opened: the engine may sign the device in and make conflict copies; `signedIn` settles after the unlock's own sign-in. */
  unlocked(ports: UnlockedSyncPorts, signedIn: Promise<unknown>): Promise<void> {
    this.#engine.setUnlocked(ports);
    this.#open = true;
    this.#arm();
    return signedIn.then(() => this.#engine.sync());
  }

  /** The vault locked: keys are gone, so no sign-in and no conflict copies until the next unlock. */
  locked(): void {
    this.#engine.setUnlocked(null);
    this.#open = false;
    if (this.#timer !== null) this.#deps.clearTimer(this.#timer);
    this.#timer = null;
  }

  /** A local edit or the network came back: sync now. Resolves when that run ended. */
  sync(): Promise<void> {
    return this.#engine.sync();
  }

  /** The vault is gone from this device (account deleted, storage cleared): no run is due any more. */
  stop(): void {
    this.locked();
    this.#cancelRetry();
  }

  /**
   * A run the server turned away (`server_busy`) is tried again at `retryAt`, not at the next
   * minute's run; once per `retryAt` (a status change that keeps it, such as a pending count, does
   * not arm it again).
   */
  #retryWhenBusy(status: SyncStatus): void {
    if (status.phase === 'syncing' || status.retryAt === this.#retryFor) return;
    this.#cancelRetry();
    if (status.retryAt === null) return;
    this.#retryFor = status.retryAt;
    this.#retryTimer = this.#deps.setTimer(
      () => {
        this.#retryTimer = null;
        void this.#engine.sync();
      },
      Math.max(0, status.retryAt - this.#deps.now()),
    );
  }

  #cancelRetry(): void {
    if (this.#retryTimer !== null) this.#deps.clearTimer(this.#retryTimer);
    this.#retryTimer = null;
    this.#retryFor = null;
  }

  #arm(): void {
    if (this.#timer !== null) this.#deps.clearTimer(this.#timer);
    this.#timer = this.#deps.setTimer(() => {
      this.#timer = null;
      if (!this.#open) return;
      void this.#engine.sync().finally(() => {
        if (this.#open) this.#arm();
      });
    }, SYNC_INTERVAL_MS);
  }
}
