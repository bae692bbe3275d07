/**
 * The CSV exports Keyhold reads, told apart by their header row (case and order do not matter):
 *
 *   Bitwarden        folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp
 *   1Password 8      Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes
 *                    (earlier versions: Website for Url, notesPlain for Notes; Apple Passwords' CSV reads the same)
 *   Chrome, Edge     name,url,username,password[,note]
 *   Firefox          "url","username","password","httpRealm","formActionOrigin","guid","timeCreated","timeLastUsed","timePasswordChanged"
 *   Keyhold          kind,title,username,password,url,notes,body   (plain-export.ts)
 *   LastPass         url,username,password,totp,extra,name,grouping,fav   (read too: its header would
 *                    otherwise pass for Chrome's and lose its notes)
 *
 * Parsing is papaparse's (RFC 4180 quoting, quoted line breaks, CRLF); the delimiter is the header's:
 * comma, or semicolon or tab, as a spreadsheet in another locale may re-save with ';'.
 * Blank rows are ignored; a row with more cells than the header is skipped rather than guessed at.
 */
import Papa from 'papaparse';
import { RECORDS_MAX_PER_USER } from '../../../protocol/constants';
import { VaultError } from '../errors';
import { addBitwardenCsvRow, BITWARDEN_CSV_COLUMNS } from './import-bitwarden';
import { ImportCollector, joinBlocks, labelledLines, type ImportFormat, type ParsedImport } from './import-items';
import { restoreCell } from './csv-cells';

/** A row's cell under the first of `names` (lower case) that the header has; '' when none. */
type CellReader = (...names: string[]) => string;

interface CsvLayout {
  readonly format: ImportFormat;
  /** How the error for an unknown header names this export and its columns. */
  readonly described: string;
  readonly matches: (has: (name: string) => boolean) => boolean;
  readonly addRow: (collector: ImportCollector, row: number, cell: CellReader) => void;
}

const oneOf = (has: (name: string) => boolean, ...names: string[]): boolean => names.some(has);

const LAYOUTS: readonly CsvLayout[] = [
  {
    format: 'keyhold-csv',
    described: 'Keyhold (kind, title, username, password, url, notes, body)',
    matches: (has) => ['kind', 'title', 'username', 'password', 'url', 'notes', 'body'].every(has),
    addRow: (collector, row, raw) => {
      const cell: CellReader = (...names) => restoreCell(raw(...names));
      const kind = cell('kind').trim().toLowerCase();
      if (kind === 'note') return collector.note(row, { title: cell('title'), body: cell('body') });
      if (kind !== 'login') return collector.skip(row, 'The kind is neither login nor note.');
      collector.login(row, { title: cell('title'), username: cell('username'), password: cell('password'), url: cell('url'), notes: cell('notes') });
    },
  },
  {
    format: 'bitwarden-csv',
    described: `Bitwarden (${BITWARDEN_CSV_COLUMNS.join(', ')})`,
    matches: (has) => ['type', 'name', 'login_uri', 'login_username', 'login_password'].every(has),
    addRow: (collector, row, cell) => addBitwardenCsvRow(collector, row, (name) => cell(name)),
  },
  {
    format: 'browser-csv',
    described: 'Firefox (url, username, password, httpRealm, formActionOrigin, guid, timeCreated, timeLastUsed, timePasswordChanged)',
    matches: (has) => ['url', 'username', 'password'].every(has) && oneOf(has, 'httprealm', 'formactionorigin', 'guid') && !has('name'),
    // Firefox names no login: the title falls back to the website's host.
    addRow: (collector, row, cell) =>
      collector.login(row, {
        title: '',
        username: cell('username'),
        password: cell('password'),
        url: cell('url'),
        notes: labelledLines([['HTTP realm', cell('httprealm')]]),
      }),
  },
  {
    format: '1password-csv',
    described: '1Password (Title, Url, Username, Password, OTPAuth, Favorite, Archived, Tags, Notes)',
    matches: (has) => ['title', 'username', 'password'].every(has) && oneOf(has, 'url', 'website', 'urls', 'login url'),
    addRow: (collector, row, cell) => {
      const url = cell('url', 'website', 'urls', 'login url');
      const otp = cell('otpauth', 'one-time password', 'onetimepassword', 'otpurl');
      const extra = labelledLines([
        ['One-time password (TOTP)', otp],
        ['Tags', cell('tags')],
        ['Archived in 1Password', /^true$/i.test(cell('archived').trim()) ? 'yes' : ''],
      ]);
      const notes = joinBlocks(cell('notes', 'notesplain', 'note'), extra);
      const title = cell('title');
      // A secure note exports with no website, username, password or code.
      if ([url, cell('username'), cell('password'), otp].every((value) => value.trim() === '')) return collector.note(row, { title, body: notes });
      collector.login(row, { title, username: cell('username'), password: cell('password'), url, notes });
    },
  },
  {
    format: 'lastpass-csv',
    described: 'LastPass (url, username, password, totp, extra, name, grouping, fav)',
    matches: (has) => ['url', 'username', 'password', 'extra', 'name', 'grouping'].every(has),
    addRow: (collector, row, cell) => {
      const folder = labelledLines([['Folder', cell('grouping')]]);
      // LastPass exports a secure note as a row whose url is "http://sn"; a card or an address
      // is such a note whose text starts "NoteType:" and lists its fields.
      if (cell('url').trim() === 'http://sn') {
        return collector.note(row, { title: cell('name'), body: joinBlocks(cell('extra'), folder) }, cell('extra').startsWith('NoteType:'));
      }
      const notes = joinBlocks(cell('extra'), labelledLines([['One-time password (TOTP)', cell('totp')]]), folder);
      collector.login(row, { title: cell('name'), username: cell('username'), password: cell('password'), url: cell('url'), notes });
    },
  },
  {
    format: 'browser-csv',
    described: 'Chrome or Edge (name, url, username, password, note)',
    matches: (has) => ['name', 'url', 'username', 'password'].every(has),
    addRow: (collector, row, cell) =>
      collector.login(row, { title: cell('name'), username: cell('username'), password: cell('password'), url: cell('url'), notes: cell('note', 'notes') }),
  },
];

function unreadable(message: string): VaultError {
  return new VaultError('import_unreadable', message);
}

/**
 * The delimiter the header row uses most among comma, semicolon and tab (comma when tied). Read
 * from the header alone: papaparse's guess looks at data rows too, where a password full of
 * semicolons could sway it.
 */
function delimiterOf(csv: string): string {
  const header = csv.trimStart().split(/\r?\n/, 1)[0] ?? '';
  const count = (delimiter: string): number => header.split(delimiter).length;
  return [';', '\t'].reduce((best, candidate) => (count(candidate) > count(best) ? candidate : best), ',');
}

const isBlank = (cells: readonly string[]): boolean => cells.every((cell) => cell.trim() === '');

/**
 * Reads a CSV export's text into items. Throws `import_unreadable` (broken quoting, or a header of
 * no known export: the message lists the headers Keyhold reads, never a cell of the file) and
 * `import_too_large` (more rows than an account may hold).
 */
export function readCsvExport(csv: string): ParsedImport {
  const parsed = Papa.parse<string[]>(csv, { header: false, skipEmptyLines: false, delimiter: delimiterOf(csv) });
  const quoteError = parsed.errors.find((error) => error.type === 'Quotes');
  if (quoteError) throw unreadable(`The file's quotes do not pair up (row ${(quoteError.row ?? 0) + 1}): a quoted value is never closed.`);
  const rows = parsed.data;
  const headerIndex = rows.findIndex((cells) => !isBlank(cells));
  if (headerIndex < 0) throw unreadable('The file is empty.');

  const columns = new Map<string, number>();
  rows[headerIndex]!.forEach((name, index) => {
    const key = name.trim().toLowerCase();
    if (!columns.has(key)) columns.set(key, index);
  });
  const has = (name: string): boolean => columns.has(name);
  const layout = LAYOUTS.find((candidate) => candidate.matches(has));
  if (!layout) {
    throw unreadable(`The file's columns are not those of an export Keyhold reads. Expected the header row of one of: ${LAYOUTS.map((l) => l.described).join('; ')}.`);
  }

  const dataRows = rows.length - headerIndex - 1 - rows.slice(headerIndex + 1).filter(isBlank).length;
  if (dataRows > RECORDS_MAX_PER_USER) throw new VaultError('import_too_large', `The file has more than ${RECORDS_MAX_PER_USER} rows.`);

  const width = rows[headerIndex]!.length;
  const collector = new ImportCollector();
  for (let index = headerIndex + 1; index < rows.length; index++) {
    const cells = rows[index]!;
    if (isBlank(cells)) continue;
    const row = index + 1;
    if (cells.length > width && !isBlank(cells.slice(width))) {
      collector.skip(row, 'This row has more cells than the header: a value with a comma may be missing its quotes.');
      continue;
    }
    const cell: CellReader = (...names) => {
      for (const name of names) {
        const at = columns.get(name);
        if (at !== undefined) return cells[at] ?? '';
      }
      return '';
    };
    layout.addRow(collector, row, cell);
  }
  return collector.result(layout.format);
}
