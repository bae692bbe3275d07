/**
 * The work behind `vault.transfer.preview` and `confirm` (a chunk of its own, with the parsers).
 * A preview decrypts the vault's records once to flag duplicates and keeps the parsed items for
 * `confirm` inside the SDK; the screens only ever see titles, kinds and subtitles.
 */
import { IMPORT_MAX_BYTES, RECORDS_MAX_PER_USER } from '../../../protocol/constants';
import type { Session, VaultCore } from '../core';
import { VaultError } from '../errors';
import { hostOf } from '../records/record-content';
import type { RecordContent } from '../state';
import { openBackup } from './backup-file';
import { readImportFile, type ImportFormat, type ParsedImport } from './import-formats';
import type { ImportPreview, ImportResult, ImportSource, PendingImport } from './vault-transfer';

const FORMAT_LABELS: Record<ImportFormat, string> = {
  'bitwarden-json': 'Bitwarden (JSON)',
  'bitwarden-csv': 'Bitwarden (CSV)',
  '1password-csv': '1Password (CSV)',
  'browser-csv': 'Browser passwords (CSV)',
  'lastpass-csv': 'LastPass (CSV)',
  'keyhold-backup': 'Keyhold backup',
  'keyhold-json': 'Keyhold export (JSON)',
  'keyhold-csv': 'Keyhold export (CSV)',
};

const normalised = (text: string) => text.trim().toLocaleLowerCase();

/**
 * What makes two items the same for an import: the kind and title (any case), then a login's
 * username and site (the URL's host, so "https://x.com/login" and "x.com" match), or a note's body.
 * A password is not part of it: the same login with a newer password is still the same login.
 */
export function duplicateKey(content: RecordContent): string {
  const parts =
    content.kind === 'login'
      ? ['login', normalised(content.title), normalised(content.username), normalised(hostOf(content.url))]
      : ['note', normalised(content.title), content.body.trim()];
  return JSON.stringify(parts);
}

async function bytesOf(file: ImportSource): Promise<Uint8Array> {
  if (!(file instanceof Blob)) return file.bytes;
  // Refused before it is read: a file several times the limit would otherwise sit in memory first.
  if (file.size > IMPORT_MAX_BYTES) throw new VaultError('import_too_large', 'The file is larger than an import allows.');
  return new Uint8Array(await file.arrayBuffer());
}

async function parse(core: VaultCore, file: ImportSource, passphrase: string | undefined): Promise<ParsedImport> {
  const read = readImportFile(file.name, await bytesOf(file));
  if (read.kind === 'items') return read.parsed;
  if (passphrase === undefined || passphrase === '') throw new VaultError('backup_passphrase_needed');
  return openBackup(read.backup, passphrase, core.deps.argon2);
}

/** Reads and parses `file`, flags duplicates against the vault of `session`; writes nothing. */
export async function previewImport(
  core: VaultCore,
  session: Session,
  file: ImportSource,
  passphrase: string | undefined,
): Promise<{ preview: ImportPreview; pending: PendingImport }> {
  const parsed = await parse(core, file, passphrase);
  const existing = await (await session.records).readAll();
  core.stillOpen(session, undefined);
  const seen = new Set(existing.map(duplicateKey));
  const duplicate = parsed.items.map((item) => {
    const key = duplicateKey(item);
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
  const logins = parsed.items.filter((item) => item.kind === 'login').length;
  const preview: ImportPreview = {
    format: parsed.format,
    formatLabel: FORMAT_LABELS[parsed.format],
    total: parsed.items.length,
    logins,
    notes: parsed.items.length - logins,
    converted: parsed.converted,
    duplicates: duplicate.filter(Boolean).length,
    skipped: parsed.skipped,
    items: parsed.items.map((item, index) => ({
      title: item.title,
      kind: item.kind,
      subtitle: item.kind === 'login' ? item.username.trim() || hostOf(item.url) : '',
      duplicate: duplicate[index] === true,
    })),
  };
  return { preview, pending: { session, items: parsed.items, duplicate } };
}

/** Encrypts the pending items and stores them in one transaction, then lets sync send them. */
export async function confirmImport(core: VaultCore, session: Session, pending: PendingImport, skipDuplicates: boolean): Promise<ImportResult> {
  const chosen = skipDuplicates ? pending.items.filter((_, index) => !pending.duplicate[index]) : pending.items;
  const rows = await (await session.records).sealNew(chosen);
  core.stillOpen(session, undefined);
  if (!(await core.deps.store.addNewRecords(rows, RECORDS_MAX_PER_USER))) {
    throw new VaultError('record_quota', `A vault holds at most ${RECORDS_MAX_PER_USER} items.`);
  }
  core.recordsEdited();
  return { imported: rows.length, skipped: pending.items.length - chosen.length };
}
