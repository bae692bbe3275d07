/**
 * Background sync of record writes for an app's service worker: the SDK's service-worker entry
 * (vite.sdk.config.ts), used by Keyhold's sw.ts and by any app of the ecosystem, whose key server
 * may be on another origin. A record write (PUT {keyServer}/api/records/{id}) the network refused
 * is queued by Workbox and replayed when the browser says the network is back, page open or not.
 * One party sends a queued write: this worker. A page asks it to replay the queue before the page
 * sends its own outbox (REPLAY_RECORD_WRITES_MESSAGE, background-queue.ts) and waits for the
 * answer; the page then learns from the change feed which of its edits landed (docs/architecture.md
 * "Records and sync"). Replays run one at a time and a record's last queued write replaces its
 * earlier ones (record-write-replay.ts). A replay the server refuses is dropped here: the page
 * keeps every unsent edit in its own outbox and settles it at its next sync.
 *
 * Typed with the few members it uses of the worker's global scope, so it compiles (and its
 * declarations read) with the DOM's types as with the WebWorker's. It holds no key and decrypts
 * nothing: a queued write is the page's request as it was, ciphertext only.
 */
import { Queue } from 'workbox-background-sync';
import { registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';
import { FORGET_EVERYTHING_MESSAGE, RECORD_WRITES_QUEUE, RECORDS_REPLAYED_MESSAGE } from './background-messages';
import { noteReplay } from './background-replays';
import { trackDatabaseConnections } from './database-connections';
import { RecordWriteReplay, REPLAY_RECORD_WRITES_MESSAGE, type ReplayOutcome } from './record-write-replay';

/** What the worker's `message` listener gets (an ExtendableMessageEvent). */
export interface WorkerMessageEvent {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
  waitUntil(promise: Promise<unknown>): void;
}

/** The members of `self` (a ServiceWorkerGlobalScope) that background sync uses. */
export interface ServiceWorkerScope {
  readonly location: { readonly origin: string };
  readonly indexedDB: IDBFactory;
  readonly clients: { matchAll(options: { type: 'window' }): Promise<ReadonlyArray<{ postMessage(message: unknown): void }>> };
  addEventListener(type: 'message', listener: (event: WorkerMessageEvent) => void): void;
}

export interface RecordWriteSyncOptions {
  /** The worker's global scope (`self`). */
  readonly scope: ServiceWorkerScope;
  /** The key server's origin, as given to `KeyServer` ('' = this worker's origin). */
  readonly keyServerOrigin?: string;
}

/** A week: a write kept longer is dropped unsent (the page's outbox still has the edit). */
const WRITE_RETENTION_MINUTES = 7 * 24 * 60;

const NOTHING_REPLAYED: ReplayOutcome = { sent: 0, refused: 0, superseded: 0, offline: false };

function isMessage<Type extends string>(data: unknown, type: Type): data is { readonly type: Type } {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === type;
}

/**
 * Sets up background sync of record writes in a service worker: the Workbox queue, the route that
 * feeds it, and the answers to the page's replay and forget-everything messages. Call once, at the
 * top of the worker, before anything opens a database.
 */
export function registerRecordWriteSync({ scope, keyServerOrigin = '' }: RecordWriteSyncOptions): void {
  const serverOrigin = keyServerOrigin === '' ? scope.location.origin : new URL(keyServerOrigin).origin;
  // Every connection of this worker closes when a page deletes its database (a deleted account's
  // wipe), instead of blocking the deletion (database-connections.ts).
  const connections = trackDatabaseConnections(scope.indexedDB);
  /** True once a page said the account is gone: nothing is replayed or noted any more. */
  let forgotten = false;

  const replays = new RecordWriteReplay({
    send: (request) => fetch(request),
    async replayed(outcome) {
      if (forgotten) return;
      await noteReplay({ at: Date.now(), sent: outcome.sent, refused: outcome.refused, superseded: outcome.superseded });
      for (const client of await scope.clients.matchAll({ type: 'window' })) client.postMessage({ type: RECORDS_REPLAYED_MESSAGE, ...outcome });
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
    ({ url, request }) => url.origin === serverOrigin && url.pathname.startsWith('/api/records/') && request.method === 'PUT',
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

  scope.addEventListener('message', (event) => {
    const answer = event.ports[0];
    if (!answer) return;
    if (isMessage(event.data, FORGET_EVERYTHING_MESSAGE)) {
      event.waitUntil(
        forgetEverything().then(
          () => answer.postMessage({ ok: true }),
          () => answer.postMessage({ ok: false }),
        ),
      );
    } else if (isMessage(event.data, REPLAY_RECORD_WRITES_MESSAGE)) {
      // waitUntil keeps this worker alive until the page has its answer.
      event.waitUntil(
        (forgotten ? Promise.resolve(NOTHING_REPLAYED) : replays.replay(recordWrites)).then(
          (outcome) => answer.postMessage(outcome),
          () => answer.postMessage(NOTHING_REPLAYED),
        ),
      );
    }
  });
}
