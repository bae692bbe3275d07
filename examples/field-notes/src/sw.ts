/**
 * Field notes' service worker: precaches the app shell (so it starts and unlocks offline) and,
 * through the SDK, queues the record writes the network refused and replays them when it is back,
 * to the key server on its own origin. No update prompt: a new version takes over once every tab
 * of the old one is closed.
 */
import { registerRecordWriteSync } from 'keyhold-sdk/service-worker';
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope;

// First: it tracks every IndexedDB connection this worker opens.
registerRecordWriteSync({ scope: self, keyServerOrigin: __KEY_SERVER_ORIGIN__ });

// The build's files only: nothing of the key server is cached (its answers are per session).
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
clientsClaim();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));
