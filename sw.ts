/**
 * The service worker: precaches the app shell so Keyhold starts with no network, replays record
 * writes that failed for want of a network (background sync, even with the page closed), and
 * swaps to a new version only when the page asks (after the user accepted "Reload").
 */
import { Queue } from 'workbox-background-sync';
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';
import { FILE_PATH } from './protocol/app-paths';
import { FORGET_EVERYTHING_MESSAGE, RECORD_WRITES_QUEUE, RECORDS_REPLAYED_MESSAGE } from './src/vault/sync/background-messages';
import { noteReplay } from './src/vault/sync/background-replays';
import { trackDatabaseConnections } from './src/vault/sync/database-connections';
import { RecordWriteReplay, REPLAY_RECORD_WRITES_MESSAGE, type ReplayOutcome } from './src/vault/sync/record-write-replay';

declare const self: ServiceWorkerGlobalScope;

/** What workbox-window's `messageSkipWaiting()` posts. */
interface SkipWaitingMessage {
  readonly type: 'SKIP_WAITING';
}

function isMessage<Type extends string>(data: unknown, type: Type): data is { readonly type: Type } {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === type;
}

function isSkipWaitingMessage(data: unknown): data is SkipWaitingMessage {
  return isMessage(data, 'SKIP_WAITING');
}

// Before anything opens a database: every connection of this worker closes when a page deletes
// its database (a deleted account's wipe), instead of blocking the deletion (database-connections.ts).
const connections = trackDatabaseConnections(self.indexedDB);
const NOTHING_REPLAYED: ReplayOutcome = { sent: 0, refused: 0, superseded: 0, offline: false };
/** True once a page said the account is gone: nothing is replayed or noted any more. */
let forgotten = false;

// Build assets only (the list vite-plugin-pwa injects). Nothing under /api/ is ever cached: no
// route below caches it (record writes only pass through, to be queued when they fail). Key-server
// answers are per user and per session, and a cached one could resurrect a revoked session or stale data.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Take charge of the open page as soon as this worker activates, so record writes of a first
// visit already pass through the background-sync route. Harmless for updates: a new version
// activates only when the user accepted it, and that page reloads anyway.
clientsClaim();

// Background sync. A record write (PUT /api/records/{id}) the network refused is queued by
// Workbox and replayed when the browser says the network is back, page open or not. One party
// sends a queued write: this worker. A page asks it to replay the queue before the page sends its
// own outbox (REPLAY_RECORD_WRITES_MESSAGE) and waits for the answer; the page then learns from
// the change feed which of its edits landed (docs/architecture.md "Records and sync"). Replays
// run one at a time, and a record's last queued write replaces its earlier ones
// (record-write-replay.ts). A replay the server refuses is dropped here: the page keeps every
// unsent edit in its own outbox and settles it at its next sync.
const WRITE_RETENTION_MINUTES = 7 * 24 * 60;

const replays = new RecordWriteReplay({
  send: (request) => fetch(request),
  async replayed(outcome) {
    if (forgotten) return;
    await noteReplay({ at: Date.now(), sent: outcome.sent, refused: outcome.refused, superseded: outcome.superseded });
    for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage({ type: RECORDS_REPLAYED_MESSAGE, ...outcome });
  },
});

const recordWrites = new Queue(RECORD_WRITES_QUEUE, {
  maxRetentionTime: WRITE_RETENTION_MINUTES,
  // Throwing while the network still fails asks the browser for another `sync` event later.
  onSync: async ({ queue }) => {
    if (forgotten) return;
    if ((await replays.replay(queue)).offline) throw new Error('The key server is still out of reach.');
  },
});

registerRoute(
  ({ url, request }) => url.origin === self.location.origin && url.pathname.startsWith('/api/records/') && request.method === 'PUT',
  new NetworkOnly({
    plugins: [
      {
        fetchDidFail: async ({ request }) => {
          await recordWrites.pushRequest({ request });
        },
      },
    ],
  }),
  'PUT',
);

// Any in-app navigation gets the precached shell, so deep links open offline too; a navigation to
// a file (/robots.txt) goes to the network, which has the file or answers 404 — never the shell.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, FILE_PATH] }));

/**
 * The account was deleted and the page wipes the origin: the queued writes (ciphertext of an
 * account that no longer exists) are dropped unsent, and every IndexedDB connection is closed so
 * the page can delete the databases. The page unregisters this worker afterwards.
 */
async function forgetEverything(): Promise<void> {
  forgotten = true;
  try {
    await replays.discard(recordWrites);
  } finally {
    connections.closeAll();
  }
}

self.addEventListener('message', (event) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting();
  else if (isMessage(event.data, FORGET_EVERYTHING_MESSAGE) && event.ports[0]) {
    const answer = event.ports[0];
    event.waitUntil(
      forgetEverything().then(
        () => answer.postMessage({ ok: true }),
        () => answer.postMessage({ ok: false }),
      ),
    );
  } else if (isMessage(event.data, REPLAY_RECORD_WRITES_MESSAGE) && event.ports[0]) {
    const answer = event.ports[0];
    // waitUntil keeps this worker alive until the page has its answer.
    event.waitUntil(
      (forgotten ? Promise.resolve(NOTHING_REPLAYED) : replays.replay(recordWrites)).then(
        (outcome) => answer.postMessage(outcome),
        () => answer.postMessage(NOTHING_REPLAYED),
      ),
    );
  }
});
