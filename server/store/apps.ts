import type { RegisteredApp } from '../domain/apps';
import type { Store } from './store';

/** A registered app with the moment it was registered. */
export interface StoredApp extends RegisteredApp {
  createdAt: number;
}

/** Every registered app with its origins, apps in id order, each app's origins in alphabetical order. */
export async function listApps(store: Store): Promise<StoredApp[]> {
  const apps = await store.db.selectFrom('apps').selectAll().orderBy('id').execute();
  const origins = await store.db.selectFrom('app_origins').select(['origin', 'app_id']).orderBy('origin').execute();
  return apps.map((a) => ({ id: a.id, name: a.name, createdAt: Number(a.created_at), origins: origins.filter((o) => o.app_id === a.id).map((o) => o.origin) }));
}

/** The app an origin belongs to, if any. */
export async function findAppOfOrigin(store: Store, origin: string): Promise<string | undefined> {
  const row = await store.db.selectFrom('app_origins').select('app_id').where('origin', '=', origin).executeTakeFirst();
  return row?.app_id;
}

/** Inserts an app and its origins; a unique violation when the id or an origin is taken (the primary keys decide, whichever process inserts first). */
export async function insertApp(tx: Store, app: RegisteredApp, createdAt: number): Promise<void> {
  await tx.db.insertInto('apps').values({ id: app.id, name: app.name, created_at: createdAt }).execute();
  await tx.db.insertInto('app_origins').values(app.origins.map((origin) => ({ origin, app_id: app.id }))).execute();
}

/** Adds an origin to an existing app unless some app already lists it; true when added. */
export async function addAppOrigin(store: Store, appId: string, origin: string): Promise<boolean> {
  const result = await store.db.insertInto('app_origins').values({ origin, app_id: appId }).onConflict((oc) => oc.column('origin').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Inserts the app unless its id exists (its origins are then left to `addAppOrigin`). */
export async function insertAppIfAbsent(store: Store, app: Omit<RegisteredApp, 'origins'>, createdAt: number): Promise<void> {
  await store.db.insertInto('apps').values({ id: app.id, name: app.name, created_at: createdAt }).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** Deletes an app and its origins; true when it existed. */
export async function deleteApp(tx: Store, id: string): Promise<boolean> {
  await tx.db.deleteFrom('app_origins').where('app_id', '=', id).execute();
  const result = await tx.db.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
