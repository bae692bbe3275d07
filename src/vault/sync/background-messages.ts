/**
 * Names the service worker (sw.ts) and the page share for background sync. A module of its own,
 * with no imports, so the page's first chunk does not carry the replay log's IndexedDB code.
 */

/** What the service worker posts to open pages after a replay, so they settle their outbox. */
export const RECORDS_REPLAYED_MESSAGE = 'keyhold:records-replayed';

/** Workbox queue name of record writes that failed for want of a network. */
export const RECORD_WRITES_QUEUE = 'keyhold-record-writes';

/**
 * What a page posts to the service worker, with a MessagePort, when the account was deleted and
 * the origin is being wiped: drop every queued record write, stop noting replays, close every
 * IndexedDB connection this worker holds (so the page's deletion of the databases is not blocked),
 * then answer `{ ok: true }` on the port.
 */
export const FORGET_EVERYTHING_MESSAGE = 'keyhold:forget-everything';
