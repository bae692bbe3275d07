import { sql } from 'kysely';
import type { Dialect } from './database';
import type { Db } from './schema';

/** A database handle (or a transaction on it) and its dialect, passed to every repository function. */
export interface Store {
  db: Db;
  dialect: Dialect;
}

/**
 * Runs `work` in one transaction; everything it writes commits together or not at all.
 * SQLite: `BEGIN IMMEDIATE` takes the write lock up front. A plain (deferred) BEGIN that reads and
 * then writes fails at once with SQLITE_BUSY when another process wrote in between — busy_timeout
 * does not apply to that upgrade — so two server processes on one file would answer 500s.
 */
export function inTransaction<T>(store: Store, work: (tx: Store) => Promise<T>): Promise<T> {
  if (store.dialect === 'postgres') return store.db.transaction().execute((trx) => work({ db: trx, dialect: store.dialect }));
  return store.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    let result: T;
    try {
      result = await work({ db: connection, dialect: 'sqlite' });
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
    await sql`commit`.execute(connection);
    return result;
  });
}

/**
 * Serialises writers of one user's rows for the rest of the transaction, across server processes.
 * PostgreSQL: a transaction-scoped advisory lock. SQLite: writers are already serialised.
 */
export async function lockUser(tx: Store, userId: string): Promise<void> {
  if (tx.dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtextextended(${userId}, 0))`.execute(tx.db);
  }
}

/** True for a primary-key or unique-constraint violation in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
