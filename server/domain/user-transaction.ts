import { KeyholdError } from '../errors';
import { inTransaction, lockAccount, type Store } from '../store/store';

/**
 * Every write to an existing user's rows goes through here: one transaction that first takes the
 * user's lock (always first, so no two writers can take locks in opposite orders and deadlock),
 * and checks the account still exists (one statement on PostgreSQL, store/locks.ts), so nothing
 * is written — not even an audit entry after the tombstone — once an erasure has committed.
 */
export function inUserTransaction<T>(store: Store, userId: string, work: (tx: Store) => Promise<T>): Promise<T> {
  return inTransaction(store, async (tx) => {
    if (!(await lockAccount(tx, userId))) throw new KeyholdError('unauthenticated', 'This account no longer exists.');
    return work(tx);
  });
}
