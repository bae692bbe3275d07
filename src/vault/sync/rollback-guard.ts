/**
 * Rollback detection for records (docs/architecture.md "Rollback detection"): what a device does
 * with a copy of a record the server hands it, given what it holds and the highest version of that
 * record it has verified. Pure: sync-store.ts applies the verdict in its transaction.
 *
 * The server is trusted to order versions, not to keep them: a restored backup, or anyone who can
 * write its database, could hand out an older ciphertext as current. Three things give that away
 * without any key, so they are checked even while the vault is locked:
 *
 * 1. a version lower than one this device holds or has verified (its own pushes, verified pulls);
 * 2. the version it holds, or the highest it verified, presented with other contents (the server
 *    has exactly one ciphertext per version of a record; a deletion is a version too);
 * 3. a format 1 copy (not bound to its version) of a record it has already seen bound.
 *
 * The fourth needs the vault key: a format 2 copy whose AAD does not bind the version the server
 * states (an older ciphertext under the current number). The sync engine checks it before storing
 * when the vault is open; a copy pulled while locked is stored unverified, beside the copy it
 * replaced, until the next unlocked run checks it (SyncStore.settleVerification).
 *
 * Not detectable by this alone: a server that withholds a newer version entirely (the device
 * keeps what it has and never learns of the newer one), or that rolls back a record this device
 * has never seen. The signed account log (issue 14) is where a head of the whole vault could go.
 */
import type { RecordEnvelopeT } from '../../../protocol/api';
import { bindsServerVersion } from '../crypto';
import type { RecordRow, SeenVersionRow } from '../platform/local-store';

/** `apply`: store the copy; `same`: it is what this device already holds; `refuse`: a rollback, keep the local copy. */
export type PulledCopyVerdict = 'apply' | 'same' | 'refuse';

/** True when `row` holds exactly the copy `change` describes (same blobs, or both a deletion). */
function holdsSameCopy(row: RecordRow, change: RecordEnvelopeT): boolean {
  if (change.deleted || row.deleted === 1) return change.deleted && row.deleted === 1;
  return row.ciphertext === change.ciphertext && row.wrappedDek === change.wrappedDek;
}

/**
 * The verdict on `change` for a record this device holds as `row` (synced, or none: an unsent
 * local edit is the push's business) and, once deleted here, marked as `seen`. A held synced row
 * is its own mark: its version, and bound if it is format 2.
 */
export function judgePulledCopy(change: RecordEnvelopeT, row: RecordRow | undefined, seen: SeenVersionRow | undefined): PulledCopyVerdict {
  const held = row?.synced === 1 ? row : undefined;
  if (held && held.serverVersion > change.version) return 'refuse';
  if (held && held.serverVersion === change.version) return holdsSameCopy(held, change) ? 'same' : 'refuse';
  const highest = seen?.version ?? 0;
  if (change.version < highest) return 'refuse';
  // The highest verified version and nothing held at it: it was a deletion, so only a deletion is that version.
  if (change.version === highest) return !change.deleted ? 'refuse' : held ? 'apply' : 'same';
  const seenBound = seen?.bound === 1 || (held?.deleted === 0 && held.unverified !== 1 && bindsServerVersion(held.v));
  if (seenBound && !change.deleted && !bindsServerVersion(change.v)) return 'refuse';
  return 'apply';
}

/** A server answer for a record (a 409's `current`) older than what this device verified: a rollback. */
export function isOlderThanSeen(version: number, seen: SeenVersionRow | undefined): boolean {
  return version < (seen?.version ?? 0);
}

/** The mark after this device verified `version` of a record in format `v` (a deletion keeps the bound flag). */
export function raiseSeen(seen: SeenVersionRow | undefined, id: string, version: number, v: number | null): SeenVersionRow {
  const bound = seen?.bound === 1 || (v !== null && bindsServerVersion(v)) ? 1 : 0;
  return { id, version: Math.max(seen?.version ?? 0, version), bound };
}
