/**
 * The service worker: precaches the app shell so Keyhold starts with no network, replays record
 * writes that failed for want of a network (background sync, even with the page closed), and
 * swaps to a new version only when the page asks (after the user accepted "Reload").
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { FILE_PATH } from './protocol/app-paths';
import { registerRecordWriteSync } from './src/vault/service-worker';

declare const self: ServiceWorkerGlobalScope;

/** What workbox-window's `messageSkipWaiting()` posts. */
interface SkipWaitingMessage {
  readonly type: 'SKIP_WAITING';
}

function isSkipWaitingMessage(data: unknown): data is SkipWaitingMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING';
}

// Background sync of record writes to the key server on this origin (the SDK's service-worker
// entry, src/vault/sync/record-write-sync.ts, says how). First: it tracks every IndexedDB
// connection this worker opens, so a deleted account's page can delete the databases.
registerRecordWriteSync({ scope: self });

// Build assets only (the list vite-plugin-pwa injects). Nothing under /api/ is ever cached: no
// route below caches it (record writes only pass through, to be queued when they fail). Key-server
// answers are per user and per session, and a cached one could resurrect a revoked session or stale data.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Take charge of the open page as soon as this worker activates, so record writes of a first
// visit already pass through the background-sync route. Harmless for updates: a new version
// activates only when the user accepted it, and that page reloads anyway.
clientsClaim();

// Any in-app navigation gets the precached shell, so deep links open offline too; a navigation to
// a file (/robots.txt) goes to the network, which has the file or answers 404 — never the shell.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, FILE_PATH] }));

self.addEventListener('message', (event) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting();
});
