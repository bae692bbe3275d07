/**
 * The one owner of the vault database's schema (database `keyhold`, tables described in
 * local-store.ts): Dexie and its version steps. A chunk of its own, loaded by LocalStore as soon
 * as the store is made but never awaited by the lock screen, which reads the few rows it needs
 * with `idb` (first-screen-rows.ts) — Dexie is about half of what a first load would download.
 */
import { Dexie, type EntityTable } from 'dexie';
import type { MetaRow, QuickViewRow, RecordRow, SeenVersionRow, VaultRow } from './local-store';

export type KeyholdDexie = Dexie & {
  vault: EntityTable<VaultRow, 'id'>;
  records: EntityTable<RecordRow, 'id'>;
  meta: EntityTable<MetaRow, 'key'>;
  quick: EntityTable<QuickViewRow, 'id'>;
  seen: EntityTable<SeenVersionRow, 'id'>;
};

/** Opens the schema; every later version adds a `db.version(n)` step with its upgrade, never edits this one. */
export function openKeyholdDexie(name: string, options?: ConstructorParameters<typeof Dexie>[1]): KeyholdDexie {
  const db = new Dexie(name, options) as KeyholdDexie;
  db.version(1).stores({
    vault: 'id',
    records: 'id, updatedAt, synced, deleted',
    meta: 'key',
  });
  // Sync: each record remembers the server version it is based on; read-only copies.
  db.version(2)
    .stores({ quick: 'id' })
    .upgrade((tx) =>
      tx
        .table('records')
        .toCollection()
        .modify((row: { serverVersion?: number }) => {
          row.serverVersion ??= 0;
        }),
    );
  // Rollback detection: the highest verified server version of each record, and records pulled
  // while locked whose binding is still to be checked. Rows already held start with no mark:
  // the first pull or push of each record sets it.
  db.version(3).stores({ seen: 'id', records: 'id, updatedAt, synced, deleted, unverified' });
  return db;
}

/** Resolves `markLost` when `db` is taken away (see `LocalStore.lost`) and keeps it closed from then on. */
export function watchForLoss(db: KeyholdDexie, markLost: () => void): void {
  // Sticky: a connection reopened after another tab's upgrade (versionchange) is watched too.
  db.on(
    'ready',
    (ready) => {
      const connection = ready.backendDB();
      // Dexie's own handler marks the connection closed and lets the next call reopen it; this
      // runs after it, whatever order the IndexedDB implementation calls listeners in.
      const dexieOnClose = connection.onclose;
      connection.onclose = (event) => {
        dexieOnClose?.call(connection, event);
        ready.close({ disableAutoOpen: true });
        markLost();
      };
    },
    true,
  );
  // Dexie calls the handlers last-subscribed first; `false` stops its own, which would close the
  // connection but let the next call reopen it. An upgrade by a newer tab still gets Dexie's.
  db.on('versionchange', (event: IDBVersionChangeEvent) => {
    if (event.newVersion !== null) return undefined;
    db.close({ disableAutoOpen: true });
    markLost();
    return false;
  });
}
