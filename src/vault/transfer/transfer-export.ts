/**
 * The work behind `vault.transfer.exportBackup` and `exportPlain` (a chunk of its own). Both ask
 * for the PIN first, as one counted attempt under the lock screen's throttle: an unlocked phone
 * left on a table must not hand out the whole vault as a file.
 */
import type { VaultCore } from '../core';
import type { RecordContent } from '../state';
import { assertBackupPassphrase, sealBackup } from './backup-file';
import { toExportCsv, toExportJson } from './plain-export';
import type { ExportFile } from './vault-transfer';

/** The local date as YYYY-MM-DD, for file names. */
function day(now: number): string {
  const date = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Every record as its owner sees it, by title; a conflict copy is exported as an ordinary item. */
async function vaultContents(core: VaultCore, pin: string, signal: AbortSignal | undefined): Promise<RecordContent[]> {
  const session = core.requireSession();
  await core.confirmPin(pin, signal);
  const contents = await (await session.records).readAll();
  core.stillOpen(session, undefined);
  return contents
    .map(({ conflictOf: _marker, ...content }) => content as RecordContent)
    .sort((a, b) => a.title.localeCompare(b.title));
}

export async function exportBackup(core: VaultCore, pin: string, passphrase: string, signal?: AbortSignal): Promise<ExportFile> {
  assertBackupPassphrase(passphrase); // before the PIN: a refused passphrase must not cost an attempt
  const items = await vaultContents(core, pin, signal);
  const now = core.now();
  const text = await sealBackup(items, passphrase, core.deps.argon2, core.argon2Params, now, signal);
  return { name: `keyhold-backup-${day(now)}.json`, type: 'application/json', blob: new Blob([text], { type: 'application/json' }) };
}

export async function exportPlain(core: VaultCore, pin: string, format: 'json' | 'csv', signal?: AbortSignal): Promise<ExportFile> {
  const items = await vaultContents(core, pin, signal);
  const now = core.now();
  if (format === 'json') {
    return { name: `keyhold-export-${day(now)}.json`, type: 'application/json', blob: new Blob([toExportJson(items, now)], { type: 'application/json' }) };
  }
  return { name: `keyhold-export-${day(now)}.csv`, type: 'text/csv', blob: new Blob([toExportCsv(items)], { type: 'text/csv' }) };
}
