import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { LocalStore } from './local-store';
import { WIPE_WAIT_MS, wipeOrigin, type OriginStorage } from './origin-wipe';

/**
 * The origin as a fresh IndexedDB of its own (fake-indexeddb follows the spec's blocking rules),
 * with the wipe's bounded waits on a clock the test moves: `expire()` runs every wait due.
 */
function origin() {
  const factory = new IDBFactory();
  const timers = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const storage: OriginStorage = {
    indexedDB: factory,
    webStorage: [],
    setTimer: (callback, ms) => (timers.set(++next, { callback, ms }), next),
    clearTimer: (handle) => timers.delete(handle as number),
  };
  return {
    factory,
    storage,
    store: (name = 'keyhold') => new LocalStore(name, { indexedDB: factory, IDBKeyRange }),
    names: async () => (await factory.databases()).map((info) => info.name).sort(),
    /** Resolves once a bounded wait is pending, then lets it run out. */
    async expire(): Promise<void> {
      await expect.poll(() => timers.size).toBeGreaterThan(0);
      for (const [handle, { callback, ms }] of timers) {
        expect(ms).toBe(WIPE_WAIT_MS);
        timers.delete(handle);
        callback();
      }
    },
  };
}

/** Opens `name` as a connection that ignores `versionchange`, as an older tab or a silent worker might. */
function stubbornConnection(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve) => {
    const request = factory.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('requests');
    request.onsuccess = () => resolve(request.result);
  });
}

describe('wiping the origin after the account was deleted', () => {
  it('deletes every database of the origin, Keyhold’s and any other, and reports nothing left', async () => {
    const { factory, storage, store, names } = origin();
    const vault = store();
    await vault.resetThrottle();
    vault.close();
    (await stubbornConnection(factory, 'workbox-background-sync')).close();
    (await stubbornConnection(factory, 'left-by-an-old-version')).close();
    expect(await names()).toEqual(['keyhold', 'left-by-an-old-version', 'workbox-background-sync']);

    await expect(wipeOrigin(storage)).resolves.toEqual([]);
    expect(await names()).toEqual([]);
  });

  it('another tab’s open vault lets go at once: its store reports the vault lost and stays closed', async () => {
    const { storage, store, names } = origin();
    const otherTab = store();
    await otherTab.resetThrottle();
    await expect(wipeOrigin(storage)).resolves.toEqual([]);
    await otherTab.lost;
    expect(await names()).toEqual([]);
    // Closed for good: the other tab's in-memory vault cannot re-create the database.
    await expect(otherTab.resetThrottle()).rejects.toMatchObject({ name: 'DatabaseClosedError' });
    expect(await names()).toEqual([]);
  });

  it('says which database a connection holds open past the wait; the browser deletes it once that connection closes', async () => {
    const { factory, storage, names, expire } = origin();
    const held = await stubbornConnection(factory, 'workbox-background-sync');
    const wiped = wipeOrigin(storage);
    await expire();
    await expect(wiped).resolves.toEqual(['database workbox-background-sync (open in another tab)']);
    held.close();
    await expect.poll(names).toEqual([]);
  });

  it('after the wipe, a new vault on the same page opens the database again', async () => {
    const { storage, store, names } = origin();
    const vault = store();
    await vault.resetThrottle();
    vault.close();
    await wipeOrigin(storage);
    await expect(vault.readThrottle()).rejects.toMatchObject({ name: 'DatabaseClosedError' });
    expect(await names()).toEqual([]);
    vault.reopen();
    await vault.resetThrottle();
    expect(await names()).toEqual(['keyhold']);
  });
});
