import { everyColumn, preparedQuery } from './prepared';
import { singleWrite, type Store } from './store';
import type { CredentialsTable, UsersTable } from './schema';

export type User = UsersTable;
export type CredentialRow = CredentialsTable;

export async function findUserByName(store: Store, username: string): Promise<User | undefined> {
  return store.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

// Every session opened reads it: compiled once (prepared.ts).
const selectUser = preparedQuery((db, a: { id: string }) => db.selectFrom('users').select(everyColumn<UsersTable>({ id: true, username: true, created_at: true })).where('id', '=', a.id));

const selectUserId = preparedQuery((db, a: { id: string }) => db.selectFrom('users').select('id').where('id', '=', a.id));

/** Whether the account exists; every transaction on a user's rows asks first (domain/user-transaction.ts). */
export async function userExists(store: Store, id: string): Promise<boolean> {
  return (await selectUserId(store, { id })).length > 0;
}

/** In a PostgreSQL transaction that holds the account's lock, the row that lock read: no round trip. */
export async function findUserById(store: Store, id: string): Promise<User | undefined> {
  const locked = store.lockedUsers?.get(id);
  if (locked) return locked;
  const [user] = await selectUser(store, { id });
  return user;
}

export async function insertUser(store: Store, user: User): Promise<void> {
  await store.db.insertInto('users').values(user).execute();
}

export async function insertCredential(store: Store, credential: CredentialRow): Promise<void> {
  await store.db.insertInto('credentials').values(credential).execute();
}

export async function listCredentials(store: Store, userId: string): Promise<CredentialRow[]> {
  return store.db.selectFrom('credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

export async function findCredential(store: Store, id: string): Promise<CredentialRow | undefined> {
  return store.db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Moves the sign counter forward only if nobody else moved it since we read it (compare-and-set),
 * so two concurrent assertions with the same counter cannot both succeed. Returns false if lost.
 */
export async function advanceCounter(store: Store, id: string, seen: number, next: number, now = Date.now()): Promise<boolean> {
  const result = await singleWrite(store, (tx) =>
    tx.db.updateTable('credentials').set({ counter: next, last_used_at: now }).where('id', '=', id).where('counter', '=', seen).executeTakeFirst(),
  );
  return result.numUpdatedRows === 1n;
}

/** Gives one of the user's passkeys a new name; returns false if it is not the user's. */
export async function renameCredential(store: Store, userId: string, id: string, name: string): Promise<boolean> {
  const result = await store.db.updateTable('credentials').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function deleteCredential(store: Store, userId: string, id: string): Promise<boolean> {
  const result = await store.db.deleteFrom('credentials').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** Removes every row of a user except the audit chain (the caller appends the tombstone). */
export async function deleteUserRows(store: Store, userId: string): Promise<void> {
  for (const table of ['sessions', 'secret_blobs', 'recovery_kits', 'device_approvals', 'records', 'record_counters', 'account_log', 'account_log_heads', 'devices', 'credentials', 'challenges'] as const) {
    await store.db.deleteFrom(table).where('user_id', '=', userId).execute();
  }
  // Keyed by subject, without a foreign key (decoys share these tables): removed by hand.
  for (const table of ['pin_recovery', 'totp_recovery'] as const) {
    await store.db.deleteFrom(table).where('subject', '=', userId).execute();
  }
  await store.db.deleteFrom('users').where('id', '=', userId).execute();
  if (store.lockedUsers?.has(userId)) store.lockedUsers.set(userId, null); // still locked, no longer there
}
