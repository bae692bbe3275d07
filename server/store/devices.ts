import { everyColumn, preparedQuery } from './prepared';
import type { DevicesTable } from './schema';
import type { Store } from './store';

export type DeviceRow = DevicesTable;

export async function insertDevice(store: Store, device: DeviceRow): Promise<void> {
  await store.db.insertInto('devices').values(device).execute();
}

const DEVICE_COLUMNS = everyColumn<DevicesTable>({ id: true, user_id: true, app_id: true, name: true, public_key_jwk: true, created_at: true, last_seen_at: true, revoked_at: true });
// Device sign-in runs these two (and a syncing device signs in often): compiled once (prepared.ts).
const selectDevice = preparedQuery((db, a: { id: string }) => db.selectFrom('devices').select(DEVICE_COLUMNS).where('id', '=', a.id));
const touchDevice = preparedQuery((db, a: { id: string; now: number }) =>
  db.updateTable('devices').set({ last_seen_at: a.now }).where('id', '=', a.id).where('revoked_at', 'is', null).returning('id'),
);

export async function findDevice(store: Store, id: string): Promise<DeviceRow | undefined> {
  const [row] = await selectDevice(store, { id });
  return row;
}

export async function listDevices(store: Store, userId: string): Promise<DeviceRow[]> {
  return store.db.selectFrom('devices').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

/**
 * Marks a device revoked (kept for the user's history); returns its app, or undefined if it was
 * not the user's or already revoked.
 */
export async function revokeDevice(store: Store, userId: string, id: string, now = Date.now()): Promise<string | undefined> {
  const row = await store.db
    .updateTable('devices')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning('app_id')
    .executeTakeFirst();
  return row?.app_id;
}

/** Gives one of the user's devices a new name; returns the row as renamed, or undefined if it is not the user's. */
export async function renameDevice(store: Store, userId: string, id: string, name: string): Promise<DeviceRow | undefined> {
  const result = await store.db.updateTable('devices').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return result.numUpdatedRows === 1n ? findDevice(store, id) : undefined;
}

/** Revokes every live device of the user except `keepId` (lock everywhere); returns how many it revoked. */
export async function revokeDevicesExcept(store: Store, userId: string, keepId: string, now: number): Promise<number> {
  const result = await store.db
    .updateTable('devices')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('id', '!=', keepId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Marks a device seen unless it is revoked; false when it is revoked (or gone). One statement, so
 * in a sign-in's transaction it is also the revocation check, made under the same write lock.
 */
export async function touchLiveDevice(store: Store, id: string, now = Date.now()): Promise<boolean> {
  return (await touchDevice(store, { id, now })).length === 1;
}
