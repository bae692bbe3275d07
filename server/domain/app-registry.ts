import { APPS_MISS_RELOAD_MS, APPS_SNAPSHOT_MAX_AGE_MS } from '../../protocol/constants';
import { listApps } from '../store/apps';
import type { Store } from '../store/store';
import { seedConfiguredApps } from './app-registration';
import type { RegisteredApp } from './apps';

interface Snapshot {
  byOrigin: Map<string, RegisteredApp>;
  byId: Map<string, RegisteredApp>;
  origins: string[];
  loadedAt: number;
}

/**
 * This process's view of the registered apps, read on every API request, so kept in memory and
 * reloaded from the `apps` table, which another process (or `npm run apps`) may change:
 * - a snapshot older than APPS_SNAPSHOT_MAX_AGE_MS is reloaded by the next lookup, so a removed
 *   app's origins stop working within that time;
 * - an Origin the snapshot does not know reloads it at once, at most every APPS_MISS_RELOAD_MS,
 *   so an app just added works on its first request while a stream of foreign origins costs at most
 *   one query per interval.
 * The first load also registers the configured apps (seedConfiguredApps). `refresh()` reloads on
 * demand (start-up, tests). Concurrent reloads share one query.
 */
export class AppRegistry {
  #snapshot: Snapshot | undefined;
  #loading: Promise<Snapshot> | undefined;
  #seeded = false;
  #lastMissReload = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    private readonly configured: readonly RegisteredApp[],
    private readonly now: () => number,
  ) {}

  /** The default app: the first configured one (the key server's own PWA). */
  get defaultApp(): RegisteredApp {
    return this.configured[0]!;
  }

  /** Reloads the snapshot from the table now (seeding the configured apps first, once). */
  refresh(): Promise<Snapshot> {
    this.#loading ??= this.#load().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  /** The app that lists `origin`, or undefined when none does (after a throttled reload). */
  async appOfOrigin(origin: string): Promise<RegisteredApp | undefined> {
    const found = (await this.#current()).byOrigin.get(origin);
    if (found) return found;
    const now = this.now();
    if (now - this.#lastMissReload < APPS_MISS_RELOAD_MS) return undefined;
    this.#lastMissReload = now;
    return (await this.refresh()).byOrigin.get(origin);
  }

  /**
   * How the account's devices and activity name app `id`: its display name, or null once it is no
   * longer registered (its devices and records outlive the registration).
   */
  async describe(id: string): Promise<{ id: string; name: string | null }> {
    return { id, name: (await this.#current()).byId.get(id)?.name ?? null };
  }

  /** Every registered origin: WebAuthn's expected origins, and /.well-known/webauthn. */
  async origins(): Promise<string[]> {
    return (await this.#current()).origins;
  }

  async #current(): Promise<Snapshot> {
    const snapshot = this.#snapshot;
    if (snapshot && this.now() - snapshot.loadedAt < APPS_SNAPSHOT_MAX_AGE_MS) return snapshot;
    return this.refresh();
  }

  async #load(): Promise<Snapshot> {
    if (!this.#seeded) {
      await seedConfiguredApps(this.store, this.configured, this.now());
      this.#seeded = true;
    }
    const apps = await listApps(this.store);
    const byOrigin = new Map<string, RegisteredApp>();
    for (const { id, name, origins } of apps) for (const origin of origins) byOrigin.set(origin, { id, name, origins });
    const byId = new Map(apps.map(({ id, name, origins }) => [id, { id, name, origins }]));
    const snapshot = { byOrigin, byId, origins: apps.flatMap((a) => a.origins), loadedAt: this.now() };
    this.#snapshot = snapshot;
    return snapshot;
  }
}
