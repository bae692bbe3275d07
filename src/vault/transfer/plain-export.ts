/**
 * Keyhold's plain (unencrypted) export, in two forms that Keyhold reads back (import-formats.ts):
 *
 *   JSON  { "format": "keyhold-export", "version": 1, "exportedAt": <epoch ms>, "items": [ record content ] }
 *   CSV   kind,title,username,password,url,notes,body   one row per item (RFC 4180: CRLF, quotes
 *         where needed), UTF-8 with a byte order mark so spreadsheets read accents right, and
 *         every cell a spreadsheet would run as a formula neutralised (csv-cells.ts).
 *
 * Both hold every password in the clear: the screens say so before writing one.
 */
import Papa from 'papaparse';
import type { RecordContent } from '../state';
import { neutraliseCell } from './csv-cells';

export const PLAIN_EXPORT_FORMAT = 'keyhold-export';
export const PLAIN_EXPORT_VERSION = 1;
/** The columns of Keyhold's CSV, in order. */
export const KEYHOLD_CSV_COLUMNS = ['kind', 'title', 'username', 'password', 'url', 'notes', 'body'] as const;

/**
 * The item as another vault should get it: its fields only (a conflict copy's link to a record of
 * this vault is dropped), a note's location included. The CSV has no column for a location.
 */
export function plainRecord(item: RecordContent): RecordContent {
  return item.kind === 'login'
    ? { kind: 'login', title: item.title, username: item.username, password: item.password, url: item.url, notes: item.notes }
    : { kind: 'note', title: item.title, body: item.body, ...(item.location && { location: item.location }) };
}

/** The JSON export's text. Holds every secret in the clear: never log it. */
export function toExportJson(items: readonly RecordContent[], now: number): string {
  return `${JSON.stringify({ format: PLAIN_EXPORT_FORMAT, version: PLAIN_EXPORT_VERSION, exportedAt: Math.floor(now), items: items.map(plainRecord) }, null, 2)}\n`;
}

/** The CSV export's text (byte order mark first). Holds every secret in the clear: never log it. */
export function toExportCsv(items: readonly RecordContent[]): string {
  const rows = items.map((item) => {
    const cells: Record<(typeof KEYHOLD_CSV_COLUMNS)[number], string> =
      item.kind === 'login'
        ? { kind: 'login', title: item.title, username: item.username, password: item.password, url: item.url, notes: item.notes, body: '' }
        : { kind: 'note', title: item.title, username: '', password: '', url: '', notes: '', body: item.body };
    return KEYHOLD_CSV_COLUMNS.map((column) => neutraliseCell(cells[column]));
  });
  // papaparse quotes a cell holding a comma, a quote or a line break (RFC 4180 §2.6–2.7); its
  // own formula escaping stays off, since neutraliseCell's rule is the one the importer reverses.
  return `\uFEFF${Papa.unparse({ fields: [...KEYHOLD_CSV_COLUMNS], data: rows }, { newline: '\r\n', escapeFormulae: false })}\r\n`;
}
