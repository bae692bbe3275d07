/**
 * The rows the lock screen needs before anything else — the vault row (is there a vault, whose),
 * the auto-lock settings and the PIN throttle — read with `idb` straight from the database that
 * Dexie owns (keyhold-dexie.ts holds its schema; this reads three rows of it and never writes),
 * so the first screen does not wait for Dexie's chunk. Values come back as stored: the caller
 * checks them as it checks Dexie's.
 */
import { wrap, type IDBPDatabase } from 'idb';

/** Unchecked values; undefined where the row is absent. */
export interface FirstScreenRows {
  readonly vault: unknown;
  readonly settings: unknown;
  readonly throttle: unknown;
}

const NOTHING_STORED: FirstScreenRows = { vault: undefined, settings: undefined, throttle: undefined };

/** Returns the three rows of database `name` (nothing stored when it does not exist: then it is not created either). */
export async function readFirstScreenRows(name: string, factory: IDBFactory = indexedDB): Promise<FirstScreenRows> {
  const request = factory.open(name);
  // No database yet (a new device): opening without a version would create an empty one, which
  // Dexie would then have to upgrade from a schema it never wrote. Aborting leaves nothing behind.
  request.onupgradeneeded = () => request.transaction?.abort();
  let opened: IDBPDatabase | undefined;
  try {
    opened = await wrap(request);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') return NOTHING_STORED;
    throw error;
  }
  if (!opened) return NOTHING_STORED;
  const db = opened;
  try {
    // Another tab upgrading or deleting the database must not wait for this connection.
    db.addEventListener('versionchange', () => db.close());
    if (!db.objectStoreNames.contains('vault') || !db.objectStoreNames.contains('meta')) return NOTHING_STORED;
    const tx = db.transaction(['vault', 'meta'], 'readonly');
    const meta = tx.objectStore('meta');
    const [vault, settings, throttle] = await Promise.all([
      tx.objectStore('vault').get('device'), // local-store.ts VAULT_ROW_ID
      meta.get('settings') as Promise<{ value?: unknown } | undefined>,
      meta.get('unlock-throttle') as Promise<{ value?: unknown } | undefined>,
    ]);
    return { vault, settings: settings?.value, throttle: throttle?.value };
  } finally {
    db.close();
  }
}
