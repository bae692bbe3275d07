/**
 * Reading a file the user picked to import: which export it is, from its content rather than its
 * name, and its items. Pure: no IndexedDB, no network, nothing stored (vault.transfer previews
 * the result and writes only when the user confirms). docs/architecture.md "Import and export".
 *
 *   JSON  Bitwarden unencrypted ({ "encrypted": false, "items": [...] }, import-bitwarden.ts),
 *         Keyhold's plain export ({ "format": "keyhold-export" }), Keyhold's backup
 *         ({ "format": "keyhold-backup" }: returned sealed, to open with its passphrase)
 *   CSV   Bitwarden, 1Password, Chrome/Edge, Firefox, Keyhold (import-csv.ts)
 *
 * Every failure is a VaultError whose message says what is wrong with the file and never quotes it.
 */
import { IMPORT_MAX_BYTES, RECORDS_MAX_PER_USER } from '../../../protocol/constants';
import { utf8 } from '../crypto/primitives/bytes';
import { VaultError } from '../errors';
import { addKeyholdItem, parseBackupFile, type KeyholdBackupFile } from './backup-file';
import { readBitwardenJson, refuseEncryptedBitwarden } from './import-bitwarden';
import { readCsvExport } from './import-csv';
import { ImportCollector, type ParsedImport } from './import-items';
import { PLAIN_EXPORT_FORMAT, PLAIN_EXPORT_VERSION } from './plain-export';

export type { ImportFormat, ImportSkip, ParsedImport } from './import-items';
export type { KeyholdBackupFile } from './backup-file';

/** What a file holds: items to preview, or a Keyhold backup that needs its passphrase first (backup-file.ts `openBackup`). */
export type ImportFile = { readonly kind: 'items'; readonly parsed: ParsedImport } | { readonly kind: 'keyhold-backup'; readonly backup: KeyholdBackupFile };

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function unreadable(message: string): VaultError {
  return new VaultError('import_unreadable', message);
}

function tooLarge(): VaultError {
  return new VaultError('import_too_large', `The file holds more than ${RECORDS_MAX_PER_USER} items, the most an account can keep.`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads an export file. `name` is used only to recognise archives Keyhold cannot open; the format
 * comes from the content. Throws `import_too_large` (over IMPORT_MAX_BYTES, checked before
 * decoding, or over RECORDS_MAX_PER_USER items), `import_unsupported` (an encrypted Bitwarden
 * export, a 1PUX or other archive, a later Keyhold format), `import_unreadable` (anything else).
 */
export function readImportFile(name: string, bytes: Uint8Array): ImportFile {
  if (bytes.length > IMPORT_MAX_BYTES) {
    throw new VaultError('import_too_large', `The file is larger than ${IMPORT_MAX_BYTES / (1024 * 1024)} MiB.`);
  }
  if (/\.1pux$/i.test(name) || ZIP_MAGIC.every((byte, index) => bytes[index] === byte)) {
    throw new VaultError('import_unsupported', 'This is an archive (such as 1Password’s .1pux). Export as CSV instead and import that file.');
  }
  let content: string;
  try {
    content = utf8.decode(bytes);
  } catch {
    throw unreadable('The file is not UTF-8 text. Export it again, or save it as “CSV UTF-8”.');
  }
  content = content.replace(/^\uFEFF/, '');
  if (content.trim() === '') throw unreadable('The file is empty.');
  if (/^\s*[[{]/.test(content)) return readJsonExport(content);
  return { kind: 'items', parsed: readCsvExport(content) };
}

function readJsonExport(content: string): ImportFile {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw unreadable('The file looks like JSON but is not valid JSON.');
  }
  if (!isObject(json)) throw unreadable('This JSON file is not a Bitwarden or Keyhold export.');
  if (json.format === 'keyhold-backup') return { kind: 'keyhold-backup', backup: parseBackupFile(json) };
  if (json.format === PLAIN_EXPORT_FORMAT) return { kind: 'items', parsed: readKeyholdJson(json) };
  if (json.encrypted === true) refuseEncryptedBitwarden();
  if (Array.isArray(json.items) && (json.encrypted === false || json.format === undefined)) {
    if (json.items.length > RECORDS_MAX_PER_USER) throw tooLarge();
    return { kind: 'items', parsed: readBitwardenJson(json) };
  }
  throw unreadable('This JSON file is not a Bitwarden or Keyhold export.');
}

function readKeyholdJson(json: Record<string, unknown>): ParsedImport {
  if (json.version !== PLAIN_EXPORT_VERSION) {
    throw new VaultError('import_unsupported', 'This Keyhold export was made by a later version of Keyhold. Update the app, then import it again.');
  }
  if (!Array.isArray(json.items)) throw unreadable('This Keyhold export holds no list of items.');
  if (json.items.length > RECORDS_MAX_PER_USER) throw tooLarge();
  const collector = new ImportCollector();
  json.items.forEach((item: unknown, index) => addKeyholdItem(collector, index + 1, item));
  return collector.result('keyhold-json');
}
