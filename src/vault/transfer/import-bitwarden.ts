/**
 * Bitwarden's unencrypted exports (Tools → Export vault, "File format: .json" or ".csv", no
 * password protection). Keyhold keeps logins and notes; whatever it has no field for goes into
 * the item's notes, labelled, so a user loses nothing:
 *
 *   login      first URI → url; the other URIs, the TOTP secret, custom fields, the folder,
 *              earlier passwords and "has a passkey" → notes
 *   note       name → title; notes and custom fields → body
 *   card, identity, SSH key → a note listing their fields (counted as `converted`)
 *
 * Items in Bitwarden's trash are skipped. JSON item types: 1 login, 2 secure note, 3 card,
 * 4 identity, 5 SSH key (Bitwarden's CipherType).
 */
import { VaultError } from '../errors';
import { ImportCollector, joinBlocks, labelledLines, text, type ParsedImport } from './import-items';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** Bitwarden custom field types (FieldType): 0 text, 1 hidden, 2 boolean, 3 linked to a login field. */
function customFields(fields: unknown): string {
  const lines = list(fields)
    .filter(isObject)
    .map((field): [string, string] => {
      const name = text(field.name).trim() || 'Field';
      return [name, field.type === 3 ? '(linked to a login field)' : text(field.value)];
    });
  return labelledLines(lines);
}

function folderNames(export_: Json): Map<string, string> {
  const folders = new Map<string, string>();
  for (const folder of list(export_.folders).filter(isObject)) folders.set(text(folder.id), text(folder.name));
  return folders;
}

function loginFrom(item: Json, folder: string): { username: string; password: string; url: string; extra: string } {
  const login = isObject(item.login) ? item.login : {};
  const uris = list(login.uris)
    .filter(isObject)
    .map((uri) => text(uri.uri).trim())
    .filter((uri) => uri !== '');
  const history = list(item.passwordHistory)
    .filter(isObject)
    .map((entry) => text(entry.password))
    .filter((password) => password !== '');
  const extra = joinBlocks(
    labelledLines([
      ['Other websites', uris.slice(1).join('\n')],
      ['One-time password (TOTP)', text(login.totp)],
      ['Passkey', list(login.fido2Credentials).length > 0 ? 'this login had a passkey in Bitwarden; Keyhold did not import it' : ''],
      ['Earlier passwords', history.join('\n')],
    ]),
    customFields(item.fields),
    labelledLines([['Folder', folder]]),
  );
  return { username: text(login.username), password: text(login.password), url: uris[0] ?? '', extra };
}

const CARD_FIELDS: readonly (readonly [string, string])[] = [
  ['cardholderName', 'Cardholder name'],
  ['brand', 'Brand'],
  ['number', 'Number'],
  ['expMonth', 'Expiry month'],
  ['expYear', 'Expiry year'],
  ['code', 'Security code'],
];
const IDENTITY_FIELDS: readonly (readonly [string, string])[] = [
  ['title', 'Title'],
  ['firstName', 'First name'],
  ['middleName', 'Middle name'],
  ['lastName', 'Last name'],
  ['username', 'Username'],
  ['company', 'Company'],
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['address1', 'Address'],
  ['address2', 'Address (line 2)'],
  ['address3', 'Address (line 3)'],
  ['city', 'City'],
  ['state', 'State or province'],
  ['postalCode', 'Postal code'],
  ['country', 'Country'],
  ['ssn', 'Social security number'],
  ['passportNumber', 'Passport number'],
  ['licenseNumber', 'Licence number'],
];
const SSH_KEY_FIELDS: readonly (readonly [string, string])[] = [
  ['privateKey', 'Private key'],
  ['publicKey', 'Public key'],
  ['keyFingerprint', 'Fingerprint'],
];
const CONVERTED_KINDS: Readonly<Record<number, { key: string; label: string; fields: readonly (readonly [string, string])[] }>> = {
  3: { key: 'card', label: 'Card', fields: CARD_FIELDS },
  4: { key: 'identity', label: 'Identity', fields: IDENTITY_FIELDS },
  5: { key: 'sshKey', label: 'SSH key', fields: SSH_KEY_FIELDS },
};

/** Reads Bitwarden's unencrypted JSON export (already parsed, `encrypted` checked by the caller). */
export function readBitwardenJson(export_: Json): ParsedImport {
  const folders = folderNames(export_);
  const collector = new ImportCollector();
  list(export_.items).forEach((item, index) => {
    const row = index + 1;
    if (!isObject(item)) return collector.skip(row, 'This item is not an object.');
    if (item.deletedDate !== undefined && item.deletedDate !== null) return collector.skip(row, 'This item is in the Bitwarden trash.');
    const title = text(item.name);
    const notes = text(item.notes);
    const folder = folders.get(text(item.folderId)) ?? '';
    if (item.type === 1) {
      const login = loginFrom(item, folder);
      return collector.login(row, { title, username: login.username, password: login.password, url: login.url, notes: joinBlocks(notes, login.extra) });
    }
    if (item.type === 2) {
      return collector.note(row, { title, body: joinBlocks(notes, customFields(item.fields), labelledLines([['Folder', folder]])) });
    }
    const kind = typeof item.type === 'number' ? CONVERTED_KINDS[item.type] : undefined;
    if (!kind) return collector.skip(row, 'Keyhold does not know this kind of Bitwarden item.');
    const source = isObject(item[kind.key]) ? (item[kind.key] as Json) : {};
    const body = joinBlocks(
      labelledLines([['Kind', kind.label], ...kind.fields.map(([key, label]): [string, string] => [label, text(source[key])])]),
      notes,
      customFields(item.fields),
      labelledLines([['Folder', folder]]),
    );
    return collector.note(row, { title, body }, true);
  });
  return collector.result('bitwarden-json');
}

/** The columns of Bitwarden's CSV export, in its order. */
export const BITWARDEN_CSV_COLUMNS = ['folder', 'favorite', 'type', 'name', 'notes', 'fields', 'reprompt', 'login_uri', 'login_username', 'login_password', 'login_totp'] as const;

/** One row of Bitwarden's CSV export (its `fields` cell holds "name: value" lines, its `login_uri` cell URIs joined by commas). */
export function addBitwardenCsvRow(collector: ImportCollector, row: number, cell: (column: string) => string): void {
  const type = cell('type').trim().toLowerCase();
  const folder = labelledLines([['Folder', cell('folder')]]);
  if (type === 'note') {
    return collector.note(row, { title: cell('name'), body: joinBlocks(cell('notes'), cell('fields'), folder) });
  }
  if (type !== 'login') return collector.skip(row, 'Keyhold does not know this kind of Bitwarden item.');
  const uris = cell('login_uri')
    .split(',')
    .map((uri) => uri.trim())
    .filter((uri) => uri !== '');
  const extra = labelledLines([
    ['Other websites', uris.slice(1).join('\n')],
    ['One-time password (TOTP)', cell('login_totp')],
  ]);
  collector.login(row, {
    title: cell('name'),
    username: cell('login_username'),
    password: cell('login_password'),
    url: uris[0] ?? '',
    notes: joinBlocks(cell('notes'), extra, cell('fields'), folder),
  });
}

/**
 * An encrypted Bitwarden export (`"encrypted": true`, with or without its own password) is
 * sealed with keys Keyhold does not have: the user exports again without encryption.
 */
export function refuseEncryptedBitwarden(): never {
  throw new VaultError(
    'import_unsupported',
    'This is an encrypted Bitwarden export. In Bitwarden, export the vault again as ".json" without a file password (or as ".csv") and import that file.',
  );
}
