/**
 * The sync status in words, for the vault's status line and the lock screen: pure, so
 * the wording is tested without a browser. English only, like the rest of the app; numbers are
 * grouped the English way ("1,200").
 */
import type { SyncStatus } from '../vault';
import { describeSyncFailure } from './failure-messages';

/** How the line looks: all saved, working, waiting for something, or stopped by a problem. */
export type SyncTone = 'ok' | 'busy' | 'waiting' | 'problem';

export interface SyncLine {
  /** What state sync is in: the sentence a screen reader announces when it changes. */
  readonly headline: string;
  /** Counts and times said after it ('' for none): they change often, so they are not announced. */
  readonly detail: string;
  readonly tone: SyncTone;
  /** A multi-page download's progress, for a `<progress>` bar; null otherwise. */
  readonly progress: { readonly done: number; readonly total: number } | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const count = (n: number): string => n.toLocaleString('en');

/** "1 change", "3 changes". */
function changes(n: number): string {
  return n === 1 ? '1 change' : `${count(n)} changes`;
}

/**
 * How long ago `at` was, as a person says it: "just now", "5 min ago", "2 hours ago",
 * "yesterday", "4 days ago". A time ahead of `now` (a clock set back) reads "just now".
 */
export function formatAgo(at: number, now: number): string {
  const age = now - at;
  if (age < MINUTE) return 'just now';
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min ago`;
  if (age < DAY) {
    const hours = Math.floor(age / HOUR);
    return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  }
  const days = Math.floor(age / DAY);
  return days === 1 ? 'yesterday' : `${count(days)} days ago`;
}

/** The status line of the unlocked vault. */
export function describeSync(status: SyncStatus, now: number): SyncLine {
  const synced = status.lastSyncAt === null ? '' : formatAgo(status.lastSyncAt, now);
  const line = (headline: string, tone: SyncTone, detail = ''): SyncLine => ({ headline, detail, tone, progress: null });
  const lastSynced = synced && `last synced ${synced}`;
  switch (status.phase) {
    case 'syncing': {
      const { progress } = status;
      if (!progress) return line('Syncing…', 'busy');
      return { headline: 'Downloading your vault…', detail: `${count(progress.done)} of ${count(progress.total)}`, tone: 'busy', progress };
    }
    case 'offline':
      return status.pending > 0
        ? line(`${changes(status.pending)} waiting — offline; they will be sent when you are back online`, 'waiting', lastSynced)
        : line('Offline — nothing is waiting to be sent', 'waiting', lastSynced);
    case 'signed-out':
      // Unlocked, the engine signs the device in itself: still signed out means the server refused.
      return line('Sync could not sign this device in. Try again in a moment.', 'problem', waitingDetail(status.pending, lastSynced));
    case 'error':
      // A busy server is a wait, not a fault: the vault tries again by itself (status.retryAt).
      return line(describeSyncFailure(status.failure ?? 'server_error'), status.failure === 'server_busy' ? 'waiting' : 'problem', waitingDetail(status.pending, lastSynced));
    case 'idle':
      if (status.pending > 0) return line(`${changes(status.pending)} not yet synced`, 'waiting', lastSynced);
      if (status.lastSyncAt === null) return line('Not synced yet', 'waiting');
      // The server handed out older copies (describeRollback says what): not "all saved".
      if (status.rolledBack > 0) return line('Sync found older copies on the server', 'problem', `synced ${synced}`);
      return line('All changes saved to your other devices', 'ok', `synced ${synced}`);
  }
}

/**
 * The warning when the server handed out older copies of items than this device had already seen
 * (a rollback: a restored backup, or someone who can write the server's database), or null. The
 * device kept its own copies; what to do is to tell whoever runs the server.
 */
export function describeRollback(status: SyncStatus): string | null {
  if (status.rolledBack <= 0) return null;
  const items = status.rolledBack === 1 ? 'an older copy of 1 item' : `older copies of ${count(status.rolledBack)} items`;
  return `The server sent ${items} than this device has already seen. Keyhold kept this device’s copies. If this keeps happening, tell whoever runs your Keyhold server.`;
}

function waitingDetail(pending: number, lastSynced: string): string {
  return [pending > 0 ? `${changes(pending)} waiting` : '', lastSynced].filter(Boolean).join(' · ');
}

/**
 * What the lock screen says about sync, or null when there is nothing worth saying there (all
 * saved, or a run in progress). Locked, the engine still sends and receives ciphertext, but it
 * cannot sign the device in or keep a conflicting edit as a copy: those wait for the PIN.
 */
export function describeLockedSync(status: SyncStatus): string | null {
  const rollback = describeRollback(status);
  if (rollback) return rollback;
  if (status.waitingForUnlock > 0) {
    return status.waitingForUnlock === 1
      ? 'An edit of yours met a change from another device. Unlock to keep both versions.'
      : `${count(status.waitingForUnlock)} edits of yours met changes from another device. Unlock to keep both versions.`;
  }
  if (status.phase === 'signed-out') {
    return status.pending > 0 ? `Sync needs you to unlock: ${changes(status.pending)} waiting.` : 'Sync needs you to unlock.';
  }
  if (status.phase === 'error') return describeSyncFailure(status.failure ?? 'server_error');
  if (status.pending === 0) return null;
  if (status.phase === 'offline') return `${changes(status.pending)} waiting — offline; they will be sent when you are back online.`;
  return `${changes(status.pending)} not yet synced.`;
}
