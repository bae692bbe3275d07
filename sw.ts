/**
 * The service worker: precaches the app shell so Keyhold starts with no network, replays record
 * writes that failed for want of a network (background sync, even with the page closed), and
 * swaps to a new version only when the page asks (after the user accepted "Reload").
 */
import { BackgroundSyncPlugin, type Queue } from 'workbox-background-sync';
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';
import { RECORD_WRITES_QUEUE, RECORDS_REPLAYED_MESSAGE } from './src/vault/sync/background-messages';
import { noteReplay } from './src/vault/sync/background-replays';

declare const self: ServiceWorkerGlobalScope;

/** What workbox-window's `messageSkipWaiting()` posts. */
interface SkipWaitingMessage {
  readonly type: 'SKIP_WAITING';
}

function isSkipWaitingMessage(data: unknown): data is SkipWaitingMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING';
}

// Build assets only (the list vite-plugin-pwa injects). Nothing under /api/ is ever cached: no
// route below caches it (record writes only pass through, to be queued when they fail). Key-server
// answers are per user and per session, and a cached one could resurrect a revoked session or stale data.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Take charge of the open page as soon as this worker activates, so record writes of a first
// visit already pass through the background-sync route. Harmless for updates: a new version
// activates only when the user accepted it, and that page reloads anyway.
clientsClaim();

// Background sync. A record write (PUT /api/records/{id}) the network refused is queued
// by Workbox and replayed when the browser says the network is back, page open or not. The
// service worker holds no key and decrypts nothing: it replays the page's request as it was,
// already-encrypted body and compare-and-set version included, under the session cookie. A
// replay the server refuses (a newer version exists, the session expired) is dropped here: the
// page keeps every unsent edit in its own outbox and settles it at the next sync, where an edit
// the replay already delivered is recognised as sent (sync-engine.ts) rather than a conflict.
const WRITE_RETENTION_MINUTES = 7 * 24 * 60;

async function replayRecordWrites({ queue }: { queue: Queue }): Promise<void> {
  let sent = 0;
  let refused = 0;
  for (let entry = await queue.shiftRequest(); entry; entry = await queue.shiftRequest()) {
    let response: Response;
    try {
      response = await fetch(entry.request.clone());
    } catch (error) {
      // Still no network: put it back, and Workbox asks the browser for another sync event.
      await queue.unshiftRequest(entry);
      throw error;
    }
    if (response.ok) sent++;
    else refused++;
  }
  if (sent + refused === 0) return;
  await noteReplay({ at: Date.now(), sent, refused });
  for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage({ type: RECORDS_REPLAYED_MESSAGE, sent, refused });
}

registerRoute(
  ({ url, request }) => url.origin === self.location.origin && url.pathname.startsWith('/api/records/') && request.method === 'PUT',
  new NetworkOnly({ plugins: [new BackgroundSyncPlugin(RECORD_WRITES_QUEUE, { maxRetentionTime: WRITE_RETENTION_MINUTES, onSync: replayRecordWrites })] }),
  'PUT',
);

// Any in-app navigation gets the precached shell, so deep links open offline too.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//] }));

self.addEventListener('message', (event) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting();
});
