import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { SYNC_CHANGED, type SyncStatus, type Vault } from '../vault';

/**
 * A run shorter than this never shows "Syncing…": every save starts one, and a line that
 * flickers on each save (and a screen reader that announces it) says nothing useful.
 */
const SYNCING_SHOWN_AFTER_MS = 600;
const MINUTE = 60_000;

export interface SyncStatusOptions {
  /** Re-render once a minute while a last-sync time is shown, so "2 min ago" stays true. */
  readonly clock?: boolean;
}

/**
 * Follows the vault's sync status (`SYNC_CHANGED`) for its host. `shown` is the status to
 * render: a run's "syncing" phase appears only once the run has lasted a moment, or at once
 * when the person asked for it with `syncNow()`; `running` says at once whether a run is on.
 */
export class SyncStatusController implements ReactiveController {
  shown: SyncStatus | undefined;
  readonly #host: ReactiveControllerHost;
  readonly #vault: () => Vault | undefined;
  readonly #options: SyncStatusOptions;
  #listeningTo: Vault | undefined;
  #latest: SyncStatus | undefined;
  #asked = false;
  #showSyncingTimer: ReturnType<typeof setTimeout> | undefined;
  #clockTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost, vault: () => Vault | undefined, options: SyncStatusOptions = {}) {
    this.#host = host;
    this.#vault = vault;
    this.#options = options;
    host.addController(this);
  }

  /** A run is under way (the real phase, not the one shown). */
  get running(): boolean {
    return this.#latest?.phase === 'syncing';
  }

  hostConnected(): void {
    this.#follow();
  }

  hostUpdate(): void {
    // The host's `vault` may be set after connecting; follow whichever it holds now.
    if (this.#vault() !== this.#listeningTo) this.#follow();
  }

  hostDisconnected(): void {
    this.#listeningTo?.removeEventListener(SYNC_CHANGED, this.#onSyncChanged);
    this.#listeningTo = undefined;
    clearTimeout(this.#showSyncingTimer);
    clearTimeout(this.#clockTimer);
    this.#showSyncingTimer = this.#clockTimer = undefined;
  }

  /** Syncs now on the person's request; resolves when the run ended (never rejects: the status says how it went). */
  async syncNow(): Promise<void> {
    const vault = this.#listeningTo;
    if (!vault || this.running) return;
    this.#asked = true;
    try {
      await vault.sync.now();
    } finally {
      this.#asked = false;
    }
  }

  #follow(): void {
    this.#listeningTo?.removeEventListener(SYNC_CHANGED, this.#onSyncChanged);
    this.#listeningTo = this.#vault();
    this.#listeningTo?.addEventListener(SYNC_CHANGED, this.#onSyncChanged);
    this.#latest = this.#listeningTo?.sync.status;
    this.#show(this.#latest);
  }

  readonly #onSyncChanged = (): void => {
    const next = this.#listeningTo?.sync.status;
    this.#latest = next;
    const quietStart = next?.phase === 'syncing' && !next.progress && !this.#asked && this.shown?.phase !== 'syncing';
    if (!quietStart) {
      this.#show(next);
    } else if (this.#showSyncingTimer === undefined) {
      this.#showSyncingTimer = setTimeout(() => {
        this.#showSyncingTimer = undefined;
        if (this.#latest?.phase === 'syncing') this.#show(this.#latest);
      }, SYNCING_SHOWN_AFTER_MS);
    }
    // `running` changed even when the line did not: the Sync now button follows it at once.
    this.#host.requestUpdate();
  };

  #show(status: SyncStatus | undefined): void {
    clearTimeout(this.#showSyncingTimer);
    this.#showSyncingTimer = undefined;
    this.shown = status;
    this.#tick();
    this.#host.requestUpdate();
  }

  /** Wakes the host when the shown "… min ago" would next change. */
  #tick(): void {
    clearTimeout(this.#clockTimer);
    this.#clockTimer = undefined;
    const at = this.shown?.lastSyncAt;
    if (!this.#options.clock || at == null || this.#listeningTo === undefined) return;
    const age = Date.now() - at;
    const wait = age < 0 ? MINUTE : MINUTE - (age % MINUTE);
    this.#clockTimer = setTimeout(() => {
      this.#host.requestUpdate();
      this.#tick();
    }, wait + 50);
  }
}
