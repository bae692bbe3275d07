/**
 * The account log as this device last verified it, in IndexedDB (meta `account-log`): the state
 * after the newest verified entry — the high-water mark a rollback or a fork is judged against — and
 * the latest entries, for display. Public values only (keys, digests, signatures).
 */
import { EMPTY_LOG_STATE, parseLogState, serializeLogState, type AccountLogState, type LogEntry } from '../../../protocol/account-log';
import type { LocalStore } from '../platform/local-store';

/** Entries kept for display; the state alone is what verification needs. */
const ENTRIES_KEPT = 200;

export interface LogMirror {
  readonly userId: string;
  readonly state: AccountLogState;
  /** The newest verified entries, oldest first (at most ENTRIES_KEPT). */
  readonly entries: readonly LogEntry[];
}

export const emptyMirror = (userId: string): LogMirror => ({ userId, state: EMPTY_LOG_STATE, entries: [] });

/** `mirror` moved on by `entries`, which verified into `state`. */
export const advancedMirror = (mirror: LogMirror, state: AccountLogState, entries: readonly LogEntry[]): LogMirror => ({
  userId: mirror.userId,
  state,
  entries: [...mirror.entries, ...entries].slice(-ENTRIES_KEPT),
});

/** Where a mirror lives: IndexedDB for an open vault; memory for a device still joining (nothing stored yet). */
export interface MirrorStorage {
  read(): Promise<LogMirror>;
  write(mirror: LogMirror): Promise<void>;
}

/** The mirror of `userId`'s log in `store`; an unreadable row, or another user's, reads as empty (a full verify follows). */
export function storedMirror(store: LocalStore, userId: string): MirrorStorage {
  return {
    async read() {
      const value = (await (await store.database()).meta.get('account-log'))?.value as { userId?: unknown; state?: unknown; entries?: unknown } | undefined;
      if (value?.userId !== userId || typeof value.state !== 'string' || !Array.isArray(value.entries)) return emptyMirror(userId);
      try {
        return { userId, state: parseLogState(value.state), entries: value.entries as LogEntry[] };
      } catch {
        return emptyMirror(userId);
      }
    },
    async write(mirror) {
      await (await store.database()).meta.put({ key: 'account-log', value: { userId: mirror.userId, state: serializeLogState(mirror.state), entries: mirror.entries } });
    },
  };
}

/** A mirror held in memory only (a device joining an account before it stores its vault). */
export function memoryMirror(userId: string): MirrorStorage {
  let mirror = emptyMirror(userId);
  return {
    read: async () => mirror,
    write: async (next) => {
      mirror = next;
    },
  };
}
