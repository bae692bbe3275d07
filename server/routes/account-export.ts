import type { StoredAuditEntry } from '../store/audit-chain';
import { toEnvelope } from '../domain/records';
import { listAuditEvents } from '../store/audit';
import { listRecordsAfter } from '../store/records';
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
  // Until audit entries record their app (per-app scoping, issue 17), none names one.
  app: null,
});

const toExportedEvent = (e: StoredAuditEntry) => ({ ...toEvent(e), prevHash: e.prevHash });

/**
 * The export as a stream of JSON text: `head` (the small parts, already gathered) followed by
 * `records` — every record envelope, tombstones included, in change-feed order — and `audit`,
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
  yield* jsonPages((afterSeq = 0) => listRecordsAfter(store, userId, afterSeq, pageRows), pageRows, toEnvelope);
  yield '],"audit":[';
  yield* jsonPages((beforeSeq) => listAuditEvents(store, userId, pageRows, beforeSeq), pageRows, toExportedEvent);
  yield ']}';
}

/**
 * The rows of every page as JSON array items (comma-separated, no brackets), one chunk a page:
 * `page` gets the last row's seq (undefined at first) and returns up to `pageRows` rows after it.
 */
async function* jsonPages<R extends { seq: number }>(page: (seq: number | undefined) => Promise<R[]>, pageRows: number, toJson: (row: R) => unknown): AsyncGenerator<string, void, undefined> {
  let separator = '';
  for (let seq: number | undefined; ; ) {
    const rows = await page(seq);
    if (rows.length > 0) {
      yield separator + rows.map((row) => JSON.stringify(toJson(row))).join(',');
      separator = ',';
      seq = rows.at(-1)!.seq;
    }
    if (rows.length < pageRows) break;
  }
}
