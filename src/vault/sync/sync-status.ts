/**
 * What the sync engine (sync-engine.ts) reports and what it borrows from an unlocked vault: the
 * SDK's `vault.sync.status` and the ports only an open vault can lend.
 */
import type { LiveRecordRow } from '../platform/local-store';

export type SyncPhase = 'idle' | 'syncing' | 'offline' | 'signed-out' | 'error';

/** Why the last run did not finish; the UI explains each. */
export type SyncFailureCode = 'record_too_large' | 'record_quota_exceeded' | 'device_revoked' | 'server_error' | 'server_busy' | 'storage_failed';

export interface SyncStatus {
  readonly phase: SyncPhase;
  /** Local edits not yet on the server. */
  readonly pending: number;
  /** Epoch ms of the last run that pushed and pulled everything; null before the first. */
  readonly lastSyncAt: number | null;
  /** Records received so far of a download that spans several pages; null otherwise. */
  readonly progress: { readonly done: number; readonly total: number } | null;
  /** Conflicting edits waiting for the vault to be unlocked to be kept as conflict copies (or re-sealed for the version they replace). */
  readonly waitingForUnlock: number;
  /**
   * Records whose copy from the server was refused as older than one this device has seen (a
   * rollback: sync/rollback-guard.ts); this device kept its own copy of each. 0 once the server
   * sends a newer version of each again.
   */
  readonly rolledBack: number;
  readonly failure: SyncFailureCode | null;
  /**
   * After `server_busy`: epoch ms when the vault tries again by itself (the server's Retry-After,
   * doubled for each busy run in a row, at most SYNC_INTERVAL_MS); null otherwise.
   */
  readonly retryAt: number | null;
}


/** What only an unlocked vault can lend the engine. */
export interface UnlockedSyncPorts {
  /** Opens a device-scoped session (signs a challenge with the device key). */
  signIn(): Promise<void>;
  /** Returns the local edit re-encrypted as a new record marked as a conflict copy of `row`; null if `row` does not open. */
  sealConflictCopy(row: LiveRecordRow): Promise<LiveRecordRow | null>;
  /** Returns the unsent edit `row` sealed again for `row.serverVersion + 1`; null if `row` does not open. */
  resealForPush(row: LiveRecordRow): Promise<LiveRecordRow | null>;
  /** The ids of `copies` (format 2) whose AAD does not bind the server version they came as. */
  mismatchedBindings(copies: ReadonlyArray<{ id: string; v: number; version: number; wrappedDek: string; ciphertext: string }>): Promise<Set<string>>;
}
