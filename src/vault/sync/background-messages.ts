/**
 * Names the service worker (sw.ts) and the page share for background sync. A module of its own,
 * with no imports, so the page's first chunk does not carry the replay log's IndexedDB code.
 */

/** What the service worker posts to open pages after a replay, so they settle their outbox. */
export const RECORDS_REPLAYED_MESSAGE = 'keyhold:records-replayed';

/** Workbox queue name of record writes that failed for want of a network. */
export const RECORD_WRITES_QUEUE = 'keyhold-record-writes';
