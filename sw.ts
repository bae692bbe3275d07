/**
 * The service worker: precaches the app shell so Keyhold starts with no network, and swaps to a
 * new version only when the page asks (after the user accepted "Reload").
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope;

/** What workbox-window's `messageSkipWaiting()` posts. */
interface SkipWaitingMessage {
  readonly type: 'SKIP_WAITING';
}

function isSkipWaitingMessage(data: unknown): data is SkipWaitingMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING';
}

// Build assets only (the list vite-plugin-pwa injects). Nothing under /api/ is ever cached:
// no route below matches it, so those requests go to the network untouched. Key-server answers
// are per user and per session, and a cached one could resurrect a revoked session or stale data.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Any in-app navigation gets the precached shell, so deep links open offline too.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//] }));

self.addEventListener('message', (event) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting();
});
