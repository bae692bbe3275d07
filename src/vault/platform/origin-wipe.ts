/**
 * Wiping what this origin keeps in the browser, after the key server erased the account
 * (docs/architecture.md "Deleting the account"). In order:
 *
 *   1. the service worker drops its queue of record writes and closes its IndexedDB connections
 *      (FORGET_EVERYTHING_MESSAGE; the page's own Dexie connection is closed by the caller first);
 *   2. every IndexedDB database of the origin is deleted (`indexedDB.databases()`, plus the names
 *      Keyhold itself creates where a browser cannot list them);
 *   3. every Cache Storage cache (the app shell Workbox precached);
 *   4. localStorage and sessionStorage;
 *   5. every service-worker registration is unregistered.
 *
 * Every step runs even when one before it failed, and the result names what is left. A deletion
 * another connection holds up ("blocked": a tab of an older version, a worker that did not
 * answer) is waited for, event by event, up to WIPE_WAIT_MS; the browser still finishes it as soon
 * as that connection closes. The result holds names of databases and caches only, never a value.
 */
import { FORGET_EVERYTHING_MESSAGE } from '../sync/background-messages';

/** How long one step may wait for the browser (a blocked deletion, the service worker's answer). */
export const WIPE_WAIT_MS = 10_000;

/** The databases Keyhold creates: the vault, the service worker's replay log, Workbox's queue. */
export const KEYHOLD_DATABASES = ['keyhold', 'keyhold-sw', 'workbox-background-sync'] as const;

/** What of the browser the wipe reaches; `browserStorage()` gives this page's own. */
export interface OriginStorage {
  readonly indexedDB: IDBFactory;
  readonly caches?: CacheStorage | undefined;
  readonly serviceWorker?: Pick<ServiceWorkerContainer, 'getRegistrations'> | undefined;
  /** localStorage and sessionStorage. */
  readonly webStorage: readonly Storage[];
  readonly setTimer: (callback: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

/** This page's storage (a browser page: `indexedDB` at least). */
export function browserStorage(): OriginStorage {
  const webStorage: Storage[] = [];
  for (const name of ['localStorage', 'sessionStorage'] as const) {
    try {
      const area = globalThis[name] as Storage | undefined;
      if (area) webStorage.push(area);
    } catch {
      // Reading the property throws where the browser denies storage: there is nothing to clear.
    }
  }
  return {
    indexedDB: globalThis.indexedDB,
    caches: globalThis.caches,
    serviceWorker: typeof navigator === 'undefined' ? undefined : navigator.serviceWorker,
    webStorage,
    setTimer: (callback, ms) => setTimeout(callback, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** Runs `step` and settles with its outcome, or with `late` if it has not settled after WIPE_WAIT_MS. */
function bounded<T>(storage: OriginStorage, late: T, step: (settle: (outcome: T) => void) => void): Promise<T> {
  return new Promise((resolve) => {
    let done = false;
    const settle = (outcome: T) => {
      if (done) return;
      done = true;
      storage.clearTimer(timer);
      resolve(outcome);
    };
    const timer = storage.setTimer(() => settle(late), WIPE_WAIT_MS);
    step(settle);
  });
}

/** Asks each active service worker of the origin to forget everything; returns what did not answer. */
async function quietServiceWorkers(storage: OriginStorage): Promise<string[]> {
  const registrations = (await storage.serviceWorker?.getRegistrations()) ?? [];
  const answers = registrations.map((registration) => {
    const worker = registration.active;
    if (!worker) return Promise.resolve(true);
    return bounded(storage, false, (settle) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event: MessageEvent<unknown>) => {
        channel.port1.close();
        settle((event.data as { ok?: unknown } | null)?.ok === true);
      };
      worker.postMessage({ type: FORGET_EVERYTHING_MESSAGE }, [channel.port2]);
    });
  });
  return (await Promise.all(answers)).some((ok) => !ok) ? ['the service worker’s queue'] : [];
}

type DeleteOutcome = 'deleted' | 'blocked' | 'failed';

function deleteDatabase(storage: OriginStorage, name: string): Promise<DeleteOutcome> {
  let blocked = false;
  return bounded<DeleteOutcome>(storage, 'blocked', (settle) => {
    const request = storage.indexedDB.deleteDatabase(name);
    request.onsuccess = () => settle('deleted');
    request.onerror = () => settle('failed');
    // Another connection did not close on `versionchange`: keep waiting for it (up to the bound).
    request.onblocked = () => (blocked = true);
  }).then((outcome) => (outcome === 'blocked' && !blocked ? 'failed' : outcome));
}

async function deleteDatabases(storage: OriginStorage): Promise<string[]> {
  let listed: string[] = [];
  try {
    listed = (await storage.indexedDB.databases()).flatMap((info) => (info.name ? [info.name] : []));
  } catch {
    // A browser without `databases()`: the names Keyhold creates are still deleted.
  }
  const names = [...new Set([...KEYHOLD_DATABASES, ...listed])];
  const outcomes = await Promise.all(names.map(async (name) => ({ name, outcome: await deleteDatabase(storage, name) })));
  return outcomes.filter(({ outcome }) => outcome !== 'deleted').map(({ name, outcome }) => (outcome === 'blocked' ? `database ${name} (open in another tab)` : `database ${name}`));
}

async function deleteCaches(storage: OriginStorage): Promise<string[]> {
  const caches = storage.caches;
  if (!caches) return [];
  const names = await caches.keys();
  const deleted = await Promise.all(names.map((name) => caches.delete(name).catch(() => false)));
  return names.filter((name, i) => !deleted[i] && name).map((name) => `cache ${name}`);
}

function clearWebStorage(storage: OriginStorage): string[] {
  return storage.webStorage.flatMap((area, i) => {
    try {
      area.clear();
      return [];
    } catch {
      return [i === 0 ? 'local storage' : 'session storage'];
    }
  });
}

async function unregisterServiceWorkers(storage: OriginStorage): Promise<string[]> {
  const registrations = (await storage.serviceWorker?.getRegistrations()) ?? [];
  const done = await Promise.all(registrations.map((registration) => registration.unregister().catch(() => false)));
  return done.every(Boolean) ? [] : ['the service worker'];
}

/** Runs a step; a step that throws leaves `what` behind. */
async function attempt(what: string, step: () => Promise<string[]> | string[]): Promise<string[]> {
  try {
    return await step();
  } catch {
    return [what];
  }
}

/**
 * Wipes the origin's storage (the caller closed its own connection to the vault's database).
 * Returns what is left: empty when everything went. Never rejects.
 */
export async function wipeOrigin(storage: OriginStorage): Promise<string[]> {
  const left = await attempt('the service worker’s queue', () => quietServiceWorkers(storage));
  left.push(...(await attempt('the databases', () => deleteDatabases(storage))));
  left.push(...(await attempt('the caches', () => deleteCaches(storage))));
  left.push(...(await attempt('web storage', () => clearWebStorage(storage))));
  left.push(...(await attempt('the service worker', () => unregisterServiceWorkers(storage))));
  return left;
}
