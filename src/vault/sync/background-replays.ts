/**
 * The service worker's record of background replays (sw.ts), kept with `idb` in a small database
 * of its own, `keyhold-sw`, so the page can tell the person what was sent while Keyhold was
 * closed. Shared by the service worker and the page: no DOM here. It holds counts and times
 * only — the replayed requests themselves sit in Workbox's queue, as ciphertext.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface ReplaySummary {
  /** Epoch ms of the replay. */
  readonly at: number;
  /** Writes the server accepted. */
  readonly sent: number;
  /** Writes the server refused (stale version, expired session…): the page's outbox still has them. */
  readonly refused: number;
  /** Writes dropped unsent because a later queued write of the same record replaced them. */
  readonly superseded: number;
}

interface ReplayLogSchema extends DBSchema {
  replays: { key: 'last'; value: ReplaySummary };
}

function openLog(): Promise<IDBPDatabase<ReplayLogSchema>> {
  return openDB<ReplayLogSchema>('keyhold-sw', 1, {
    upgrade(db) {
      db.createObjectStore('replays');
    },
  });
}

export async function noteReplay(summary: ReplaySummary): Promise<void> {
  const db = await openLog();
  try {
    await db.put('replays', summary, 'last');
  } finally {
    db.close();
  }
}

/** The last background replay, or null if none happened on this device. */
export async function lastReplay(): Promise<ReplaySummary | null> {
  const db = await openLog();
  try {
    return (await db.get('replays', 'last')) ?? null;
  } finally {
    db.close();
  }
}
