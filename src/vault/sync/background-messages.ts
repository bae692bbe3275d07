/**
 * Names the service worker (sw.ts) and the page share for background sync. A module of its own,
 * with no imports, so the page's first chunk does not carry the replay log's IndexedDB code.
 */

/** What the service worker posts to open pages after a replay, so they settle their outbox. */
export const RECORDS_REPLAYED_MESSAGE = 'keyhold:records-replayed';

/**
 * What a page posts to the service worker, with a MessagePort, before it sends its outbox: replay
 * the queued record writes now (after any replay already running) and answer with a ReplayOutcome.
 */
export const REPLAY_RECORD_WRITES_MESSAGE = 'keyhold:replay-record-writes';

/** Workbox queue name of record writes that failed for want of a network. */
export const RECORD_WRITES_QUEUE = 'keyhold-record-writes';

/** What one replay of the queue did. */
export interface ReplayOutcome {
  /** Writes the server accepted. */
  readonly sent: number;
  /** Writes the server refused (stale version, expired session…): the page's outbox still has them. */
  readonly refused: number;
  /** Writes not sent because a later queued write of the same record replaces them. */
  readonly superseded: number;
  /** The network still failed: the write that met it and those after it wait in the queue. */
  readonly offline: boolean;
}
