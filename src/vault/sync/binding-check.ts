/**
 * The one rollback check that needs the vault key (rollback-guard.ts): does a pulled format 2
 * copy's AAD bind the version the server states? Run by the sync engine on each page as it
 * arrives while the vault is open, and on the copies pulled while it was locked at the next
 * unlocked run.
 */
import type { RecordEnvelopeT } from '../../../protocol/api';
import { bindsServerVersion } from '../crypto';
import type { SyncStore } from './sync-store';
import type { UnlockedSyncPorts } from './sync-status';

/** The ids of `changes`' format 2 copies whose binding does not match; null while locked (no key: they are stored unverified). */
export async function mismatchedBindings(unlocked: UnlockedSyncPorts | null, changes: readonly RecordEnvelopeT[]): Promise<Set<string> | null> {
  if (!unlocked) return null;
  const copies = changes.flatMap((c) => (!c.deleted && c.wrappedDek && c.ciphertext && bindsServerVersion(c.v) ? [{ ...c, wrappedDek: c.wrappedDek, ciphertext: c.ciphertext }] : []));
  return copies.length ? unlocked.mismatchedBindings(copies) : new Set();
}

/** Checks the copies pulled while locked; a refused one gives way to the copy it replaced. Returns whether any row changed. */
export async function verifyPulledWhileLocked(store: SyncStore, unlocked: UnlockedSyncPorts): Promise<boolean> {
  const rows = await store.unverifiedRows();
  if (rows.length === 0) return false;
  const mismatched = await unlocked.mismatchedBindings(rows.map((row) => ({ ...row, version: row.serverVersion })));
  await store.settleVerification(rows, mismatched);
  return true;
}
