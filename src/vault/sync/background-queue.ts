/**
 * The page's side of the service worker's background sync (sw.ts). Record writes that failed for
 * want of a network wait in the service worker's queue; if the page then sent its outbox while the
 * service worker replayed that queue, each such edit would go out twice, one copy answered 409.
 * So the service worker alone sends what it queued: before a sync run sends the outbox, the page
 * asks it to replay its queue now and waits for the answer; the pull that follows tells the page
 * which of its edits landed that way (docs/architecture.md "Records and sync").
 */
import { REPLAY_RECORD_WRITES_MESSAGE, type ReplayOutcome } from './record-write-replay';

/**
 * - `drained`: nothing queued is left to send (or nothing could be queued: no service worker);
 * - `offline`: the service worker still cannot reach the key server, and keeps the writes;
 * - `no-answer`: the service worker did not answer in time (killed mid-replay, say).
 */
export type DrainResult = 'drained' | 'offline' | 'no-answer';

/** The service worker's queue of record writes, as the sync engine sees it. */
export interface BackgroundQueue {
  /** Has every queued write replayed (or found still unreachable) before the page sends anything. Never rejects. */
  drain(): Promise<DrainResult>;
}

/**
 * How long a page waits for the service worker's answer. Past it the page sends its outbox itself:
 * at worst an edit goes twice, and the second copy's 409 is recognised as the edit already sent.
 */
export const REPLAY_ANSWER_TIMEOUT_MS = 30_000;

export interface ServiceWorkerQueueDeps {
  /** The page's `navigator.serviceWorker`. */
  readonly container: Pick<ServiceWorkerContainer, 'getRegistration'>;
  readonly setTimer: (callback: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

/** The queue of the service worker that serves this page (its registration's active worker). */
export function serviceWorkerQueue(deps: ServiceWorkerQueueDeps): BackgroundQueue {
  return {
    async drain() {
      let worker: ServiceWorker | null | undefined;
      try {
        worker = (await deps.container.getRegistration())?.active;
      } catch {
        worker = null;
      }
      // With no active service worker no request of this origin went through one: nothing is queued.
      if (!worker) return 'drained';
      const active = worker;
      return new Promise<DrainResult>((resolve) => {
        const channel = new MessageChannel();
        const settle = (result: DrainResult) => {
          deps.clearTimer(timer);
          channel.port1.close();
          resolve(result);
        };
        const timer = deps.setTimer(() => settle('no-answer'), REPLAY_ANSWER_TIMEOUT_MS);
        channel.port1.onmessage = (event: MessageEvent<unknown>) => settle((event.data as Partial<ReplayOutcome> | null)?.offline === true ? 'offline' : 'drained');
        active.postMessage({ type: REPLAY_RECORD_WRITES_MESSAGE }, [channel.port2]);
      });
    },
  };
}

/** The browser's service-worker queue, or null where there is no service worker to have queued anything. */
export function browserBackgroundQueue(timers: Pick<ServiceWorkerQueueDeps, 'setTimer' | 'clearTimer'>): BackgroundQueue | null {
  const container = typeof navigator === 'undefined' ? undefined : navigator.serviceWorker;
  return container ? serviceWorkerQueue({ container, ...timers }) : null;
}
