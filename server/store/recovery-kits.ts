import type { RecoveryKitsTable } from './schema';
import type { Store } from './store';

export type RecoveryKitRow = RecoveryKitsTable;

export async function findRecoveryKit(store: Store, userId: string): Promise<RecoveryKitRow | undefined> {
  return store.db.selectFrom('recovery_kits').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Stores the account's kit over any older one (one kit per account). Returns whether one was replaced. */
export async function replaceRecoveryKit(store: Store, row: RecoveryKitRow): Promise<boolean> {
  const replaced = (await findRecoveryKit(store, row.user_id)) !== undefined;
  const { user_id, ...rest } = row;
  await store.db
    .insertInto('recovery_kits')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet(rest))
    .execute();
  return replaced;
}

export async function deleteRecoveryKit(store: Store, userId: string): Promise<boolean> {
  const result = await store.db.deleteFrom('recovery_kits').where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}
