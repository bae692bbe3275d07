import type { StoredAuditEntry } from '../store/audit-chain';
import { toEnvelope } from '../domain/records';
import { listAuditEvents } from '../store/audit';
import { listAccountRecordsAfter, type RecordRow } from '../store/records';
import type { Store } from '../store/store';

/**
 * Rows read and sent at a time. An account may hold RECORDS_MAX_PER_USER records of up to
 * RECORD_MAX_CHARS each (over a gigabyte at the defaults): built whole, one export could take the
 * server's memory; sent a page at a time, as the client reads it, it holds one page.
 */
export const EXPORT_PAGE_ROWS = 200;

/** An audit entry as the API shows it: its data parsed back from the stored JSON. */
export const toEvent = (e: { seq: number; at: number; type: string; data: string; hash: string; count?: number }) => ({
  seq: e.seq, at: e.at, type: e.type, data: JSON.parse(e.data) as Record<string, unknown>, hash: e.hash, ...(e.count === undefined ? {} : { count: e.count }),
});

const toExportedEvent = (e: StoredAuditEntry) => ({ ...toEvent(e), prevHash: e.prevHash });

/** A record as the export lists it: its envelope and the app whose space holds it. */
const toExportedRecord = (row: RecordRow) => ({ app: row.app_id, ...toEnvelope(row) });

/**
 * The export as a stream of JSON text: `head` (the small parts, already gathered) followed by
 * `records` — every record envelope of every app (`app` says whose), tombstones included, app by
 * app in change-feed order — and `audit`,
 * every entry of the user's chain, newest first. Pages are read only when the reader asks for more
 * (no read-ahead), so a slow download holds one page and not the account.
 *
 * Records are not read under one snapshot (on SQLite every request shares one connection): a
 * record written while the export runs, after its page went out, appears again further on with
 * its new version — the change feed's own rule, so the last occurrence of an id is its current
 * state. Audit entries appended after the export started are not in it.
 */
export function exportStream(store: Store, userId: string, head: Record<string, unknown>, pageRows = EXPORT_PAGE_ROWS): ReadableStream<Uint8Array> {
  const chunks = exportChunks(store, userId, head, pageRows);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

async function* exportChunks(store: Store, userId: string, head: Record<string, unknown>, pageRows: number): AsyncGenerator<string, void, undefined> {
  const headJson = JSON.stringify(head);
  yield `${headJson.slice(0, -1)}${headJson === '{}' ? '' : ','}"records":[`;
  yield* jsonPages((last?: RecordRow) => listAccountRecordsAfter(store, userId, last && { appId: last.app_id, seq: last.seq }, pageRows), pageRows, toExportedRecord);
  yield '],"audit":[';
  yield* jsonPages((last?: StoredAuditEntry) => listAuditEvents(store, userId, pageRows, last?.seq), pageRows, toExportedEvent);
  yield ']}';
}

/**
 * The rows of every page as JSON array items (comma-separated, no brackets), one chunk a page:
 * `page` gets the previous page's last row (undefined at first) and returns up to `pageRows` rows after it.
 */
async function* jsonPages<R>(page: (last: R | undefined) => Promise<R[]>, pageRows: number, toJson: (row: R) => unknown): AsyncGenerator<string, void, undefined> {
  let separator = '';
  for (let last: R | undefined; ; ) {
    const rows = await page(last);
    if (rows.length > 0) {
      yield separator + rows.map((row) => JSON.stringify(toJson(row))).join(',');
      separator = ',';
      last = rows.at(-1)!;
    }
    if (rows.length < pageRows) break;
  }
}
