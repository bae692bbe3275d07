import type { Page } from 'playwright-core';

/**
 * What the service worker's background sync holds, read from the page's origin: the record writes
 * Workbox keeps in its queue (its own IndexedDB database) and the service worker's log of its last
 * replay (`keyhold-sw`, src/vault/sync/background-replays.ts).
 */

/** How many requests wait in Workbox's queue (0 before the database exists). */
export function queuedWrites(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open('workbox-background-sync');
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('requests')) return resolve(0);
          const count = db.transaction('requests').objectStore('requests').count();
          count.onsuccess = () => resolve(count.result);
        };
        open.onerror = () => resolve(-1);
      }),
  );
}

/** The service worker's summary of its last replay, or null before it noted one. */
export function lastReplay(page: Page): Promise<{ sent: number; refused: number } | null> {
  return page.evaluate(
    () =>
      new Promise<{ sent: number; refused: number } | null>((resolve) => {
        const open = indexedDB.open('keyhold-sw');
        // Not there yet: do not create it under the service worker's feet.
        open.onupgradeneeded = () => open.transaction!.abort();
        open.onerror = () => resolve(null);
        open.onsuccess = () => {
          const get = open.result.transaction('replays').objectStore('replays').get('last');
          get.onsuccess = () => resolve((get.result as { sent: number; refused: number } | undefined) ?? null);
        };
      }),
  );
}

/** Resolves once a service worker controls `page`, so its record writes pass through the background-sync route. */
export async function controlledByServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (navigator.serviceWorker.controller) return;
    await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  });
}
